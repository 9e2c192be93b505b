/// The `?` overlay: every key, in a box over the middle of the screen.
enum HelpView {
    static func lines(refresh: String) -> [(String, String)] {
        // Twenty lines: all of them fit at 80x24.
        [
            ("↑ ↓  j k", "move (documents: between the lines marked ›)"),
            ("PgUp PgDn  g G", "page; first / last (Home End; End: a map's end)"),
            ("Enter", "open the row, follow the line (›) or the jump (goto pc+N)"),
            ("Esc  Backspace", "clear the filter, else go back"),
            ("Tab  Shift-Tab", "next / previous pane"),
            ("1 … 6", "Programs Maps Links Pins Tasks Attached"),
            ("← →  h l", "lists: section; documents: scroll"),
            ("/  F3  F4", "filter as you type: text or a regex (a|b)"),
            ("s > <  i  F6", "sort by the next / previous column; i reverses; F6 menu"),
            ("z", "preview: hidden / zoomed / beside the list"),
            (":", "jump: :map 42, :pid 1234, :pin PATH, :tasks"),
            ("x  c", "map entries: hex (with ASCII) / BTF; per-CPU rows"),
            ("/ n N  =", "map entries: search, next / previous; = looks up a key"),
            ("S", "run-time stats off / on (on from the start)"),
            ("O", "bpfnav's own objects: show / hide"),
            ("K  b  t  F5", "Tasks: kernel threads, BPF holders only, tree"),
            ("r  p", "refresh now (automatic: \(refresh)); pause / resume"),
            ("F9", "unpin a pin bpfnav made (asks first)"),
            ("mouse", "click a row, a view, a column's title; wheel"),
            ("?  F1   q  F10", "this help (any key closes it); quit"),
        ]
    }

    static func draw(_ screen: Screen, refresh: String) {
        let size = screen.size
        let entries = lines(refresh: refresh)
        let keyWidth = 16
        let body = entries.map { TextWidth.fit($0.0, keyWidth) + $0.1 }
        let width = min(size.cols - 2, max(40, body.map(TextWidth.width).max() ?? 0) + 4)
        let height = min(size.rows - 2, body.count + 2)
        guard width >= 10, height >= 3 else { return }
        let top = (size.rows - height) / 2
        let left = (size.cols - width) / 2
        let title = " bpfnav keys "
        let rule = String(repeating: "─", count: width - 2)
        screen.draw("┌" + TextWidth.clip("──" + title + rule, width - 2) + "┐", row: top, col: left, style: .overlay)
        for row in 1..<(height - 1) {
            let index = row - 1
            let text = index >= 0 && index < body.count ? " " + body[index] : ""
            screen.draw("│" + TextWidth.fit(text, width - 2) + "│", row: top + row, col: left, style: .overlay)
        }
        let footer = " any key closes "
        screen.draw("└" + TextWidth.clip(String(rule.prefix(max(0, width - 4 - footer.count))) + footer + rule, width - 2) + "┘",
                    row: top + height - 1, col: left, style: .overlay)
        for (index, entry) in entries.enumerated() where index + 1 < height - 1 {
            screen.draw(" " + TextWidth.fit(entry.0, keyWidth), row: top + 1 + index, col: left + 1, style: .heading)
        }
    }
}

/// The `?` overlay: every key, in a box over the middle of the screen.
enum HelpView {
    static func lines(refresh: String) -> [(String, String)] {
        [
            ("↑ ↓  j k", "move"),
            ("PgUp PgDn", "page up / down"),
            ("Home End  g G", "first / last (End reads a map to its end)"),
            ("Enter", "open the row, follow the line (›) or the jump (goto pc+N)"),
            ("Esc  Backspace", "clear the filter, else go back"),
            ("Tab  Shift-Tab", "next / previous pane"),
            ("1 … 6", "Programs Maps Links Pins Tasks Attached"),
            ("← →  h l", "lists: section; documents: scroll"),
            ("/", "filter as you type (Enter keeps, Esc clears)"),
            ("s  >  <", "sort by next / previous column"),
            ("i", "reverse the sort"),
            ("x", "map entries: hex (with ASCII) / formatted (BTF)"),
            ("/  n N", "map entries: search keys and values, next / previous"),
            ("=", "map entries: look up a key (42, 0x2a, pid=1,comm=sh)"),
            ("c", "map entries: per-CPU sums / one row per CPU"),
            ("S", "run-time stats off / on (on from the start)"),
            ("O", "bpfnav's own objects: show / hide"),
            ("K  b  t", "Tasks: kernel threads, BPF holders only, tree"),
            ("r  F5", "refresh now (automatic: \(refresh))"),
            ("p", "pause / resume the automatic refresh"),
            ("?  F1", "this help (any key closes it)"),
            ("q", "quit"),
        ]
    }

    static func draw(_ screen: Screen, refresh: String) {
        let size = screen.size
        let entries = lines(refresh: refresh)
        let keyWidth = 16
        let body = entries.map { TextWidth.fit($0.0, keyWidth) + $0.1 }
        let width = min(size.cols - 2, max(40, body.map(TextWidth.width).max() ?? 0) + 4)
        let height = min(size.rows - 2, body.count + 4)
        guard width >= 10, height >= 3 else { return }
        let top = (size.rows - height) / 2
        let left = (size.cols - width) / 2
        let title = " bpfnav keys "
        let rule = String(repeating: "─", count: width - 2)
        screen.draw("┌" + TextWidth.clip("──" + title + rule, width - 2) + "┐", row: top, col: left, style: .overlay)
        for row in 1..<(height - 1) {
            let index = row - 2
            let text = index >= 0 && index < body.count ? " " + body[index] : ""
            screen.draw("│" + TextWidth.fit(text, width - 2) + "│", row: top + row, col: left, style: .overlay)
        }
        let footer = " any key closes "
        screen.draw("└" + TextWidth.clip(String(rule.prefix(max(0, width - 4 - footer.count))) + footer + rule, width - 2) + "┘",
                    row: top + height - 1, col: left, style: .overlay)
        for (index, entry) in entries.enumerated() where index + 2 < height - 1 {
            screen.draw(" " + TextWidth.fit(entry.0, keyWidth), row: top + 2 + index, col: left + 1, style: .heading)
        }
    }
}

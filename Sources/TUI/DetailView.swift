import BrowserModel

/// A document: fields with their keys aligned, section headings, lines
/// that open something (Enter follows them), code and iterator output as
/// they are, scrolled sideways with ← →.
enum DetailView {
    /// Keys wider than this are cut: values stay in view.
    static let maxKeyWidth = 18

    static func draw(_ screen: Screen, _ rect: Rect, state: inout DocumentState, focused: Bool) {
        guard rect.rows > 0, rect.cols > 0 else { return }
        state.scroll(height: rect.rows)
        let lines = state.document.lines
        let visible = state.visible
        if visible.isEmpty {
            let text = state.filter.isEmpty ? "nothing to show" : "no line matches '\(state.filter)'"
            screen.draw(" " + TextWidth.truncate(text, rect.cols - 1), row: rect.row, col: rect.col, style: .dim)
            return
        }
        let keyWidths = self.keyWidths(lines, visible)
        // A document with nothing to open scrolls: no cursor to show.
        let showsCursor = focused && state.hasOpenableLines
        for offset in 0..<min(rect.rows, visible.count - state.top) {
            let position = state.top + offset
            let line = lines[visible[position]]
            var text: String
            var style: Style
            switch line.kind {
            case .heading:
                text = line.text
                style = .heading
            case .field:
                text = TextWidth.fit(line.key, keyWidths[position]) + "  " + line.text
                style = line.target != nil ? .link : .normal
            case .text:
                text = line.text
                style = line.target != nil ? .link : .normal
            case .error:
                text = line.text
                style = .error
            case .code:
                text = line.text
                style = .normal
            }
            if line.target != nil { text += " ›" }
            text = " " + TextWidth.dropping(state.left, of: text)
            if position == state.cursor, showsCursor { style = .selected }
            let row = rect.row + offset
            if style == .selected {
                screen.draw(TextWidth.fit(text, rect.cols), row: row, col: rect.col, style: style)
            } else {
                screen.draw(TextWidth.truncate(text, rect.cols), row: row, col: rect.col, style: style)
            }
            if let ranges = state.changes[visible[position]] {
                drawChanges(screen, rect, row: row, text: line.text, ranges: ranges,
                            start: line.kind == .field ? keyWidths[position] + 2 : 0, left: state.left,
                            limit: TextWidth.width(text) > rect.cols ? rect.cols - 1 : rect.cols)
            }
        }
    }

    /// For each visible position, the key width of its run of fields.
    static func keyWidths(_ lines: [BrowserLine], _ visible: [Int]) -> [Int] {
        var widths = [Int](repeating: 0, count: visible.count)
        var start = 0
        while start < visible.count {
            guard lines[visible[start]].kind == .field else {
                start += 1
                continue
            }
            var end = start
            var width = 0
            while end < visible.count, lines[visible[end]].kind == .field {
                width = max(width, TextWidth.width(lines[visible[end]].key))
                end += 1
            }
            for position in start..<end { widths[position] = min(width, maxKeyWidth) }
            start = end
        }
        return widths
    }
}

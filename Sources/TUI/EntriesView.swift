import BrowserModel
import Formatting

/// A map's entries, one per row: formatted through BTF (`key = value`), or
/// their bytes in hex (`x` switches). Rows not read yet say "loading…".
enum EntriesView {
    static func draw(_ screen: Screen, _ rect: Rect, state: EntriesState, focused: Bool) {
        guard rect.rows > 0, rect.cols > 0 else { return }
        let digits = max(3, String(max(state.known, 1)).count)
        let header = String(repeating: " ", count: digits - 1) + "#  " + (state.hex ? "KEY (hex)  VALUE (hex)" : "KEY = VALUE")
        screen.draw(TextWidth.fit(" " + header, rect.cols), row: rect.row, col: rect.col, style: .columnHeader)
        let height = rect.rows - 1
        guard height > 0 else { return }
        if let error = state.error {
            screen.draw(" " + TextWidth.truncate(error, rect.cols - 1), row: rect.row + 1, col: rect.col, style: .error)
            return
        }
        if state.complete, state.known == 0 {
            screen.draw(" the map has no entries", row: rect.row + 1, col: rect.col, style: .dim)
            return
        }
        state.scroll(height: height)
        for offset in 0..<min(height, state.rowCount - state.top) {
            let index = state.top + offset
            var style: Style = .normal
            var text: String
            if index >= state.known {
                text = state.readingThrough
                    ? "reading… \(state.progress.counted.load(ordering: .relaxed)) entries counted"
                    : "loading…"
                style = .dim
            } else if let entry = state.entry(index) {
                text = line(entry, hex: state.hex)
            } else {
                text = "loading…"
                style = .dim
            }
            let number = String(index)
            text = " " + String(repeating: " ", count: max(0, digits - number.count)) + number + "  "
                + TextWidth.dropping(state.left, of: text)
            if index == state.cursor { style = focused ? .selected : .selectedInactive }
            screen.draw(TextWidth.fit(text, rect.cols), row: rect.row + 1 + offset, col: rect.col, style: style)
        }
    }

    /// One entry in a line.
    static func line(_ entry: BrowserMapEntry, hex: Bool) -> String {
        if hex {
            return BrowserFormat.hex(entry.key) + "  " + values(entry.values.map(BrowserFormat.hex))
        }
        let key = entry.formattedKey ?? BrowserFormat.hex(entry.key)
        let value = entry.formattedValues.map(values) ?? values(entry.values.map(BrowserFormat.hex))
        return key + " = " + value
    }

    /// One value, or per-CPU values as "cpu0: … | cpu1: …".
    static func values(_ texts: [String]) -> String {
        if texts.count == 1 { return texts[0] }
        return texts.enumerated().map { "cpu\($0.offset): \($0.element)" }.joined(separator: " | ")
    }

    /// The lines of one entry's page (Enter on an entry).
    static func document(_ entry: BrowserMapEntry, index: Int, mapID: UInt32) -> BrowserDocument {
        var lines: [BrowserLine] = [.heading("Key (\(entry.key.count) bytes)")]
        if let key = entry.formattedKey { lines.append(.code(key)) }
        lines += dump(entry.key)
        for (cpu, value) in entry.values.enumerated() {
            lines.append(.heading(entry.values.count == 1 ? "Value (\(value.count) bytes)" : "CPU \(cpu) (\(value.count) bytes)"))
            if let formatted = entry.formattedValues, cpu < formatted.count { lines.append(.code(formatted[cpu])) }
            lines += dump(value)
        }
        return BrowserDocument(title: "Map \(mapID) entry #\(index)", lines: lines)
    }

    /// 16 bytes a line, with their offset: "0010  2a 00 …".
    static func dump(_ bytes: [UInt8]) -> [BrowserLine] {
        stride(from: 0, to: bytes.count, by: 16).map { offset in
            let digits = String(offset, radix: 16)
            let label = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            return .code(label + "  " + BrowserFormat.hex(Array(bytes[offset..<min(offset + 16, bytes.count)])))
        }
    }
}

import BrowserModel
import Formatting

/// A map's entries, one per row: formatted through BTF (`key = value`), or
/// their bytes in hex (`x` switches). Rows not read yet say "loading…".
enum EntriesView {
    /// Widest a column other than the last grows; longer cells end in "…".
    static let columnLimit = 32

    static func draw(_ screen: Screen, _ rect: Rect, state: EntriesState, focused: Bool) {
        guard rect.rows > 0, rect.cols > 0 else { return }
        var rect = rect
        if rect.rows > 2, let text = promptLine(state) {
            // The prompt, or the walk's progress, takes the pane's last row.
            screen.draw(TextWidth.fit(text, rect.cols), row: rect.row + rect.rows - 1, col: rect.col, style: .footer)
            rect.rows -= 1
        }
        let digits = max(3, String(max(state.count, 1)).count)
        let height = rect.rows - 1
        state.scroll(height: max(1, height))
        let rows = state.top..<min(state.rowCount, state.top + max(0, height))
        let sample = rows.lazy.compactMap { state.entry(state.entryIndex(ofRow: $0)) }.first
        let columns = EntriesTable.columns(sample, hex: state.hex)
        // Cells of the rows in view, then the widths they need.
        var cells: [Int: [String]] = [:]
        for row in rows {
            guard let entry = state.entry(state.entryIndex(ofRow: row)) else { continue }
            let sub = row % state.span
            let rates = sub == 0 && !state.hex ? state.rates[entry.key] : nil
            cells[row] = columns.map { column in
                if sub > 0, column.part == .key { return column == columns.first ? "  cpu\(sub - 1)" : "" }
                let cell = EntriesTable.cell(entry, column, cpu: sub > 0 ? sub - 1 : nil, hex: state.hex)
                // A counter seen to grow: its rate beside it.
                guard let rate = rates?[column.title] else { return cell }
                return cell + " " + EntriesTable.rateText(rate)
            }
        }
        // The sort's column is one of the BTF columns, not the hex ones.
        let sortColumn = state.hex ? nil : state.sorted?.column
        let titles = columns.enumerated().map { index, column in
            column.title + (index == sortColumn ? (state.sorted!.descending ? "▼" : "▲") : "")
        }
        var widths = titles.map(TextWidth.width)
        for row in cells.values {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], min(columnLimit, TextWidth.width(cell))) }
        }
        let header = String(repeating: " ", count: digits - 1) + "#  " + join(titles, widths, columns)
        screen.draw(TextWidth.fit(" " + TextWidth.dropping(0, of: header), rect.cols), row: rect.row, col: rect.col,
                    style: .columnHeader)
        guard height > 0 else { return }
        if let error = state.error {
            screen.draw(" " + TextWidth.truncate(error, rect.cols - 1), row: rect.row + 1, col: rect.col, style: .error)
            return
        }
        if state.sorted == nil, state.complete, state.known == 0 {
            screen.draw(" the map has no entries", row: rect.row + 1, col: rect.col, style: .dim)
            return
        }
        for (offset, row) in rows.enumerated() {
            let index = state.entryIndex(ofRow: row)
            var style: Style = .normal
            var text: String
            if let cellsOfRow = cells[row] {
                text = join(cellsOfRow, widths, columns)
                let sub = row % state.span
                if state.hex, let entry = state.entry(index), entry.values.count == 1 || sub > 0 {
                    // The value's bytes as ASCII, as hexdump -C beside its hex.
                    text += "  |" + ascii(entry.values[max(0, sub - 1)]) + "|"
                }
            } else if index >= state.known, state.readingThrough {
                text = "reading… \(state.progress.counted.load(ordering: .relaxed)) entries counted"
                style = .dim
            } else {
                text = "loading…"
                style = .dim
            }
            let number = row % state.span == 0 ? String(index) : ""
            text = " " + String(repeating: " ", count: max(0, digits - number.count)) + number + "  "
                + TextWidth.dropping(state.left, of: text)
            if row == state.cursor { style = focused ? .selected : .selectedInactive }
            screen.draw(TextWidth.fit(text, rect.cols), row: rect.row + 1 + offset, col: rect.col, style: style)
        }
    }

    static func promptLine(_ state: EntriesState) -> String? {
        if let prompt = state.prompt { return " " + prompt.label + Tables.safe(prompt.text) + "▏" }
        if let walk = state.walk {
            return " \(walk.label)… \(walk.counted.load(ordering: .relaxed)) entries (Esc stops)"
        }
        return nil
    }

    /// Cells padded to their widths (numbers and their titles right-aligned),
    /// the last one whole.
    static func join(_ cells: [String], _ widths: [Int], _ columns: [EntryColumn]) -> String {
        var out = ""
        for (i, cell) in cells.enumerated() {
            if i > 0 { out += "  " }
            let last = i == cells.count - 1
            let fitted = last ? cell : TextWidth.truncate(cell, widths[i])
            let pad = String(repeating: " ", count: max(0, widths[i] - TextWidth.width(fitted)))
            out += columns[i].numeric ? pad + fitted : fitted + (last ? "" : pad)
        }
        return out
    }

    /// Bytes as `hexdump -C` shows them beside the hex: printable ASCII, else ".".
    static func ascii(_ bytes: [UInt8]) -> String {
        String(bytes.map { $0 >= 0x20 && $0 < 0x7f ? Character(Unicode.Scalar($0)) : "." })
    }

    /// One value, or per-CPU values as "cpu0: … | cpu1: …".
    static func values(_ texts: [String]) -> String {
        if texts.count == 1 { return texts[0] }
        return texts.enumerated().map { "cpu\($0.offset): \($0.element)" }.joined(separator: " | ")
    }

    /// The lines of one entry's page (Enter on an entry).
    static func document(_ entry: BrowserMapEntry, title: String) -> BrowserDocument {
        var lines: [BrowserLine] = [.heading("Key (\(entry.key.count) bytes)")]
        if let key = entry.typedKey {
            lines += BTFPrettyJSON.lines(key).map { .code(Tables.safe($0)) }
        } else if let key = entry.formattedKey {
            lines.append(.code(key))
        }
        lines += dump(entry.key)
        if entry.values.count > 1, let typed = entry.typedValues {
            lines.append(.heading("Value, summed over \(entry.values.count) CPUs"))
            lines += BTFPrettyJSON.lines(EntriesTable.sum(typed)).map { .code(Tables.safe($0)) }
        }
        for (cpu, value) in entry.values.enumerated() {
            lines.append(.heading(entry.values.count == 1 ? "Value (\(value.count) bytes)" : "CPU \(cpu) (\(value.count) bytes)"))
            if let typed = entry.typedValues, cpu < typed.count {
                lines += BTFPrettyJSON.lines(typed[cpu]).map { .code(Tables.safe($0)) }
            } else if let formatted = entry.formattedValues, cpu < formatted.count {
                lines.append(.code(formatted[cpu]))
            }
            lines += dump(value)
        }
        return BrowserDocument(title: title, lines: lines)
    }

    /// 16 bytes a line, with their offset and ASCII as `hexdump -C`:
    /// "0010  2a 00 …  |*.|".
    static func dump(_ bytes: [UInt8]) -> [BrowserLine] {
        stride(from: 0, to: bytes.count, by: 16).map { offset in
            let digits = String(offset, radix: 16)
            let label = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
            let line = Array(bytes[offset..<min(offset + 16, bytes.count)])
            let hex = BrowserFormat.hex(line)
            return .code(label + "  " + hex + String(repeating: " ", count: 47 - hex.count) + "  |" + ascii(line) + "|")
        }
    }
}

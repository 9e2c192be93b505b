/// Left-aligned columns separated by two spaces; the last column unpadded.
/// With colour on (`Colour`), the header is bold and the first column cyan.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], cell.count)
            }
        }
        var out = ""
        for (r, row) in all.enumerated() {
            var line = ""
            for (i, cell) in row.enumerated() {
                let shown = r == 0 ? Colour.paint(cell, Colour.bold) : i == 0 ? Colour.paint(cell, Colour.cyan) : cell
                if i == row.count - 1 {
                    line += shown
                } else {
                    line += shown + String(repeating: " ", count: widths[i] - cell.count + 2)
                }
            }
            out += line + "\n"
        }
        return out
    }
}

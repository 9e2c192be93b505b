/// A screen that keeps its cells in memory, for tests: draw into it, then
/// read the rows back as text and look at the style of any cell.
public final class MemoryScreen: Screen {
    public struct Cell: Equatable, Sendable {
        /// One character, or "" for the second cell of a wide character.
        public var text: String
        public var style: Style
    }

    public private(set) var size: ScreenSize
    public private(set) var cells: [[Cell]]
    public private(set) var presentCount = 0

    public init(rows: Int, cols: Int) {
        size = ScreenSize(rows: rows, cols: cols)
        cells = Self.blank(size)
    }

    /// Changes the size (the test's KEY_RESIZE); the contents are blanked.
    public func resize(rows: Int, cols: Int) {
        size = ScreenSize(rows: rows, cols: cols)
        cells = Self.blank(size)
    }

    public func clear() {
        cells = Self.blank(size)
    }

    public func draw(_ text: String, row: Int, col: Int, style: Style) {
        guard row >= 0, row < size.rows else { return }
        var x = col
        for character in text {
            let width = TextWidth.width(character)
            if x >= size.cols { break }
            if width == 0 {
                // A combining mark without a base (the text starts with one).
                continue
            }
            if x + width > size.cols { break }
            if x >= 0 {
                let shown = character.unicodeScalars.contains(where: TextWidth.isControl) ? "?" : String(character)
                // Overwriting half of a wide character blanks its other half.
                if x > 0, cells[row][x].text.isEmpty { cells[row][x - 1].text = " " }
                if x + width < size.cols, cells[row][x + width].text.isEmpty { cells[row][x + width].text = " " }
                cells[row][x] = Cell(text: shown, style: style)
                if width == 2 { cells[row][x + 1] = Cell(text: "", style: style) }
            }
            x += width
        }
    }

    public func present() {
        presentCount += 1
    }

    /// Row `row` as text, trailing spaces removed.
    public func line(_ row: Int) -> String {
        var text = cells[row].map(\.text).joined()
        while text.last == " " { text.removeLast() }
        return text
    }

    /// Every row as text.
    public var lines: [String] { (0..<size.rows).map(line) }

    /// The whole screen, one row per line (for failure messages).
    public var text: String { lines.joined(separator: "\n") }

    /// Display columns of row `row` (a wide character counts 2).
    public func width(ofRow row: Int) -> Int {
        TextWidth.width(line(row))
    }

    public func style(row: Int, col: Int) -> Style { cells[row][col].style }

    /// The first row containing `text`, and the display column where it starts.
    public func find(_ text: String) -> (row: Int, col: Int)? {
        for row in 0..<size.rows {
            let line = self.line(row)
            guard let range = line.firstRange(of: text) else { continue }
            return (row, TextWidth.width(String(line[..<range.lowerBound])))
        }
        return nil
    }

    public func contains(_ text: String) -> Bool { find(text) != nil }

    private static func blank(_ size: ScreenSize) -> [[Cell]] {
        Array(repeating: Array(repeating: Cell(text: " ", style: .normal), count: max(0, size.cols)),
              count: max(0, size.rows))
    }
}

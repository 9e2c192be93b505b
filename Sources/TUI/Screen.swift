/// The terminal as the browser sees it: a grid of cells that is cleared,
/// drawn into and shown. `CursesScreen` is the real one, `MemoryScreen`
/// keeps the cells for tests.
public protocol Screen: AnyObject {
    /// Rows and columns, as of the last resize.
    var size: ScreenSize { get }
    /// Blanks every cell (shown at the next `present`).
    func clear()
    /// Writes `text` from (`row`, `col`), clipped at the right edge; wide
    /// characters take two cells and are never split. Rows and columns
    /// outside the screen draw nothing.
    func draw(_ text: String, row: Int, col: Int, style: Style)
    /// Shows what was drawn since the last `present`.
    func present()
}

public struct ScreenSize: Equatable, Sendable, CustomStringConvertible {
    public var rows: Int
    public var cols: Int

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
    }

    public var description: String { "\(cols)x\(rows)" }
}

/// What a piece of text is; each screen decides how that looks (colours,
/// or attributes alone on a monochrome terminal or with NO_COLOR).
public enum Style: Int, CaseIterable, Sendable {
    case normal
    /// The top line: kernel, counts, refresh, stats.
    case header
    case navigator
    case navigatorActive
    case columnHeader
    /// The cursor in the focused pane.
    case selected
    /// The cursor in a pane without focus.
    case selectedInactive
    /// A pane's title bar.
    case title
    case heading
    /// A line that Enter opens.
    case link
    case dim
    case error
    case footer
    case footerKey
    case overlay
    /// A value that changed at the last refresh (as `watch -d`).
    case changed
}

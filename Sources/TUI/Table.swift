import BrowserModel

/// A list as the browser draws it: columns, and rows of cells already safe
/// for the terminal, with the keys they sort by.
struct Table {
    var columns: [Column]
    var rows: [TableRow]
    /// What an empty list says ("no programs").
    var emptyText: String

    /// Right-aligned columns hold numbers (ids, counts, sizes) and widen to
    /// their widest cell: a cut number is another number ("1037…" for
    /// program 103701), and ids grow with every program a machine loads.
    init(columns: [Column], rows: [TableRow], emptyText: String) {
        var columns = columns
        for index in columns.indices where columns[index].align == .right && !columns[index].flex {
            let widest = rows.reduce(0) { widest, row in
                index < row.cells.count ? max(widest, TextWidth.width(row.cells[index])) : widest
            }
            columns[index].width = max(columns[index].width, widest)
        }
        self.columns = columns
        self.rows = rows
        self.emptyText = emptyText
    }
}

struct Column: Equatable {
    var title: String
    /// How narrow the column may be cut when the terminal is too narrow
    /// for its content (`ColumnWidths`); right-aligned columns never are.
    var width: Int
    var align: TextWidth.Alignment = .left
    /// Takes the width left over.
    var flex = false
    /// Narrow terminals drop the columns with the highest numbers first.
    var priority = 0
    /// Sorting by this column starts with the largest value (memory, CPU).
    var descendingFirst = false
}

enum SortKey: Comparable {
    case number(Double)
    case text(String)
}

struct TableRow {
    var cells: [String]
    var keys: [SortKey]
    /// What the preview beside the list shows.
    var target: BrowserTarget
    /// What Enter opens (a pinned map opens the map).
    var opens: BrowserTarget
    /// Lowercased text the filter matches, a line per cell.
    var search: String
    /// Cells to show instead when the list is not in its natural order or
    /// is filtered (the pins' tree shows full paths then).
    var flatCells: [String]?

    init(cells: [String], keys: [SortKey], target: BrowserTarget, opens: BrowserTarget? = nil,
         extraSearch: String = "", flatCells: [String]? = nil) {
        self.cells = cells
        self.keys = keys
        self.target = target
        self.opens = opens ?? target
        self.flatCells = flatCells
        // One line per cell: a filter's ^ and $ match at each cell (TextFilter).
        search = (cells + (flatCells ?? []) + [extraSearch]).joined(separator: "\n").lowercased()
    }
}

/// Which columns fit a width, and where they go.
enum ColumnLayout {
    struct Placed: Equatable {
        var index: Int
        var x: Int
        var width: Int
    }

    /// Columns at their declared widths, laid out by `ColumnWidths`
    /// (lists pass their content instead: `ColumnWidths.allocate`).
    static func fit(_ columns: [Column], width: Int, gap: Int = 1) -> [Placed] {
        ColumnWidths.allocate(columns, content: nil, width: width, gap: gap)
    }
}

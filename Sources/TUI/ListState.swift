import BrowserModel

/// One list's position, sort order and filter; `visible` holds the rows
/// shown, as indices into the table, filtered then sorted.
struct ListState {
    var cursor = 0
    var top = 0
    /// nil: the order the source listed them in (ids, the pin tree).
    var sortColumn: Int?
    var descending = false
    var filter = ""
    /// The row the cursor is on, kept across refreshes and re-sorts.
    var selected: BrowserTarget?
    private(set) var visible: [Int] = []
    /// The widest cell of each column among `visible` (`ColumnWidths`).
    private(set) var contentWidths: [Int] = []

    /// Whether rows show in the source's order, unfiltered.
    var isNatural: Bool { sortColumn == nil && filter.isEmpty }

    /// Rebuilds `visible`. After a new order or filter the list shows from
    /// its top again, as far as the cursor allows (`resetScroll`).
    mutating func rebuild(_ table: Table, resetScroll: Bool = false) {
        if resetScroll { top = 0 }
        var indices = Array(table.rows.indices)
        let matcher = TextFilter(filter)
        if !matcher.isEmpty {
            indices = indices.filter { matcher.matches(lowercased: table.rows[$0].search) }
        }
        if let column = sortColumn, column < table.columns.count {
            let descending = self.descending
            // Stable: equal keys keep the source's order.
            indices = indices.enumerated().sorted { a, b in
                let ka = table.rows[a.element].keys[column], kb = table.rows[b.element].keys[column]
                if ka != kb { return descending ? kb < ka : ka < kb }
                return a.offset < b.offset
            }.map(\.element)
        }
        visible = indices
        contentWidths = ColumnWidths.content(table, rows: indices, flat: !isNatural)
        if let selected, let position = visible.firstIndex(where: { table.rows[$0].target == selected }) {
            cursor = position
        } else {
            cursor = min(cursor, max(0, visible.count - 1))
        }
        select(table)
    }

    mutating func move(to position: Int, _ table: Table) {
        cursor = max(0, min(position, visible.count - 1))
        select(table)
    }

    private mutating func select(_ table: Table) {
        selected = visible.isEmpty ? nil : table.rows[visible[cursor]].target
    }

    func row(_ table: Table) -> TableRow? {
        visible.isEmpty ? nil : table.rows[visible[cursor]]
    }

    /// Scrolls so that the cursor is within `height` rows.
    mutating func scroll(height: Int) {
        guard height > 0 else { return }
        if cursor < top { top = cursor }
        if cursor >= top + height { top = cursor - height + 1 }
        top = max(0, min(top, max(0, visible.count - height)))
    }

    /// The next sort: the source's order, then each column in turn.
    mutating func cycleSort(_ table: Table, by step: Int) {
        let count = table.columns.count
        let positions = count + 1   // nil, 0, 1, …
        let current = sortColumn.map { $0 + 1 } ?? 0
        let next = ((current + step) % positions + positions) % positions
        sortColumn = next == 0 ? nil : next - 1
        descending = sortColumn.map { table.columns[$0].descendingFirst } ?? false
        rebuild(table, resetScroll: true)
    }
}

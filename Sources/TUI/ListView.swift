import BrowserModel

/// Where a view draws: rows and columns of the screen.
struct Rect: Equatable {
    var row: Int
    var col: Int
    var rows: Int
    var cols: Int
}

/// A sortable table: a header of column titles (the sorted one marked),
/// then one row per visible entry, the cursor's row highlighted.
enum ListView {
    /// Returns where the columns went (a click on a title sorts by it).
    @discardableResult
    static func draw(_ screen: Screen, _ rect: Rect, table: Table, state: inout ListState, focused: Bool,
                     placeholder: (text: String, style: Style)?,
                     changed: [BrowserTarget: Set<Int>] = [:]) -> [ColumnLayout.Placed] {
        guard rect.rows > 0, rect.cols > 0 else { return [] }
        // One space of margin on the left, like htop.
        let placed = ColumnWidths.allocate(table.columns, content: state.contentWidths, width: rect.cols - 1)
        let header = " " + placed.map { column in
            var title = table.columns[column.index].title
            if state.sortColumn == column.index { title += state.descending ? "▼" : "▲" }
            return TextWidth.fit(title, column.width, align: table.columns[column.index].align)
        }.joined(separator: " ")
        screen.draw(TextWidth.fit(header, rect.cols), row: rect.row, col: rect.col, style: .columnHeader)

        let height = rect.rows - 1
        state.scroll(height: height)
        if state.visible.isEmpty {
            if let placeholder, height > 0 {
                screen.draw(" " + TextWidth.truncate(placeholder.text, rect.cols - 1), row: rect.row + 1, col: rect.col,
                            style: placeholder.style)
            }
            return placed
        }
        let flat = !state.isNatural
        for line in 0..<min(height, state.visible.count - state.top) {
            let position = state.top + line
            let row = table.rows[state.visible[position]]
            let cells = flat ? (row.flatCells ?? row.cells) : row.cells
            let text = " " + placed.map { column in
                TextWidth.fit(cells[column.index], column.width, align: table.columns[column.index].align)
            }.joined(separator: " ")
            let style: Style = position == state.cursor ? (focused ? .selected : .selectedInactive) : .normal
            screen.draw(TextWidth.fit(text, rect.cols), row: rect.row + 1 + line, col: rect.col, style: style)
            if let columns = changed[row.target] {
                drawChanges(screen, rect, row: rect.row + 1 + line, cells: cells, columns: columns, placed: placed, table: table)
            }
        }
        return placed
    }
}

/// Column widths from what the columns hold and the width there is.
///
/// Each column asks for its widest cell among the rows shown (after the
/// filter) and its title with room for the sort mark. When everything fits,
/// every column gets what it asks for, and the width left over goes to the
/// last column when it is flexible (a path, a detail, as htop's Command);
/// after a flexible column in the middle (a program's NAME) it is left
/// blank at the end, so that the columns stay close to what they hold and
/// a wide terminal does not push them apart. When it does not fit:
///
/// 1. columns are kept by priority (`Column.priority`, lowest first) while
///    their floors fit; the others are left out;
/// 2. the flexible columns give first, the widest first, each down to its
///    floor at most (its declared `width`): long names and paths are cut
///    only as far as needed, and cut columns end up equally wide;
/// 3. then the other left-aligned columns (types, states), the same way;
/// 4. right-aligned columns (ids, counts, sizes) never give: a cut number
///    is another number.
///
/// A value that fits is never cut: a column is narrower than its widest
/// cell only when the columns that could give have given all they can.
enum ColumnWidths {
    /// Where each kept column goes, in the columns' order.
    ///
    /// `content[i]` is the widest cell of column `i` (0 or missing: the
    /// column's declared width stands in for it).
    static func allocate(_ columns: [Column], content: [Int]?, width: Int, gap: Int = 1) -> [ColumnLayout.Placed] {
        guard !columns.isEmpty, width > 0 else { return [] }
        let need = columns.indices.map { index in
            let column = columns[index]
            let cells = content.map { index < $0.count ? $0[index] : 0 } ?? column.width
            // The sorted column's title carries ▲ or ▼.
            return max(TextWidth.width(column.title) + 1, cells, content == nil ? column.width : 0)
        }
        let floor = columns.indices.map { index in
            columns[index].align == .right ? need[index] : min(columns[index].width, need[index])
        }

        // 1. Which columns stay.
        let byPriority = columns.indices.sorted { (columns[$0].priority, $0) < (columns[$1].priority, $1) }
        var kept: Set<Int> = []
        var used = 0
        for index in byPriority {
            let extra = floor[index] + (kept.isEmpty ? 0 : gap)
            if used + extra <= width {
                kept.insert(index)
                used += extra
            }
        }
        if kept.isEmpty, let first = byPriority.first { kept.insert(first) }
        let order = columns.indices.filter(kept.contains)

        var widths = Dictionary(uniqueKeysWithValues: order.map { ($0, need[$0]) })
        let total = order.reduce(0) { $0 + need[$1] } + gap * (order.count - 1)
        if total <= width {
            if let last = order.last, columns[last].flex { widths[last, default: 0] += width - total }
        } else {
            // 2 and 3: the flexible columns give, then the other left-aligned ones.
            var excess = total - width
            let flexible = order.filter { columns[$0].flex }
            let others = order.filter { !columns[$0].flex && columns[$0].align == .left }
            for givers in [flexible, others] where excess > 0 {
                excess = give(excess, from: givers, widths: &widths, floor: floor)
            }
        }
        var x = 0
        var placed: [ColumnLayout.Placed] = []
        for index in order {
            let w = min(widths[index] ?? 0, max(0, width - x))
            placed.append(ColumnLayout.Placed(index: index, x: x, width: w))
            x += w + gap
        }
        return placed
    }

    /// Takes up to `excess` cells from `givers`, a cell at a time from the
    /// widest (ties: the later column), never below a column's floor;
    /// returns what is still to take.
    static func give(_ excess: Int, from givers: [Int], widths: inout [Int: Int], floor: [Int]) -> Int {
        var excess = excess
        while excess > 0 {
            let candidates = givers.filter { (widths[$0] ?? 0) > floor[$0] }
            guard let widest = candidates.max(by: { (widths[$0] ?? 0, $0) < (widths[$1] ?? 0, $1) }) else { break }
            widths[widest, default: 0] -= 1
            excess -= 1
        }
        return excess
    }

    /// The widest cell of each column among `rows` of `table` (the flat
    /// cells when `flat`).
    static func content(_ table: Table, rows: [Int], flat: Bool) -> [Int] {
        var widest = [Int](repeating: 0, count: table.columns.count)
        for index in rows {
            let row = table.rows[index]
            let cells = flat ? (row.flatCells ?? row.cells) : row.cells
            for (column, cell) in cells.enumerated() where column < widest.count {
                let width = TextWidth.width(cell)
                if width > widest[column] { widest[column] = width }
            }
        }
        return widest
    }
}

import BrowserModel
import Formatting
import ObjectModel

/// The Programs list's columns from the session's history (while run-time
/// statistics are on): AVG/RUN beside the cumulative RUN TIME, and a
/// sparkline of events/s beside EVENTS/S.
extension Tables {
    static let averageTitle = "AVG/RUN"
    static let historyTitle = "HISTORY"
    /// Cells of the sparkline: one sample each, the newest on the right.
    static let sparklineWidth = 10

    /// `table` (the programs' list, rows of `programs`) with the history's
    /// columns; as it is without the run-time columns (statistics off).
    static func withHistoryColumns(_ table: Table, _ programs: [ProgramEntry], _ history: ProgramHistory) -> Table {
        guard let runTime = table.columns.firstIndex(where: { $0.title == "RUN TIME" }) else { return table }
        var byID: [UInt32: ProgramEntry] = [:]
        for program in programs { byID[program.id] = program }
        let rate = table.columns.firstIndex { $0.title == "EVENTS/S" } ?? runTime
        var columns = table.columns
        var rows = table.rows
        // The later position first: the earlier one stays where it is.
        columns.insert(Column(title: historyTitle, width: sparklineWidth, priority: 3, descendingFirst: true), at: rate + 1)
        columns.insert(Column(title: averageTitle, width: 7, align: .right, priority: 2, descendingFirst: true),
                       at: runTime + 1)
        for index in rows.indices {
            var program: ProgramEntry?
            if case .object(let object) = rows[index].target, object.kind == .program { program = byID[object.id] }
            let samples = program.map { history.samples($0.id) } ?? []
            let rates = samples.map(\.eventsPerSecond)
            let spark = Chart.sparkline(rates, width: sparklineWidth)
            let sparkKey = SortKey.number(rates.isEmpty ? -1 : rates.reduce(0, +) / Double(rates.count))
            let average = program.flatMap { averageRunNs($0, samples.last) }
            // As RUN TIME beside it writes durations.
            let averageCell = average.map { BrowserFormat.duration(nanoseconds: UInt64($0.rounded())) } ?? "-"
            let averageKey = SortKey.number(average ?? -1)
            var row = rows[index]
            for (at, cell, key) in [(rate + 1, spark, sparkKey), (runTime + 1, averageCell, averageKey)] {
                row.cells.insert(cell, at: at)
                row.keys.insert(key, at: at)
                row.flatCells?.insert(cell, at: at)
            }
            rows[index] = row
        }
        return Table(columns: columns, rows: rows, emptyText: table.emptyText)
    }

    /// Nanoseconds a run took on average over the last interval (bpftop's
    /// "period average runtime"); over every run counted when the program
    /// did not run in it; nil when it never ran.
    static func averageRunNs(_ program: ProgramEntry, _ latest: ProgramSample?) -> Double? {
        if let recent = latest?.averageRunNs { return recent }
        guard program.info.runCount > 0 else { return nil }
        return Double(program.info.runTimeNs) / Double(program.info.runCount)
    }
}

import BPFKit
import BrowserModel
import ObjectModel
import XCTest
@testable import TUI

/// Run-time statistics from the start, the history columns of the Programs
/// list and the charts on a program's page, over snapshots taken on the
/// test's clock.
final class HistoryViewTests: XCTestCase {
    private func counting() -> BrowserSnapshot {
        var snapshot = sampleSnapshot()
        snapshot.programs.append(program(11, "idle"))
        return snapshot
    }

    /// `steps` refreshes, `seconds` apart, program 10 running `runs(step)`
    /// times in each for 1.5 µs a run.
    private func run(_ h: Harness, steps: Int, seconds: Double = 2, runs: (Int) -> UInt64) {
        for step in 0..<steps {
            h.source.current.programs[0].info.runCount += runs(step)
            h.source.current.programs[0].info.runTimeNs += runs(step) * 1500
            h.now += seconds
            h.settle()
        }
    }

    func testStatsAreOnFromTheStart() {
        let h = Harness(counting(), cols: 160, runStats: true)
        XCTAssertEqual(h.source.statsCalls, [true], "asked before the first snapshot")
        XCTAssertEqual(h.source.snapshotCalls, 1)
        XCTAssertTrue(h.screen.line(0).contains("stats on"), h.screen.line(0))
        for title in ["RUN TIME", "AVG/RUN", "EVENTS/S", "HISTORY", "CPU%"] {
            XCTAssertTrue(h.screen.contains(title), "no \(title):\n\(h.text)")
        }
        // S still turns them off, and on again.
        h.press(.char("S"))
        XCTAssertEqual(h.source.statsCalls, [true, false])
        XCTAssertTrue(h.screen.line(0).contains("stats off"), h.screen.line(0))
        XCTAssertFalse(h.screen.contains("HISTORY"), h.text)
        h.press(.char("S"))
        XCTAssertEqual(h.source.statsCalls, [true, false, true])
        XCTAssertTrue(h.screen.contains("HISTORY"), h.text)
    }

    func testWithoutStatsAtStartNothingIsAsked() {
        let h = Harness(counting(), cols: 160)
        XCTAssertEqual(h.source.statsCalls, [])
        XCTAssertTrue(h.screen.line(0).contains("stats off"), h.screen.line(0))
        XCTAssertFalse(h.screen.contains("AVG/RUN"), h.text)
    }

    func testARefusalIsSaidOnceAndTheBrowserGoesOn() {
        var listed = counting()
        // A process without CAP_SYS_ADMIN gets notices too: both are said.
        listed.notices = ["pids unavailable: EPERM"]
        let source = FakeSource(listed)
        source.statsError = "run stats: enable BPF run-time statistics: Operation not permitted (EPERM)"
        let screen = MemoryScreen(rows: 24, cols: 160)
        var now = 1000.0
        let app = App(source: source, jobs: Jobs(mode: .manual), refreshInterval: 2, clock: { now }, runStats: true)
        let settle = {
            for _ in 0..<5 {
                app.pump()
                app.jobs.runPending()
            }
            app.draw(on: screen)
        }
        settle()
        XCTAssertEqual(source.statsCalls, [true])
        XCTAssertTrue(screen.line(23).contains("Operation not permitted (EPERM): run-time stats stay off; pids unavailable: EPERM"),
                      screen.line(23))
        XCTAssertTrue(screen.line(0).contains("stats off"), screen.line(0))
        XCTAssertTrue(screen.contains("counter"), "the lists are there:\n\(screen.text)")
        // Said once: refreshes neither ask again nor repeat it.
        for _ in 0..<6 {
            now += 2
            settle()
        }
        XCTAssertEqual(source.statsCalls, [true])
        XCTAssertFalse(screen.line(23).contains("EPERM"), screen.line(23))
    }

    func testTheListShowsAverageAndASparkline() {
        let h = Harness(counting(), cols: 160, runStats: true)
        run(h, steps: 4) { UInt64(($0 + 1) * 100) }
        // 400 runs in the last 2 s: 200/s; 1.5 µs each.
        let row = h.lines[h.row("counter")]
        XCTAssertTrue(row.contains("1.5µs"), row)
        // 50, 100, 150 and 200 events/s, the newest on the right.
        XCTAssertTrue(row.contains("      ▂▄▆█"), "events/s rose at each refresh: \(row)")
        // The idle program: no runs, no average, a blank sparkline.
        let idle = h.lines[h.row("idle")]
        XCTAssertFalse(idle.contains("µs"), idle)
        XCTAssertFalse(idle.contains { Chart.blocks.contains($0) }, idle)
        let header = h.lines[h.row("AVG/RUN")]
        let runTime = try! XCTUnwrap(header.range(of: "RUN TIME")).lowerBound
        let average = try! XCTUnwrap(header.range(of: "AVG/RUN")).lowerBound
        XCTAssertLessThan(runTime, average, "AVG/RUN beside RUN TIME: \(header)")
    }

    /// The history moves at every refresh by design: it is never marked as
    /// changed, while the run count is.
    func testTheHistoryIsNotHighlightedAsAChange() {
        let h = Harness(counting(), cols: 160, runStats: true)
        run(h, steps: 4) { UInt64(($0 + 1) * 100) }
        let row = h.row("counter")
        let line = h.lines[row]
        let spark = try! XCTUnwrap(line.firstIndex { Chart.blocks.contains($0) })
        let sparkColumn = line.distance(from: line.startIndex, to: spark)
        XCTAssertNotEqual(h.screen.style(row: row, col: sparkColumn + 3), .changed, h.text)
        let runs = try! XCTUnwrap(line.range(of: " 1000 "))
        let runsColumn = line.distance(from: line.startIndex, to: runs.lowerBound) + 1
        XCTAssertEqual(h.screen.style(row: row, col: runsColumn), .changed, "RUNS went from 600 to 1000:\n\(h.text)")
    }

    func testSortingByHistoryPutsTheBusiestFirst() {
        let h = Harness(counting(), cols: 160, runStats: true)
        run(h, steps: 3) { _ in 50 }
        let table = h.app.tables[.programs]!
        let column = try! XCTUnwrap(table.columns.firstIndex { $0.title == Tables.historyTitle })
        XCTAssertEqual(table.rows.map { $0.keys[column] }, [.number(25), .number(0)])
        XCTAssertTrue(table.columns[column].descendingFirst)
    }

    func testAProgramsPageChartsItsHistory() {
        let h = Harness(counting(), rows: 45, cols: 160, runStats: true)
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("History (this session; CPU%: one CPU busy is 100%)"), h.text)
        XCTAssertTrue(h.screen.contains("collecting: the first interval ends at the next refresh (2s)"), h.text)
        run(h, steps: 150) { $0 % 2 == 0 ? 400 : 200 }
        for text in ["events/s  now 100/s · avg 150/s · max 200/s", "time per run  now 1.5µs", "CPU%  now 0.015% · avg 0.022% · max 0.03%",
                     "200/s┤", "0/s┤", "1.5µs┤", "0ns┤", "-5m", "now"] {
            XCTAssertTrue(h.screen.contains(text), "no '\(text)':\n\(h.text)")
        }
        XCTAssertTrue(h.text.contains { $0.unicodeScalars.first!.value >= 0x2801 && $0.unicodeScalars.first!.value <= 0x28ff },
                      "braille dots:\n\(h.text)")
        // Three charts side by side at 160 columns; every line within the screen.
        let axis = h.lines.first { $0.contains("└") }!
        XCTAssertEqual(axis.filter { $0 == "└" }.count, 3, axis)
        // The page's other parts follow; the charts are not added twice.
        XCTAssertTrue(h.screen.contains("Maps (1)"), h.text)
        let page = h.app.stack.last!.document.document
        XCTAssertEqual(page.lines.filter { $0.kind == .heading && $0.text.hasPrefix("History") }.count, 1)

        // At 80 columns the charts are stacked, one a row.
        h.resize(rows: 60, cols: 80)
        let axes = h.lines.filter { $0.contains("└") }
        XCTAssertEqual(axes.count, 3, h.text)
        XCTAssertTrue(axes.allSatisfy { $0.filter { $0 == "└" }.count == 1 }, h.text)
        for line in h.lines { XCTAssertLessThanOrEqual(TextWidth.width(line), 80) }
    }

    func testAPageSaysWhyThereIsNoHistoryWithStatsOff() {
        let h = Harness(counting(), rows: 45, cols: 160)
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("run-time stats are off: S turns them on"), h.text)
        h.press(.char("S"))
        XCTAssertTrue(h.screen.contains("collecting"), h.text)
        run(h, steps: 2) { _ in 10 }
        XCTAssertTrue(h.screen.contains("events/s  now 5/s"), h.text)
        // Off again: the charts stay, with a note.
        h.press(.char("S"))
        XCTAssertTrue(h.screen.contains("events/s  now 5/s"), h.text)
        XCTAssertTrue(h.screen.contains("run-time stats are off: S turns them on again"), h.text)
    }

    func testAProgramThatGoesLeavesNoCharts() {
        let h = Harness(counting(), rows: 45, cols: 160, runStats: true)
        run(h, steps: 3) { _ in 10 }
        XCTAssertEqual(h.app.history.programs, [10, 11])
        h.source.current.programs.removeFirst()
        h.now += 2
        h.settle()
        XCTAssertEqual(h.app.history.programs, [11])
        XCTAssertFalse(h.screen.contains("counter"), h.text)
    }
}

extension HistoryViewTests {
    func testReloadingAPageKeepsTheCursorOnItsLine() {
        let h = Harness(counting(), rows: 45, cols: 160, runStats: true)
        run(h, steps: 3) { _ in 10 }
        h.press(.enter)
        h.press(.char("G"))
        let line = h.app.stack.last!.document.line
        XCTAssertEqual(line?.text, "full content of program(10)")
        h.press(.char("r"))
        XCTAssertEqual(h.source.documentCalls.count, 2)
        XCTAssertEqual(h.app.stack.last!.document.line, line, "the charts come with the reloaded document")
        run(h, steps: 2) { _ in 10 }
        XCTAssertEqual(h.app.stack.last!.document.line, line)
    }
}

extension HistoryViewTests {
    /// The columns follow each row's program, whatever rows the list keeps
    /// (one hidden here) and in whatever order.
    func testColumnsFollowTheRowsPrograms() {
        var snapshot = counting()
        snapshot.runStats = true
        snapshot.programs[0].info.runCount = 4
        snapshot.programs[0].info.runTimeNs = 6000
        var history = ProgramHistory()
        history.record(snapshot, at: 0)
        snapshot.programs[0].info.runCount = 14
        snapshot.programs[0].info.runTimeNs = 16000
        history.record(snapshot, at: 1)
        var table = Tables.programs(snapshot)
        table.rows.reverse()
        let kept = Table(columns: table.columns, rows: Array(table.rows.prefix(1)) + Array(table.rows.suffix(1)),
                         emptyText: "")
        let with = Tables.withHistoryColumns(kept, snapshot.programs, history)
        let average = with.columns.firstIndex { $0.title == Tables.averageTitle }!
        let spark = with.columns.firstIndex { $0.title == Tables.historyTitle }!
        XCTAssertEqual(with.rows.map(\.target), [.program(11), .program(10)])
        XCTAssertEqual(with.rows.map { $0.cells[average] }, ["-", "1.0µs"])
        XCTAssertEqual(with.rows.map { $0.cells[spark] }, ["          ", "         █"])
        XCTAssertTrue(with.rows.allSatisfy { $0.cells.count == with.columns.count })
    }
}

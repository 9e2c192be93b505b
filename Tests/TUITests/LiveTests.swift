import BrowserModel
import CCurses
import Glibc
import XCTest
@testable import TUI

/// Pages that reload at the refresh interval, changed values highlighted
/// for one interval, `p`, and background work waking the key wait.
final class LiveTests: XCTestCase {
    /// A program's page: its run count, then 60 instructions.
    private func programPage(runs: Int, extra: [BrowserLine] = []) -> BrowserDocument {
        BrowserDocument(title: "Program 10 counter", lines: [
            .field("id", "10"), .field("run_cnt", "\(runs)"), .field("events/s", "12.5"),
        ] + extra + [.heading("Instructions (xlated)")] + (0..<60).map { .code(String(format: "%4d: r0 = %d", $0, $0)) })
    }

    func testAProgramsPageReloadsAtTheIntervalKeepingCursorAndScroll() {
        let h = Harness(sampleSnapshot())
        h.source.documents[.program(10)] = programPage(runs: 408)
        h.press(.enter)
        h.press(.char("G"))
        for _ in 0..<5 { h.press(.char("k")) }
        let before = h.row("  54: r0 = 54")
        // Nothing on the page opens: k scrolls, the position is the top line's.
        let position = h.app.stack.last?.document.line?.text
        XCTAssertTrue(h.screen.contains("run_cnt") == false, "scrolled past the fields:\n\(h.text)")
        let loads = h.source.documentCalls.count

        // The count grows and a line appears above the cursor; no key.
        h.source.documents[.program(10)] = programPage(runs: 563, extra: [.field("pinned", "/sys/fs/bpf/counter")])
        h.now += 1
        h.settle()
        XCTAssertEqual(h.source.documentCalls.count, loads, "not before the interval")
        h.now += 1
        h.settle()
        XCTAssertEqual(h.source.documentCalls.count, loads + 1, "reloaded once at the interval")
        XCTAssertEqual(h.row("  54: r0 = 54"), before, "the cursor's line stays on its row:\n\(h.text)")
        XCTAssertEqual(h.app.stack.last?.document.line?.text, position, "the position stays on its line:\n\(h.text)")
        XCTAssertFalse(h.text.contains("loading…"), "an automatic reload says nothing:\n\(h.text)")
        h.press(.char("g"))
        XCTAssertTrue(h.screen.contains("run_cnt   563"), h.text)
        XCTAssertTrue(h.screen.contains("pinned    /sys/fs/bpf/counter"), h.text)
    }

    func testAChangedValueIsHighlightedForOneInterval() {
        let h = Harness(sampleSnapshot())
        h.source.documents[.program(10)] = programPage(runs: 408)
        h.press(.enter)
        XCTAssertEqual(h.row("run_cnt   408"), h.row("run_cnt"))
        let found = h.screen.find("408")!
        XCTAssertNotEqual(h.screen.style(row: found.row, col: found.col), .changed, "nothing changed yet")

        h.source.documents[.program(10)] = programPage(runs: 563)
        h.now += 2
        h.settle()
        let changed = h.screen.find("563")!
        for col in changed.col..<(changed.col + 3) {
            XCTAssertEqual(h.screen.style(row: changed.row, col: col), .changed, "column \(col):\n\(h.text)")
        }
        XCTAssertNotEqual(h.screen.style(row: changed.row, col: changed.col - 1), .changed, "the value, not the gap")
        XCTAssertNotEqual(h.screen.style(row: changed.row, col: changed.col + 3), .changed)
        let same = h.screen.find("12.5")!
        XCTAssertNotEqual(h.screen.style(row: same.row, col: same.col), .changed, "what did not change is plain")

        h.now += 2
        h.settle()
        let after = h.screen.find("563")!
        XCTAssertNotEqual(h.screen.style(row: after.row, col: after.col), .changed, "one interval only:\n\(h.text)")
    }

    func testAChangedCellIsHighlightedInTheList() {
        let h = Harness(snapshot(maps: [map(20, "counts", memory: 4096), map(21, "steady", memory: 4096)]))
        h.press(.char("2"))
        h.source.current.maps[0] = map(20, "counts", memory: 8192)
        h.now += 2
        h.settle()
        let row = h.row("counts")
        let cell = h.screen.find("8.0K")!
        XCTAssertEqual(cell.row, row)
        XCTAssertEqual(h.screen.style(row: row, col: cell.col), .changed, h.text)
        XCTAssertEqual(h.screen.style(row: row, col: cell.col + 3), .changed)
        XCTAssertEqual(h.screen.style(row: row, col: h.screen.find("counts")!.col), .selected, "the name did not change")
        let steady = h.row("steady")
        XCTAssertFalse((0..<h.screen.size.cols).contains { h.screen.style(row: steady, col: $0) == .changed },
                       "an unchanged row has nothing highlighted")

        h.now += 2
        h.settle()
        XCTAssertEqual(h.screen.style(row: row, col: cell.col), .selected, "one interval only:\n\(h.text)")
    }

    func testPPausesEveryRefreshAndRStillRefreshes() {
        let h = Harness(sampleSnapshot())
        h.press(.enter)
        let snapshots = h.source.snapshotCalls, documents = h.source.documentCalls.count
        h.press(.char("p"))
        XCTAssertTrue(h.screen.line(0).contains("│ paused │"), h.screen.line(0))
        XCTAssertFalse(h.screen.line(0).contains("2s"), h.screen.line(0))
        h.now += 10
        h.settle()
        XCTAssertEqual(h.source.snapshotCalls, snapshots, "no list refresh while paused")
        XCTAssertEqual(h.source.documentCalls.count, documents, "no page reload while paused")

        h.press(.char("r"))
        XCTAssertEqual(h.source.snapshotCalls, snapshots + 1, "r refreshes once")
        XCTAssertEqual(h.source.documentCalls.count, documents + 1, "and reloads the page")
        h.now += 10
        h.settle()
        XCTAssertEqual(h.source.snapshotCalls, snapshots + 1, "still paused")

        h.press(.char("p"))
        XCTAssertTrue(h.screen.line(0).contains("2s"), h.screen.line(0))
        XCTAssertEqual(h.source.snapshotCalls, snapshots + 2, "resumed: overdue, so at once")
        XCTAssertEqual(h.source.documentCalls.count, documents + 2)
        h.now += 2
        h.settle()
        XCTAssertEqual(h.source.snapshotCalls, snapshots + 3, "then at the interval")
        XCTAssertEqual(h.source.documentCalls.count, documents + 3)

        let manual = Harness(sampleSnapshot(), refresh: 0)
        manual.press(.char("p"))
        XCTAssertTrue(manual.text.contains("no automatic refresh to pause"), manual.text)
        XCTAssertTrue(manual.screen.line(0).contains("│ off │"), manual.screen.line(0))
    }

    /// A source slower than the interval: the lists refresh each time their
    /// last snapshot is in, and the page has one reload in flight at most.
    func testPageReloadsDoNotPileUp() {
        let h = Harness(sampleSnapshot())
        h.press(.enter)
        let documents = h.source.documentCalls.count
        for _ in 0..<4 {
            h.now += 2
            h.app.pump()
            h.app.jobs.runPending(.lists)
        }
        XCTAssertEqual(h.source.snapshotCalls, 5, "the lists refresh at every interval")
        XCTAssertEqual(h.app.jobs.pending, 1, "one page reload waits, not four")
        h.app.jobs.runPending()
        XCTAssertEqual(h.source.documentCalls.count, documents + 1)
        XCTAssertEqual(h.app.stack.last?.loadsInFlight, 0)
    }

    func testThePageInViewReloadsNotThoseBelow() {
        let h = Harness(sampleSnapshot())
        h.source.documents[.program(10)] = BrowserDocument(title: "Program 10 counter", lines: [
            .field("id", "10"), .text("pid 300 loader", target: .task(300)),
        ])
        h.press(.enter)                       // program 10
        h.press(.char("j"))                   // its holder, task 300
        h.press(.enter)
        XCTAssertEqual(h.source.documentCalls, [.program(10), .task(300)])
        h.now += 2
        h.settle()
        XCTAssertEqual(h.source.documentCalls, [.program(10), .task(300), .task(300)])

        // Uncovered again, the program's page reloads at once.
        h.source.documents[.program(10)]?.lines[0] = .field("id", "10 (reloaded)")
        h.press(.escape)
        XCTAssertEqual(h.source.documentCalls.last, .program(10))
        XCTAssertTrue(h.screen.contains("10 (reloaded)"), h.text)
        h.press(.char("p"), .enter, .escape)
        XCTAssertEqual(h.source.documentCalls.last, .task(300), "not while paused")
    }

    func testAChangeShowsWithoutColoursToo() {
        let changed = CursesScreen.monochromeAttributes()[.changed] ?? 0
        XCTAssertNotEqual(changed & bpfnav_a_reverse(), 0, "reverse, as watch -d")
    }

    // MARK: Matching lines across a reload

    func testChangedRangesAreTheWordsThatChanged() {
        XCTAssertEqual(LineMatching.changedRanges("408", "563"), [0..<3])
        XCTAssertEqual(LineMatching.changedRanges("123.5ms (123456789 ns)", "130.1ms (130100000 ns)"), [0..<7, 9..<18])
        XCTAssertEqual(LineMatching.changedRanges("12.5  3.1%", "12.5  3.2%"), [6..<10])
        XCTAssertEqual(LineMatching.changedRanges("a b c", "a x y c"), [2..<5], "words added: the span between")
        XCTAssertEqual(LineMatching.changedRanges("a b c", "a c"), [], "only removed: nothing to mark")
        XCTAssertEqual(LineMatching.changedRanges("same  words", "same words"), [], "spacing is no change")
    }

    func testLinesMatchByKeyTargetAndPlaceInTheirSection() {
        let old: [BrowserLine] = [.field("id", "1"), .heading("Files (2)"), .code("fd 3"), .code("fd 4"),
                                  .text("map 7", target: .map(7))]
        let new: [BrowserLine] = [.field("pinned", "/x"), .field("id", "1"), .heading("Files (3)"), .code("fd 3"),
                                  .code("fd 5"), .code("fd 6"), .text("map 7 (renamed)", target: .map(7))]
        XCTAssertEqual(LineMatching.match(old, new), [nil, 0, 1, 2, 3, nil, 4])
        let changes = LineMatching.changes(old, new, LineMatching.match(old, new))
        XCTAssertEqual(changes, [2: [7..<8], 4: [3..<4], 6: [7..<14]], "the word added, not its brackets")
    }

    func testAFilteredDocumentKeepsItsCursorLine() {
        var state = DocumentState(programPage(runs: 1))
        state.filter = "r0 = 3"
        state.move(to: 5)
        let line = state.line
        state.replace(with: programPage(runs: 2, extra: [.field("r0 = 3 lookalike", "x")]))
        XCTAssertEqual(state.line, line)
        XCTAssertTrue(state.changes.isEmpty, "a fuller document marks nothing")
    }

    // MARK: Waking the key wait

    func testAPostedResultWakesTheKeyWait() throws {
        var ends: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&ends), 0)
        defer { ends.forEach { close($0) } }
        let jobs = Jobs(mode: .threads)
        var result: Int?
        jobs.submit(.content, { () -> Int in
            usleep(50_000)
            return 42
        }) { result = $0 }
        let start = App.monotonicSeconds()
        let ready = jobs.wakeup.wait(input: ends[0], milliseconds: 5000)
        let waited = App.monotonicSeconds() - start
        XCTAssertEqual(ready, Wakeup.Ready(input: false, woken: true))
        XCTAssertLessThan(waited, 1, "woken by the result, not the 5 s timeout")
        XCTAssertTrue(jobs.deliver())
        XCTAssertEqual(result, 42)

        // Drained: the next wait times out; input ends it too.
        XCTAssertEqual(jobs.wakeup.wait(input: ends[0], milliseconds: 20), Wakeup.Ready())
        var byte: UInt8 = 0x71
        XCTAssertEqual(write(ends[1], &byte, 1), 1)
        XCTAssertEqual(jobs.wakeup.wait(input: ends[0], milliseconds: 5000), Wakeup.Ready(input: true, woken: false))
    }
}

import BrowserModel
import ObjectModel
import XCTest
@testable import TUI

final class NavigationTests: XCTestCase {
    func testEnterOpensAndEscGoesBack() {
        let h = Harness(sampleSnapshot())
        h.press(.enter)
        XCTAssertEqual(h.app.stack.count, 1)
        XCTAssertEqual(h.source.documentCalls, [.program(10)])
        XCTAssertTrue(h.screen.contains("Programs › Program 10 counter"), h.text)
        XCTAssertTrue(h.screen.contains("full content of program(10)"), "the full document replaced the preview:\n\(h.text)")
        h.press(.escape)
        XCTAssertTrue(h.app.stack.isEmpty)
        XCTAssertTrue(h.screen.contains("1/1"), h.text)
        h.press(.enter, .backspace)
        XCTAssertTrue(h.app.stack.isEmpty, "Backspace goes back too")
    }

    /// `bpfnav demo` opens on its program: the list of that kind, the
    /// cursor on it even far down, the preview showing it.
    func testStartingOnAnObject() {
        let programs = (1...120).map { program(UInt32($0), "prog\($0)") }
        let h = Harness(snapshot(programs: programs, maps: [map(20, "counts"), map(21, "other")]), start: .program(97))
        XCTAssertEqual(h.app.section, .programs)
        XCTAssertEqual(h.app.list.row(h.app.table)?.target, .program(97))
        XCTAssertTrue(h.screen.contains("prog97"), h.text)
        XCTAssertTrue(h.screen.contains("Program 97"), "the preview shows it:\n\(h.text)")

        let onMap = Harness(sampleSnapshot(), start: .map(20))
        XCTAssertEqual(onMap.app.section, .maps)
        XCTAssertEqual(onMap.app.list.row(onMap.app.table)?.target, .map(20))

        // An object that is gone by then: the list's first row, as usual.
        let gone = Harness(sampleSnapshot(), start: .program(999))
        XCTAssertEqual(gone.app.list.row(gone.app.table)?.target, .program(10))
    }

    func testTheSnapshotShowsAtOnceAndTheRestWhenRead() {
        let h = Harness(sampleSnapshot())
        _ = h.app.handle(.enter)
        h.app.draw(on: h.screen)
        XCTAssertTrue(h.screen.contains("gpl_compatible"), "what the snapshot knows shows at once:\n\(h.text)")
        XCTAssertTrue(h.screen.line(2).contains("loading…"), h.screen.line(2))
        XCTAssertFalse(h.screen.contains("full content"), h.text)
        h.settle()
        XCTAssertTrue(h.screen.contains("full content"), h.text)
        XCTAssertFalse(h.screen.line(2).contains("loading…"), h.screen.line(2))
    }

    func testFollowingLinesFromDocumentToDocument() {
        let h = Harness(sampleSnapshot(), rows: 40)
        h.press(.enter)
        h.source.maps[20] = FakeMapReader(count: 3)
        // Down to "map 20  hash  counts ›" and follow it.
        while h.app.stack.last?.document.line?.target != .map(20) {
            let before = h.app.stack.last!.document.cursor
            h.press(.down)
            if h.app.stack.last!.document.cursor == before { return XCTFail("no line opens map 20:\n\(h.text)") }
        }
        h.press(.enter)
        XCTAssertEqual(h.app.stack.count, 2)
        XCTAssertTrue(h.screen.contains("Programs › Program 10 counter › Map 20 counts"), h.text)
        XCTAssertTrue(h.screen.contains("program 10  tracing  counter ›"), "a map lists its programs:\n\(h.text)")
        XCTAssertTrue(h.screen.contains("Entries of map 20  3 entries"), h.text)
        h.press(.escape)
        XCTAssertTrue(h.screen.contains("Programs › Program 10 counter"), h.text)
        XCTAssertFalse(h.screen.contains("Map 20 counts"), h.text)
        h.press(.escape)
        XCTAssertTrue(h.app.stack.isEmpty)
    }

    func testTabSwitchesPanes() {
        let h = Harness(sampleSnapshot())
        XCTAssertEqual(h.app.focus, .list)
        h.press(.tab)
        XCTAssertEqual(h.app.focus, .preview)
        XCTAssertTrue(h.screen.contains("Esc list"), "the footer says what keys do here:\n\(h.text)")
        let listRow = h.row(" 10 tracing")
        XCTAssertEqual(h.screen.style(row: listRow, col: 3), .selectedInactive)
        let previewRow = h.row(" id ")
        XCTAssertEqual(h.screen.style(row: previewRow, col: 1), .selected)
        // Enter in the preview follows the line under the cursor.
        while h.app.preview.line?.target != .map(20) { h.press(.down) }
        h.source.maps[20] = FakeMapReader(count: 1)
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("Programs › Map 20 counts"), h.text)
        h.press(.escape)
        XCTAssertEqual(h.app.focus, .preview)
        h.press(.escape)
        XCTAssertEqual(h.app.focus, .list, "Esc in the preview goes back to the list")
        h.press(.backTab, .backTab)
        XCTAssertEqual(h.app.focus, .list)

        // A map page: Tab moves between its details and its entries.
        h.press(.char("2"), .enter)
        XCTAssertEqual(h.app.focus, .document)
        h.press(.tab)
        XCTAssertEqual(h.app.focus, .entries)
        h.press(.tab)
        XCTAssertEqual(h.app.focus, .document)
    }

    func testNumberKeysAndArrowsSwitchSections() {
        let h = Harness(sampleSnapshot())
        for (n, title) in ["Programs", "Maps", "Links", "Pins", "Tasks"].enumerated() {
            h.press(.char(Character(String(n + 1))))
            XCTAssertEqual(h.app.section.title, title)
            let navigator = h.screen.find(" \(n + 1) \(title) ")!
            XCTAssertEqual(h.screen.style(row: navigator.row, col: navigator.col + 1), .navigatorActive)
        }
        h.press(.right)
        XCTAssertEqual(h.app.section, .programs, "wraps around")
        h.press(.left)
        XCTAssertEqual(h.app.section, .tasks)
        // A number key leaves an open page for its list.
        h.press(.char("1"), .enter, .char("2"))
        XCTAssertTrue(h.app.stack.isEmpty)
        XCTAssertEqual(h.app.section, .maps)
    }

    func testPinsOpenWhatIsPinned() {
        let h = Harness(sampleSnapshot())
        h.source.maps[20] = FakeMapReader(count: 2)
        h.source.documents[.pin(Array("/sys/fs/bpf/files-pid-300".utf8))] = BrowserDocument(
            title: "Pin /sys/fs/bpf/files-pid-300 (iterator output)",
            lines: [.heading("cat /sys/fs/bpf/files-pid-300"), .code("    PID    FD FLAGS"), .code("    300     0 2")])
        h.press(.char("4"), .down, .enter)
        XCTAssertEqual(h.source.documentCalls.last, .pin(Array("/sys/fs/bpf/files-pid-300".utf8)))
        XCTAssertTrue(h.screen.contains("    PID    FD FLAGS"), "an iterator shows its output:\n\(h.text)")
        h.press(.escape, .down, .enter)
        XCTAssertEqual(h.source.documentCalls.last, .map(20), "a pinned map opens the map")
        XCTAssertTrue(h.screen.contains("Entries of map 20  2 entries"), h.text)
        h.press(.escape, .home, .enter)
        XCTAssertTrue(h.screen.contains("Contents (2)"), "a directory lists what it holds:\n\(h.text)")
    }

    func testTasksOpenTheirFilesMappingsAndObjects() {
        let h = Harness(sampleSnapshot())
        h.press(.char("5"))
        XCTAssertTrue(h.screen.contains("BPF objects held"), h.text)
        XCTAssertTrue(h.screen.contains("program 10  tracing  counter ›"), "from the last listing's holders:\n\(h.text)")
        h.press(.enter)
        XCTAssertEqual(h.source.documentCalls, [.task(300)])
        XCTAssertTrue(h.screen.contains("Tasks › Process 300 loader"), h.text)
    }

    func testQuitFromAnywhere() {
        let h = Harness(sampleSnapshot())
        XCTAssertEqual(h.press(.char("q")), .quit)
        h.press(.enter)
        XCTAssertEqual(h.press(.char("q")), .quit)
    }

    func testTheEventLoopQuitsOnQ() {
        let h = Harness(sampleSnapshot())
        let keys = MemoryKeys([.down, .char("q")])
        XCTAssertEqual(Browser.loop(h.app, screen: h.screen, keys: keys), 0)
        XCTAssertGreaterThan(h.screen.presentCount, 0)
    }

    func testRunStatsToggle() {
        let h = Harness(sampleSnapshot())
        XCTAssertTrue(h.screen.line(0).contains("stats off"), h.screen.line(0))
        XCTAssertFalse(h.screen.contains("EVENTS/S"))
        h.source.current.programs[0].info.runTimeNs = 1_500_000
        h.source.current.programs[0].info.runCount = 300
        h.source.current.programs[0].rate = RunStats.Rate(eventsPerSecond: 12.5, cpuPercent: 0.25)
        h.press(.char("S"))
        XCTAssertEqual(h.source.statsCalls, [true])
        XCTAssertTrue(h.screen.line(0).contains("stats on"), h.screen.line(0))
        for text in ["RUN TIME", "RUNS", "EVENTS/S", "CPU%", "1.5ms", "300", "12.5", "0.25"] {
            XCTAssertTrue(h.screen.contains(text), "no '\(text)':\n\(h.text)")
        }
        h.press(.char("S"))
        XCTAssertEqual(h.source.statsCalls, [true, false])
        XCTAssertFalse(h.screen.contains("EVENTS/S"), h.text)
        h.source.statsError = "run stats: enable BPF run-time statistics: Operation not permitted (EPERM)"
        h.press(.char("S"))
        XCTAssertTrue(h.screen.line(23).contains("Operation not permitted"), h.screen.line(23))
        XCTAssertTrue(h.screen.line(0).contains("stats off"), h.screen.line(0))
    }
}

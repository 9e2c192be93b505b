import BPFKit
import BrowserModel
import ObjectModel
import XCTest
@testable import TUI

/// Every view with no data, one row, and more rows than fit.
final class ViewsTests: XCTestCase {
    func testLoadingBeforeTheFirstSnapshot() {
        let source = FakeSource(sampleSnapshot())
        let app = App(source: source, jobs: Jobs(mode: .manual), refreshInterval: 2, clock: { 0 })
        let screen = MemoryScreen(rows: 24, cols: 100)
        app.pump()
        app.draw(on: screen)
        XCTAssertTrue(screen.contains("loading…"), screen.text)
        XCTAssertTrue(screen.line(0).contains("… programs"), screen.line(0))
        XCTAssertEqual(source.snapshotCalls, 0, "collected on the background lane, not while drawing")
        app.jobs.runPending()
        app.draw(on: screen)
        XCTAssertEqual(source.snapshotCalls, 1)
        XCTAssertTrue(screen.contains("counter"), screen.text)
        XCTAssertFalse(screen.contains("loading…"), screen.text)
    }

    /// A program's metadata shows in its preview, escaped: the values are
    /// whatever the program's author put in .rodata.
    func testProgramMetadata() {
        var p = program(10, "counter")
        p.metadata = [("owner", .string("team\u{1b}[2J")), ("level", .uint(3))]
        let h = Harness(snapshot(programs: [p]), rows: 30)
        XCTAssertTrue(h.screen.contains("Metadata"), h.text)
        XCTAssertTrue(h.screen.contains("level") && h.screen.contains("3"), h.text)
        // Values are JSON: a control character shows as a JSON escape.
        XCTAssertTrue(h.screen.contains("\"team\\u001b[2J\""), h.text)
        XCTAssertFalse(h.text.contains("\u{1b}"), "no raw escape reaches the screen")
    }

    /// Ids grow with every object a machine loads: a six-digit (or ten-digit)
    /// id is shown whole in every list, never cut to another number.
    func testLargeIdsAreNeverCut() {
        let h = Harness(snapshot(programs: [program(103_701, "counter"), program(4_294_967_295, "last")],
                                 maps: [MapEntry(info: MapInfo(id: 2_000_000_001, type: 1, name: "big"))]), rows: 30)
        XCTAssertTrue(h.screen.contains("103701"), h.text)
        XCTAssertTrue(h.screen.contains("4294967295"), h.text)
        _ = h.press(.char("2"))
        XCTAssertTrue(h.screen.contains("2000000001"), h.text)
    }

    func testEmptyDataInEveryView() {
        let h = Harness(snapshot())
        let expected: [(Key, String)] = [
            (.char("1"), "no BPF programs are loaded"), (.char("2"), "no BPF maps exist"),
            (.char("3"), "no BPF links exist"), (.char("4"), "no bpffs is mounted, or nothing is pinned"),
            (.char("5"), "no tasks"),
        ]
        for (key, message) in expected {
            h.press(key)
            XCTAssertTrue(h.screen.contains(message), "\(key):\n\(h.text)")
            XCTAssertTrue(h.screen.contains("0/0"), "\(key):\n\(h.text)")
        }
        XCTAssertTrue(h.screen.line(0).contains("0 programs · 0 maps · 0 links · 0 pins · 0 tasks"), h.screen.line(0))
        // Enter and the movement keys on an empty list do nothing.
        h.press(.enter, .down, .end, .pageDown, .home)
        XCTAssertTrue(h.app.stack.isEmpty)
    }

    func testASectionThatFailedSaysWhy() {
        var data = snapshot()
        data.errors[.programs] = "list programs: Operation not permitted (EPERM) — run as root"
        let h = Harness(data)
        XCTAssertTrue(h.screen.contains("Operation not permitted (EPERM) — run as root"), h.text)
    }

    func testOneRowInEveryView() {
        let h = Harness(sampleSnapshot())
        let expected: [(Key, [String], String)] = [
            (.char("1"), ["ID", "TYPE", "NAME", "TAG", "MAPS", "10", "tracing", "counter"], "Program 10 counter"),
            (.char("2"), ["ID", "TYPE", "NAME", "KEY", "VALUE", "MAX_ENTRIES", "MEMORY", "counts", "1024", "4.0K"],
             "Map 20 counts"),
            (.char("3"), ["PROGRAM", "ATTACHED TO", "30", "iter", "10 counter", "task_file pid 300"], "Link 30 iter"),
            (.char("4"), ["PATH", "KIND", "/sys/fs/bpf/", "  files-pid-300", "  counts", "task_file pid 300"],
             "Pin /sys/fs/bpf"),
            (.char("5"), ["PID", "PPID", "THR", "COMM", "300", "loader"], "Process 300 loader"),
        ]
        for (key, texts, preview) in expected {
            h.press(key)
            for text in texts { XCTAssertTrue(h.screen.contains(text), "\(key): no '\(text)' in\n\(h.text)") }
            XCTAssertTrue(h.screen.contains(preview), "\(key): preview '\(preview)' in\n\(h.text)")
        }
    }

    func testPreviewShowsDetailsOfTheSelectedRow() {
        let h = Harness(sampleSnapshot(), rows: 40)
        for text in ["gpl_compatible", "Maps (1)", "map 20  hash  counts ›", "Held by (1)", "300  loader ›"] {
            XCTAssertTrue(h.screen.contains(text), "no '\(text)' in\n\(h.text)")
        }
        h.press(.char("3"))
        for text in ["prog", "10  counter ›", "target_name", "task_file", "pid", "300 ›"] {
            XCTAssertTrue(h.screen.contains(text), "no '\(text)' in\n\(h.text)")
        }
    }

    func testMoreRowsThanFitScroll() {
        let programs = (1...100).map { program(UInt32($0), "prog_\($0)") }
        let h = Harness(snapshot(programs: programs), rows: 24, cols: 100)
        XCTAssertTrue(h.screen.contains("prog_1 "), h.text)
        XCTAssertFalse(h.screen.contains("prog_100"), h.text)
        XCTAssertTrue(h.screen.contains("1/100"))
        let listRows = h.app.heights[.list]!
        h.press(.pageDown)
        XCTAssertTrue(h.screen.contains("\(listRows)/100"), "PgDn moves a page less one row:\n\(h.text)")
        h.press(.end)
        XCTAssertTrue(h.screen.contains("prog_100"), h.text)
        XCTAssertTrue(h.screen.contains("100/100"), h.text)
        XCTAssertFalse(h.screen.contains("prog_1 "), h.text)
        XCTAssertTrue(h.screen.contains("Program 100 prog_100"), "the preview follows the cursor:\n\(h.text)")
        h.press(.pageUp)
        XCTAssertTrue(h.screen.contains("\(101 - listRows)/100"), h.text)
        h.press(.home)
        XCTAssertTrue(h.screen.contains("1/100"), h.text)
        XCTAssertTrue(h.screen.contains("prog_1 "), h.text)
        h.press(.char("j"), .char("j"), .down, .char("k"))
        XCTAssertTrue(h.screen.contains("3/100"), h.text)
        h.press(.char("G"))
        XCTAssertTrue(h.screen.contains("100/100"), h.text)
        h.press(.char("g"))
        XCTAssertTrue(h.screen.contains("1/100"), h.text)
        // The cursor's row is the highlighted one.
        let row = h.row(" 1 tracing")
        XCTAssertEqual(h.screen.style(row: row, col: 2), .selected)
    }

    func testSelectionSurvivesARefresh() {
        let programs = (1...5).map { program(UInt32($0), "prog_\($0)") }
        let h = Harness(snapshot(programs: programs))
        h.press(.down, .down)
        XCTAssertEqual(h.app.list.selected, .program(3))
        h.source.current.programs.removeFirst()   // program 1 unloaded
        h.now += 2.5
        h.settle()
        XCTAssertEqual(h.source.snapshotCalls, 2, "refreshed automatically after 2 s")
        XCTAssertEqual(h.app.list.selected, .program(3))
        XCTAssertTrue(h.screen.contains("2/4"), h.text)
    }

    func testAutomaticRefreshFollowsTheInterval() {
        let h = Harness(sampleSnapshot(), refresh: 5)
        h.now += 4
        h.settle()
        XCTAssertEqual(h.source.snapshotCalls, 1)
        h.now += 1.5
        h.settle()
        XCTAssertEqual(h.source.snapshotCalls, 2)
        h.press(.char("r"))
        XCTAssertEqual(h.source.snapshotCalls, 3, "r refreshes at once")
        XCTAssertTrue(h.screen.line(0).contains("│ 5s │"), h.screen.line(0))
        let manual = Harness(sampleSnapshot(), refresh: 0)
        manual.now += 100
        manual.settle()
        XCTAssertEqual(manual.source.snapshotCalls, 1, "-d 0: only r refreshes")
        XCTAssertTrue(manual.screen.line(0).contains("│ off │"), manual.screen.line(0))
    }
}

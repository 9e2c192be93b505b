import BrowserModel
import ObjectModel
import XCTest
@testable import TUI

/// What htop and k9s users reach for: F-keys, the sort menu, regular
/// expressions in filters, `:` jumps and the mouse.
final class HabitsTests: XCTestCase {
    private let iteratorPin = Array("/sys/fs/bpf/files-pid-300".utf8)

    /// The sample, with its iterator pin made by bpfnav.
    private func owned() -> BrowserSnapshot {
        var data = sampleSnapshot()
        data.pins[1].owner = .iterator(kind: .taskFile, format: .text, params: .pid(300))
        data.programs += [program(11, "alpha_reader"), program(12, "beta_writer", type: "kprobe"),
                          program(13, "gamma_task", type: "xdp")]
        return data
    }

    private func footer(_ h: Harness) -> String { h.screen.line(h.screen.size.rows - 1) }

    // MARK: F-keys

    func testFunctionKeysAsHtop() {
        let h = Harness(owned())
        h.press(.function(1))
        XCTAssertTrue(h.text.contains("bpfnav keys"), h.text)
        h.press(.escape)
        h.press(.function(3))
        XCTAssertTrue(h.app.editingFilter, "F3 searches: the filter prompt")
        h.press(.escape, .function(4))
        XCTAssertTrue(h.app.editingFilter, "F4 filters")
        h.press(.escape)

        let calls = h.source.snapshotCalls
        h.press(.function(5))
        XCTAssertEqual(h.source.snapshotCalls, calls, "F5 is no longer refresh")
        XCTAssertTrue(footer(h).contains("no tree in this view (Tasks has one: 5, then F5); r refreshes"), footer(h))
        h.press(.char("r"))
        XCTAssertEqual(h.source.snapshotCalls, calls + 1, "r refreshes")
        h.press(.char("4"), .function(5))
        XCTAssertTrue(footer(h).contains("the Pins list is a tree already"), footer(h))
        h.press(.char("5"), .function(5))
        XCTAssertTrue(h.app.listOptions.tree, "F5 in Tasks: the process tree, as t")
        h.press(.function(5))
        XCTAssertFalse(h.app.listOptions.tree)

        XCTAssertEqual(h.press(.function(10)), .quit)
    }

    func testSortMenuPicksAColumnByArrowsOrItsKey() {
        let h = Harness(owned(), rows: 30, cols: 100)
        h.press(.function(6))
        XCTAssertTrue(h.text.contains("Sort Programs by"), h.text)
        XCTAssertTrue(h.text.contains("0  listed order  ●"), h.text)
        XCTAssertTrue(h.text.contains("n  NAME"), h.text)
        XCTAssertTrue(h.text.contains("t  TYPE"), h.text)
        XCTAssertTrue(h.text.contains("a  TAG"), "TAG's t is taken: its next letter:\n\(h.text)")
        XCTAssertTrue(h.text.contains("↑↓ Enter, or a key; again reverses"), h.text)
        // Arrows and Enter: the second column (TYPE).
        h.press(.down, .down, .enter)
        XCTAssertNil(h.app.chrome.modal)
        XCTAssertEqual(h.app.list.sortColumn, 1)
        XCTAssertFalse(h.text.contains("Sort Programs by"), h.text)
        // A column's key; the same column again reverses.
        h.press(.function(6), .char("n"))
        XCTAssertEqual(h.app.list.sortColumn, 2)
        XCTAssertFalse(h.app.list.descending)
        XCTAssertTrue(h.row("alpha_reader") < h.row("gamma_task"), h.text)
        h.press(.function(6), .char("n"))
        XCTAssertTrue(h.app.list.descending, "again: reversed")
        XCTAssertTrue(h.row("gamma_task") < h.row("alpha_reader"), h.text)
        XCTAssertTrue(footer(h).contains("sorted by NAME ▼"), footer(h))
        // 0: the listed order; Esc closes without a change.
        h.press(.function(6), .char("0"))
        XCTAssertNil(h.app.list.sortColumn)
        h.press(.function(6), .down, .escape)
        XCTAssertNil(h.app.list.sortColumn)
        XCTAssertNil(h.app.chrome.modal)
        // Not in documents.
        h.press(.enter, .function(6))
        XCTAssertNil(h.app.chrome.modal)
        XCTAssertTrue(footer(h).contains("F6 sorts the lists"), footer(h))
    }

    func testSortKeysAreUniqueAndNeverMovementKeys() {
        let letters = App.sortLetters(["ID", "TYPE", "NAME", "TAG", "LOADED AT", "MAPS", "RUN TIME", "RUNS", "EVENTS/S",
                                       "CPU%", "KIND", "JOBS", "K"])
        XCTAssertEqual(Set(letters).count, letters.count, "\(letters)")
        XCTAssertFalse(letters.contains("j") || letters.contains("k") || letters.contains("0"), "\(letters)")
        XCTAssertEqual(Array(letters.prefix(4)), ["i", "t", "n", "a"])
    }

    // MARK: F9

    func testF9UnpinsOnlyWhatBpfnavPinnedAfterAsking() {
        let h = Harness(owned(), rows: 24, cols: 100)
        h.press(.function(9))
        XCTAssertTrue(footer(h).contains("F9 unpins bpfnav's own pins"), footer(h))
        XCTAssertTrue(footer(h).contains("nothing to remove here"), footer(h))

        h.press(.char("4"), .down)
        XCTAssertEqual(h.app.list.row(h.app.table)?.target, .pin(iteratorPin))
        h.press(.function(9))
        XCTAssertTrue(footer(h).contains("unpin /sys/fs/bpf/files-pid-300? y/N"), footer(h))
        h.press(.char("n"))
        XCTAssertTrue(footer(h).contains("kept /sys/fs/bpf/files-pid-300"), footer(h))
        XCTAssertEqual(h.source.unpinned, [])

        h.press(.function(9), .char("y"))
        XCTAssertEqual(h.source.unpinned, [iteratorPin])
        XCTAssertTrue(footer(h).contains("unpinned /sys/fs/bpf/files-pid-300"), footer(h))
        XCTAssertFalse(h.app.table.rows.contains { $0.target == .pin(iteratorPin) }, "the list is read again:\n\(h.text)")

        // A pin bpfnav did not make: nothing asked, nothing removed.
        h.press(.char("G"), .function(9))
        XCTAssertNil(h.app.chrome.modal)
        XCTAssertTrue(footer(h).contains("bpfnav did not pin it"), footer(h))
        XCTAssertEqual(h.source.unpinned, [iteratorPin])
    }

    func testF9SaysWhyAnUnpinFailed() {
        let h = Harness(owned(), rows: 24, cols: 140)
        h.source.unpinError = "unpin /sys/fs/bpf/files-pid-300: Operation not permitted (EPERM)"
        h.press(.char("4"), .down, .function(9), .char("y"))
        XCTAssertTrue(footer(h).contains("Operation not permitted"), footer(h))
        XCTAssertEqual(h.screen.style(row: 23, col: TextWidth.width(footer(h)) - 2), .error)
        XCTAssertTrue(h.text.contains("files-pid-300"), h.text)
    }

    // MARK: Regular expressions

    func testFiltersTakeRegularExpressions() {
        let h = Harness(owned())
        h.press(.char("/"))
        h.type("ALPHA|gamma")
        XCTAssertEqual(h.app.list.visible.count, 2, h.text)
        XCTAssertTrue(h.text.contains("alpha_reader") && h.text.contains("gamma_task"), h.text)
        let cases: [(filter: String, rows: Int, why: String)] = [
            ("^1[23]", 2, "programs 12 and 13: ^ is the start of a cell"),
            ("_(reader|writer)$", 2, "$ is the end of a cell"),
            ("^gam", 1, "^ at the NAME cell"),
            ("tracing.counter", 0, "no match across cells"),
            ("ta_wri", 1, "plain text: a substring"),
        ]
        for (filter, rows, why) in cases {
            h.press(.escape, .char("/"))
            h.type(filter)
            XCTAssertEqual(h.app.list.visible.count, rows, "\(filter): \(why)\n\(h.text)")
        }
        // An invalid expression matches as text and says so.
        h.press(.escape, .char("/"))
        h.type("beta(")
        XCTAssertEqual(h.app.list.visible.count, 0)
        XCTAssertTrue(footer(h).contains("not a regular expression: matching 'beta(' as text"), footer(h))
        XCTAssertEqual(TextFilter("(x").matches(lowercased: "a(x)"), true)
        XCTAssertTrue(TextFilter("demo0 (netns a.b)").matches(lowercased: "demo0 (netns a.b)"),
                      "valid as an expression, yet not matching itself: the text as typed still does")
        XCTAssertFalse(TextFilter("a.c").matches(lowercased: "xyz"))
        XCTAssertNil(TextFilter("a|b").problem)
        // Documents too.
        h.press(.escape, .enter)
        h.press(.char("/"))
        h.type("^(type|tag)")
        let page = h.app.stack.last!
        XCTAssertEqual(page.document.visible.map { page.document.document.lines[$0].key }, ["type", "tag"], h.text)
    }

    // MARK: `:`

    func testColonJumpsToObjectsAndViews() {
        let h = Harness(owned(), rows: 24, cols: 100)
        h.press(.char(":"))
        h.type("map 20")
        XCTAssertTrue(footer(h).contains(":map 20▏"), footer(h))
        h.press(.enter)
        XCTAssertEqual(h.app.section, .maps)
        XCTAssertEqual(h.app.stack.last?.target, .map(20))
        XCTAssertTrue(h.text.contains("Maps › Map 20 counts"), h.text)
        h.press(.escape)
        XCTAssertEqual(h.app.list.row(h.app.table)?.target, .map(20), "Esc: the list, on the row")

        h.press(.char(":"))
        h.type("pid 300")
        h.press(.enter)
        XCTAssertEqual(h.app.section, .tasks)
        XCTAssertEqual(h.app.stack.last?.target, .task(300))

        h.press(.char(":"))
        h.type("prog 12")
        h.press(.enter)
        XCTAssertEqual(h.app.stack.last?.target, .program(12))

        h.press(.char(":"))
        h.type("link 30")
        h.press(.enter)
        XCTAssertEqual(h.app.stack.last?.target, .link(30))

        // A pin opens what Enter on its row opens (a pinned map: the map).
        h.press(.char(":"))
        h.type("pin /sys/fs/bpf/counts/")
        h.press(.enter)
        XCTAssertEqual(h.app.section, .pins)
        XCTAssertEqual(h.app.stack.last?.target, .map(20))
        XCTAssertEqual(h.app.list.row(h.app.table)?.target, .pin(Array("/sys/fs/bpf/counts".utf8)))

        h.press(.char(":"))
        h.type("attached")
        h.press(.enter)
        XCTAssertEqual(h.app.section, .attachments)
        XCTAssertTrue(h.app.stack.isEmpty)

        // A filter hiding the row is cleared.
        h.press(.char("1"), .char("/"))
        h.type("alpha")
        h.press(.enter, .char(":"))
        h.type("prog 13")
        h.press(.enter, .escape)
        XCTAssertEqual(h.app.list.filter, "")
        XCTAssertEqual(h.app.list.row(h.app.table)?.target, .program(13))
    }

    func testColonErrorsAndCompletion() {
        let h = Harness(owned(), rows: 24, cols: 140)
        h.press(.char(":"))
        h.type("map 999")
        h.press(.enter)
        XCTAssertTrue(footer(h).contains("no map 999 in the Maps list"), footer(h))
        XCTAssertTrue(h.app.stack.isEmpty)

        h.press(.char(":"))
        h.type("frob 1")
        h.press(.enter)
        XCTAssertTrue(footer(h).contains("unknown command ':frob'"), footer(h))
        XCTAssertTrue(footer(h).contains(":map N"), footer(h))

        h.press(.char(":"))
        h.type("map x")
        h.press(.enter)
        XCTAssertTrue(footer(h).contains(":map takes an id"), footer(h))

        h.press(.char(":"))
        h.type("btf 5")
        h.press(.enter)
        XCTAssertTrue(footer(h).contains("no page for BTF object 5"), footer(h))

        // Tab completes the command word.
        h.press(.char(":"))
        h.type("ta")
        h.press(.tab)
        XCTAssertTrue(footer(h).contains(":task▏"), footer(h))
        h.press(.char("s"), .enter)
        XCTAssertEqual(h.app.section, .tasks)
        h.press(.char(":"))
        h.type("at")
        h.press(.tab)
        XCTAssertTrue(footer(h).contains(":attached▏"), footer(h))
        h.press(.escape)
        XCTAssertNil(h.app.chrome.modal)
        XCTAssertEqual(h.app.section, .tasks, "Esc: nothing run")
        h.press(.char(":"))
        h.type("li")
        h.press(.tab)
        XCTAssertTrue(footer(h).contains(":link▏"), footer(h))
        h.press(.tab)
        h.type("30")
        XCTAssertTrue(footer(h).contains(":link30"), "Tab with two words left: no space added")
        h.press(.escape, .char(":"))
        h.type("pi")
        h.press(.tab)
        XCTAssertEqual(h.app.chrome.modal.flatMap { if case .prompt(let text) = $0 { text } else { nil } }, "pi")
        XCTAssertTrue(footer(h).contains(":pid"), "the candidates are listed")
        h.press(.escape, .char("q"))
    }

    // MARK: Mouse

    func testMouseSelectsRowsTabsAndSortColumns() {
        let h = Harness(owned(), rows: 30, cols: 100)
        let row = h.row("gamma_task")
        h.press(.mouse(MouseEvent(.press, row: row, col: 20)))
        XCTAssertEqual(h.app.list.row(h.app.table)?.target, .program(13))
        XCTAssertTrue(h.text.contains("Program 13 gamma_task"), "the preview follows:\n\(h.text)")

        // Column titles sort; again reverses.
        let header = h.screen.find("NAME")!
        h.press(.mouse(MouseEvent(.press, row: header.row, col: header.col + 1)))
        XCTAssertEqual(h.app.list.sortColumn, 2)
        XCTAssertFalse(h.app.list.descending)
        h.press(.mouse(MouseEvent(.press, row: header.row, col: header.col + 1)))
        XCTAssertTrue(h.app.list.descending)
        XCTAssertEqual(h.app.list.row(h.app.table)?.target, .program(13), "the cursor stays on its row")

        // The wheel moves the cursor.
        h.press(.char("g"), .mouse(MouseEvent(.wheelDown, row: header.row + 2, col: 5)))
        XCTAssertEqual(h.app.list.cursor, 3)
        h.press(.mouse(MouseEvent(.wheelUp, row: header.row + 2, col: 5)))
        XCTAssertEqual(h.app.list.cursor, 0)

        // A click in the preview focuses it and puts its cursor on the line.
        let line = h.row("type")
        h.press(.mouse(MouseEvent(.press, row: line, col: 3)))
        XCTAssertEqual(h.app.focus, .preview)
        XCTAssertEqual(h.app.preview.line?.key, "type")

        // Tabs.
        let links = h.screen.find("3 Links")!
        h.press(.mouse(MouseEvent(.press, row: 1, col: links.col + 2)))
        XCTAssertEqual(h.app.section, .links)
        XCTAssertEqual(h.app.focus, .list)
        // Below the last row: nothing.
        h.press(.mouse(MouseEvent(.press, row: 10, col: 5)))
        XCTAssertEqual(h.app.list.cursor, 0)
    }

    /// curses' mouse events as keys (the numbers bpfnav_mouse_button gives).
    func testCursesMouseEvents() {
        XCTAssertEqual(CursesScreen.mouseKey(button: 1, row: 3, col: 4), .mouse(MouseEvent(.press, row: 3, col: 4)))
        XCTAssertEqual(CursesScreen.mouseKey(button: 4, row: 0, col: 0), .mouse(MouseEvent(.wheelUp, row: 0, col: 0)))
        XCTAssertEqual(CursesScreen.mouseKey(button: 5, row: 9, col: 1), .mouse(MouseEvent(.wheelDown, row: 9, col: 1)))
        XCTAssertNil(CursesScreen.mouseKey(button: 0, row: 1, col: 1), "releases and motion are not keys")
    }

    func testMouseInADocument() {
        let h = Harness(owned(), rows: 30, cols: 100)
        h.press(.enter)
        let line = h.row("map 20")
        h.press(.mouse(MouseEvent(.press, row: line, col: 4)))
        XCTAssertEqual(h.app.stack.last?.document.line?.target, .map(20))
        h.press(.enter)
        XCTAssertEqual(h.app.stack.last?.target, .map(20))
    }
}

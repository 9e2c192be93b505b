import BrowserModel
import ObjectModel
import XCTest
@testable import TUI

/// The frame at small and large sizes, `z`, and the cursor of documents.
final class LayoutTests: XCTestCase {
    /// 120 programs, 300 tasks: counts of three digits.
    private func crowded() -> BrowserSnapshot {
        var data = sampleSnapshot()
        data.programs = (1...120).map { program(UInt32($0), "prog_number_\($0)", type: $0 % 2 == 0 ? "kprobe" : "tracepoint") }
        data.tasks = (1...300).map { TaskEntry(pid: UInt32($0), ppid: 1, uid: 0, state: "S", comm: Array("task\($0)".utf8), threads: 1) }
        return data
    }

    func testAt80x24TheHeaderAndTabsSayTheViewsInWords() throws {
        let h = Harness(crowded(), rows: 24, cols: 80)
        let header = h.screen.line(0), tabs = h.screen.line(1)
        for text in ["bpfnav", "Linux 6.18.0-test", "refresh 2s", "stats off"] {
            XCTAssertTrue(header.contains(text), "header lacks '\(text)': \(header)")
        }
        for text in ["1 Programs 120", "2 Maps", "3 Links", "4 Pins", "5 Tasks", "6 Attached", "1/120"] {
            XCTAssertTrue(tabs.contains(text), "tabs lack '\(text)': \(tabs)")
        }
        XCTAssertNil(try Regex(#"\b(P|M|L|Pi|T)\d"#).firstMatch(in: header + tabs), "no cryptic counts:\n\(header)\n\(tabs)")
        XCTAssertTrue(h.lines.allSatisfy { TextWidth.width($0) <= 80 }, h.text)
        // Every view keeps its name in full at 80 columns.
        for key in ["2", "3", "4", "5", "6"] {
            h.press(.char(Character(key)))
            for title in BrowserSection.allCases.map(\.title) {
                XCTAssertTrue(h.screen.line(1).contains(title), "view \(key): \(h.screen.line(1))")
            }
        }
        // The help shows every key at 80x24.
        h.press(.char("?"))
        for text in ["↑ ↓  j k", "F6", "mouse", "?  F1", "q  F10"] {
            XCTAssertTrue(h.text.contains(text), "help lacks '\(text)':\n\(h.text)")
        }
        h.press(.escape)
        // Wide: the counts are in the header, the tabs have titles alone.
        h.resize(rows: 60, cols: 250)
        XCTAssertTrue(h.screen.line(0).contains("120 programs · 1 maps · 1 links · 3 pins · 300 tasks"), h.screen.line(0))
        XCTAssertTrue(h.screen.line(1).contains("1 Programs   2 Maps"), h.screen.line(1))
    }

    /// At 250 columns no cell of any list is cut ("…"), and each column
    /// is no wider than it needs but for the last flexible one.
    func testAt250ColumnsNothingThatFitsIsCut() {
        var data = crowded()
        data.programs.append(program(999, "a_program_name_of_forty_characters_long", type: "tracepoint"))
        let h = Harness(data, rows: 60, cols: 250)
        for key in ["1", "2", "3", "4", "5", "6"] {
            h.press(.char(Character(key)))
            h.press(.char("G"))
            XCTAssertFalse(h.text.contains("…"), "view \(key):\n\(h.text)")
        }
        h.press(.char("1"), .char("G"))
        XCTAssertTrue(h.text.contains("999 tracepoint a_program_name_of_forty_characters_long 0011223344556699"), h.text)
    }

    func testZHidesThenZoomsThePreview() {
        let h = Harness(sampleSnapshot(), rows: 24, cols: 100)
        XCTAssertTrue(h.text.contains(" ID TYPE"), h.text)
        let split = h.row("Program 10 counter")
        XCTAssertTrue(h.text.contains("tracing"), h.text)

        h.press(.char("z"))
        XCTAssertEqual(h.app.chrome.previewMode, .hidden)
        XCTAssertEqual(h.row("Program 10 counter"), 22, "the preview keeps its title line at the bottom:\n\(h.text)")
        XCTAssertTrue(h.screen.line(22).contains("preview hidden · z zooms it"), h.screen.line(22))
        XCTAssertFalse(h.text.contains("gpl_compatible"), "no preview content:\n\(h.text)")
        XCTAssertGreaterThan(22, split)
        h.press(.tab)
        XCTAssertEqual(h.app.focus, .list, "Tab has no hidden pane to go to")

        h.press(.char("z"))
        XCTAssertEqual(h.app.chrome.previewMode, .zoomed)
        XCTAssertEqual(h.row("Program 10 counter"), 2, h.text)
        XCTAssertFalse(h.text.contains(" ID TYPE"), "no list:\n\(h.text)")
        XCTAssertTrue(h.text.contains("gpl_compatible"), h.text)
        XCTAssertTrue(h.screen.line(2).contains("zoomed · z: list and preview"), h.screen.line(2))
        XCTAssertEqual(h.app.focus, .preview, "the keys go to the preview shown")
        h.press(.char("2"))
        XCTAssertEqual(h.app.focus, .preview, "another view: still its preview, zoomed")
        XCTAssertTrue(h.screen.line(2).contains("Map 20 counts"), h.text)
        h.press(.char("/"))
        h.type("zzz")
        h.press(.enter)
        XCTAssertEqual(h.app.focus, .preview, "a filter keeps the zoomed preview's focus")
        h.press(.char("/"), .escape, .char("1"))
        XCTAssertEqual(h.app.chrome.previewMode, .zoomed)

        h.press(.char("z"))
        XCTAssertEqual(h.app.chrome.previewMode, .split)
        XCTAssertEqual(h.row("Program 10 counter"), split)
        XCTAssertEqual(h.app.focus, .list)

        // Esc in the zoomed preview goes back to the list and the preview.
        h.press(.char("z"), .char("z"), .escape)
        XCTAssertEqual(h.app.chrome.previewMode, .split)
        XCTAssertEqual(h.app.focus, .list)
    }

    private func linkedDocument() -> BrowserDocument {
        BrowserDocument(title: "Program 10 counter", lines: [
            .field("id", "10"), .field("type", "tracing"), .field("name", "counter"), .field("tag", "0011"),
            .heading("Maps (1)"), .text("map 20  hash  counts", target: .map(20)),
            .heading("Notes"), .text("plain one"), .text("plain two"),
            .heading("Holders (1)"), .text("300 loader", target: .task(300)),
            .text("after the last link"),
        ])
    }

    func testTheCursorMovesBetweenLinesThatOpen() {
        let h = Harness(sampleSnapshot())
        h.source.documents[.program(10)] = linkedDocument()
        h.press(.enter)
        let page = h.app.stack.last!
        XCTAssertEqual(page.document.cursor, 0)
        h.press(.char("j"))
        XCTAssertEqual(page.document.line?.target, .map(20), "one j to the first link")
        h.press(.down)
        XCTAssertEqual(page.document.line?.target, .task(300), "plain lines skipped")
        h.press(.char("j"))
        XCTAssertEqual(page.document.line?.text, "after the last link", "past the last link: line by line")
        h.press(.char("k"))
        XCTAssertEqual(page.document.line?.target, .task(300))
        h.press(.up)
        XCTAssertEqual(page.document.line?.target, .map(20))
        // PgDn and G still go over every line.
        h.press(.char("G"))
        XCTAssertEqual(page.document.line?.text, "after the last link")
        h.press(.char("g"))
        XCTAssertEqual(page.document.cursor, 0)
        // Enter on a plain line says what Enter does.
        h.press(.enter)
        XCTAssertEqual(h.app.stack.count, 1)
        XCTAssertTrue(h.screen.line(23).contains("Enter opens the lines marked ›"), h.screen.line(23))
        h.press(.char("j"), .enter)
        XCTAssertEqual(h.app.stack.count, 2, "Enter on a link opens it")
    }

    /// An instruction's jump is a line to stop at too: Enter follows it.
    func testTheCursorStopsAtJumps() {
        let h = Harness(sampleSnapshot())
        var lines: [BrowserLine] = (0..<10).map { n in
            var line = BrowserLine.code(String(format: "%4d: r0 = %d", n, n))
            line.instruction = n
            return line
        }
        lines[3].text = "   3: if r0 == 0 goto pc+4"
        lines[3].jump = 8
        h.source.documents[.program(10)] = BrowserDocument(title: "Program 10 counter", lines: [.heading("Instructions")] + lines)
        h.press(.enter, .char("j"))
        let page = h.app.stack.last!
        XCTAssertEqual(page.document.line?.instruction, 3, "one j to the jump")
        h.press(.enter)
        XCTAssertEqual(page.document.line?.instruction, 8, "Enter follows it")
    }

    func testADocumentWithNothingToOpenScrolls() {
        let h = Harness(sampleSnapshot(), rows: 24, cols: 100)
        h.source.documents[.program(10)] = BrowserDocument(
            title: "Program 10 counter", lines: (0..<100).map { .code("line \($0)") })
        h.press(.enter)
        let page = h.app.stack.last!
        XCTAssertEqual(h.row(" line 0"), 3)
        h.press(.char("j"), .char("j"))
        XCTAssertEqual(page.document.top, 2, "j scrolls")
        XCTAssertEqual(h.row(" line 2"), 3, h.text)
        XCTAssertFalse((0..<24).contains { h.screen.style(row: $0, col: 1) == .selected }, "no cursor to show:\n\(h.text)")
        h.press(.char("k"))
        XCTAssertEqual(h.row(" line 1"), 3, h.text)
        h.press(.enter)
        XCTAssertTrue(h.screen.line(23).contains("nothing on this page opens"), h.screen.line(23))
        h.press(.char("G"))
        XCTAssertTrue(h.text.contains(" line 99"), h.text)
    }
}

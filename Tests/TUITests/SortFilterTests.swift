import XCTest
@testable import TUI

final class SortFilterTests: XCTestCase {
    private func names(_ h: Harness, _ candidates: [String]) -> [String] {
        candidates.compactMap { name in h.screen.find(" \(name) ").map { ($0.row, name) } }
            .filter { $0.0 < h.app.heights[.list]! + 3 }
            .sorted { $0.0 < $1.0 }.map(\.1)
    }

    func testSortByEachColumnInTurn() {
        let programs = [program(1, "bravo", type: "kprobe"), program(2, "alpha", type: "xdp"),
                        program(3, "charlie", type: "tracepoint")]
        let h = Harness(snapshot(programs: programs))
        let all = ["alpha", "bravo", "charlie"]
        XCTAssertEqual(names(h, all), ["bravo", "alpha", "charlie"], "the source's order first")
        // A key, the column it marks as the sort, and the order that gives.
        let steps: [(key: Character, column: String, order: [String])] = [
            ("s", "ID▲", ["bravo", "alpha", "charlie"]),
            ("s", "TYPE▲", ["bravo", "charlie", "alpha"]), // kprobe, tracepoint, xdp
            ("s", "NAME▲", ["alpha", "bravo", "charlie"]),
            ("i", "NAME▼", ["charlie", "bravo", "alpha"]),
        ]
        for step in steps {
            h.press(.char(step.key))
            XCTAssertTrue(h.screen.contains(step.column), h.text)
            XCTAssertEqual(names(h, all), step.order, step.column)
        }
        h.press(.char("<"), .char("<"))
        XCTAssertTrue(h.screen.contains("ID▲"), h.text)
        h.press(.char("<"))
        XCTAssertFalse(h.screen.contains("▲") || h.screen.contains("▼"), "back to the source's order:\n\(h.text)")
    }

    func testNumericColumnsSortLargestFirst() {
        let maps = [map(1, "small", memory: 4096), map(2, "big", memory: 1 << 30), map(3, "middle", memory: 1 << 20)]
        let h = Harness(snapshot(maps: maps), cols: 120)
        h.press(.char("2"))
        for _ in 0..<7 { h.press(.char("s")) }
        XCTAssertTrue(h.screen.contains("MEMORY▼"), h.text)
        XCTAssertEqual(names(h, ["small", "big", "middle"]), ["big", "middle", "small"])
    }

    func testSortKeepsTheSelectedRow() {
        let programs = [program(1, "bravo"), program(2, "alpha"), program(3, "charlie")]
        let h = Harness(snapshot(programs: programs))
        h.press(.down)   // alpha
        h.press(.char("s"), .char("s"), .char("s"))   // by name: alpha first
        XCTAssertEqual(h.app.list.selected, .program(2))
        XCTAssertTrue(h.screen.contains("1/3"), h.text)
    }

    func testFilterAsYouTypeAndClear() {
        let programs = [program(1, "bravo"), program(2, "alpha"), program(3, "alphabet"), program(4, "charlie")]
        let h = Harness(snapshot(programs: programs))
        h.press(.char("/"))
        XCTAssertTrue(h.screen.line(23).contains("Filter: ▏"), h.screen.line(23))
        h.type("alp")
        XCTAssertEqual(names(h, ["bravo", "alpha", "alphabet", "charlie"]), ["alpha", "alphabet"])
        XCTAssertTrue(h.screen.contains("/alp  1/2"), h.text)
        XCTAssertTrue(h.screen.line(23).contains("Filter: alp▏"), h.screen.line(23))
        // Letters that are keys elsewhere (q, j, s) are text while filtering.
        h.type("q")
        XCTAssertTrue(h.screen.contains("nothing matches 'alpq'"), h.text)
        XCTAssertEqual(h.press(.backspace), .keepGoing)
        XCTAssertEqual(names(h, ["alpha", "alphabet"]), ["alpha", "alphabet"])
        h.press(.enter)
        XCTAssertFalse(h.app.editingFilter)
        XCTAssertEqual(names(h, ["bravo", "alpha", "alphabet", "charlie"]), ["alpha", "alphabet"], "Enter keeps the filter")
        h.press(.escape)
        XCTAssertEqual(names(h, ["bravo", "alpha", "alphabet", "charlie"]), ["bravo", "alpha", "alphabet", "charlie"],
                       "Esc clears it")
        h.press(.char("/"))
        h.type("CHAR")
        XCTAssertEqual(names(h, ["bravo", "alpha", "alphabet", "charlie"]), ["charlie"], "case-insensitive")
        h.press(.escape)
        XCTAssertFalse(h.app.editingFilter)
        XCTAssertEqual(h.app.list.filter, "")
    }

    func testFilterMatchesHiddenColumnsAndFullPins() {
        let h = Harness(sampleSnapshot())
        h.press(.char("4"), .char("/"))
        h.type("bpf/counts")
        XCTAssertTrue(h.screen.contains("/sys/fs/bpf/counts"), "filtered pins show full paths:\n\(h.text)")
        XCTAssertFalse(h.screen.contains("files-pid-300"), h.text)
    }

    func testFilterInADocument() {
        let h = Harness(sampleSnapshot())
        h.press(.enter)
        h.press(.char("/"))
        h.type("loader")
        XCTAssertTrue(h.screen.contains("Held by (1)"), "the heading of a match stays:\n\(h.text)")
        XCTAssertTrue(h.screen.contains("300  loader"), h.text)
        XCTAssertFalse(h.screen.contains("gpl_compatible"), h.text)
        h.press(.escape)   // ends editing and clears
        XCTAssertTrue(h.screen.contains("gpl_compatible"), h.text)
        XCTAssertEqual(h.app.stack.count, 1)
    }
}

extension SortFilterTests {
    func testANewOrderShowsTheListFromItsTop() {
        let maps = (1...60).map { map(UInt32($0), "map_\($0)", memory: UInt64($0) * 4096) }
        let h = Harness(snapshot(maps: maps), cols: 120)
        h.press(.char("2"), .end, .up, .up, .up, .up, .up)   // map_55, in a scrolled list
        for _ in 0..<7 { h.press(.char("s")) }   // by memory, largest first: map_55 is 6th now
        XCTAssertTrue(h.screen.contains("MEMORY▼"), h.text)
        XCTAssertEqual(h.screen.find(" 60 hash")?.row, 3, "the first row shows:\n\(h.text)")
        XCTAssertTrue(h.screen.contains("6/60"), h.text)
    }
}

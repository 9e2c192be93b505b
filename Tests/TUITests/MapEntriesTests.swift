import BrowserModel
import XCTest
@testable import TUI

final class MapEntriesTests: XCTestCase {
    private func openMap(_ reader: FakeMapReader, rows: Int = 30) -> Harness {
        let h = Harness(snapshot(maps: [map(7, "big", entries: UInt32(reader.count))]), rows: rows, cols: 100)
        h.source.maps[7] = reader
        h.press(.char("2"), .enter, .tab)
        return h
    }

    func testEntriesFormattedThroughBTFAndInHex() {
        let h = openMap(FakeMapReader(count: 3))
        XCTAssertEqual(h.entryRow("#"), ["#", "KEY", "count"], h.text)
        XCTAssertEqual(h.entryRow("1"), ["1", "1", "10"], h.text)
        XCTAssertTrue(h.screen.contains("BTF (x: hex)"), h.text)
        h.press(.char("x"))
        XCTAssertEqual(h.entryRow("#"), ["#", "KEY (hex)", "VALUE (hex)"], h.text)
        // The value's bytes as ASCII too, as hexdump -C shows them.
        XCTAssertEqual(h.entryRow("1"), ["1", "01 00 00 00", "0a 00 00 00 00 00 00 00", "|........|"], h.text)
        h.press(.char("x"))
        XCTAssertEqual(h.entryRow("2"), ["2", "2", "20"], h.text)
    }

    func testAMapWithoutBTFSaysSo() {
        let h = openMap(FakeMapReader(count: 2, btf: false))
        XCTAssertEqual(h.entryRow("1"), ["1", "01 00 00 00", "0a 00 00 00 00 00 00 00"], h.text)
        XCTAssertTrue(h.screen.contains("hex: the map has no BTF"), h.text)
    }

    func testPerCPUValues() {
        final class PerCPU: BrowserMapReader, @unchecked Sendable {
            var knownPages: Int { 1 }
            var isComplete: Bool { true }
            func page(_ index: Int) throws -> BrowserMapPage {
                BrowserMapPage(index: 0, start: 0, entries: [
                    BrowserMapEntry(key: [0, 0, 0, 0], values: [[1, 0], [2, 0]], formattedKey: "0",
                                    formattedValues: ["1", "2"]),
                ], isLast: true)
            }
            func readThrough(progress: (Int) -> Bool) throws -> [Int] { [1] }
            func lookup(_ text: String) throws -> BrowserMapEntry? { nil }
        }
        let h = Harness(snapshot(maps: [map(7, "percpu", type: "percpu_array")]))
        h.source.maps[7] = PerCPU()
        h.press(.char("2"), .enter)
        XCTAssertEqual(h.entryRow("0"), ["0", "0", "cpu0: 1 | cpu1: 2"], h.text)
        h.press(.tab, .char("x"))
        XCTAssertEqual(h.entryRow("0"), ["0", "00 00 00 00", "cpu0: 01 00 | cpu1: 02 00"], h.text)
    }

    func testPagesAreReadOnlyAsNeeded() {
        let reader = FakeMapReader(count: 1_000_000, pageSize: 100)
        let h = openMap(reader)
        XCTAssertEqual(reader.pagesRead, [0], "one page to show the first screen")
        XCTAssertTrue(h.screen.contains("Entries of map 7  100+ entries read"), h.text)
        XCTAssertEqual(h.entryRow("0"), ["0", "0", "0"], h.text)
        // Scrolling down reads the next pages as they come into view.
        for _ in 0..<20 { h.press(.pageDown) }
        XCTAssertLessThanOrEqual(reader.pagesRead.count, 8, "\(reader.pagesRead)")
        XCTAssertEqual(reader.pagesRead, Array(0..<reader.pagesRead.count), "in order, each once")
        let cursor = h.app.stack.last!.entries!.cursor
        XCTAssertEqual(h.entryRow("\(cursor)"), ["\(cursor)", "\(cursor)", "\(cursor * 10)"], h.text)

        // End walks the rest once (positions only) and reads the last page.
        h.press(.end)
        XCTAssertEqual(reader.readThroughCalls, 1)
        XCTAssertEqual(h.entryRow("999999"), ["999999", "999999", "9999990"], h.text)
        XCTAssertTrue(h.screen.contains("1000000 entries"), h.text)
        XCTAssertTrue(h.screen.contains("1000000/1000000"), h.text)
        XCTAssertLessThanOrEqual(reader.pagesRead.count, 12, "not every page: \(reader.pagesRead.count)")
        XCTAssertEqual(reader.pagesRead.last, 9999)

        // Back up a page: read again by its position, not from the start.
        let before = reader.pagesRead.count
        for _ in 0..<10 { h.press(.pageUp) }
        XCTAssertTrue(reader.pagesRead.dropFirst(before).allSatisfy { $0 >= 9990 }, "\(reader.pagesRead)")
        h.press(.home)
        XCTAssertEqual(h.entryRow("0"), ["0", "0", "0"], h.text)
    }

    func testEnterOnAnEntryShowsItWhole() {
        let h = openMap(FakeMapReader(count: 5))
        h.press(.down, .down, .enter)
        XCTAssertTrue(h.screen.contains("Map 7 entry #2"), h.text)
        XCTAssertTrue(h.screen.contains("0000  02 00 00 00"), h.text)
        // The value pretty-printed, a member a line.
        XCTAssertTrue(h.screen.contains("\"count\": 20"), h.text)
        h.press(.escape)
        XCTAssertTrue(h.screen.contains("Entries of map 7"), h.text)
    }

    func testEmptyAndUnreadableMaps() {
        let h = openMap(FakeMapReader(count: 0))
        XCTAssertTrue(h.screen.contains("the map has no entries"), h.text)
        let failing = Harness(snapshot(maps: [map(8, "ringbuf", type: "ringbuf")]))
        failing.press(.char("2"), .enter)
        XCTAssertTrue(failing.screen.contains("no such map"), failing.text)
    }

    func testXOutsideAMapSaysWhatItIsFor() {
        let h = Harness(sampleSnapshot())
        h.press(.char("x"))
        XCTAssertTrue(h.screen.line(23).contains("x shows map entries"), h.screen.line(23))
    }
}

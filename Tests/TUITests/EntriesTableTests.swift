import BrowserModel
import Formatting
import XCTest
@testable import TUI

/// The entries pane as a table: search, key lookup, sort by a member,
/// per-CPU sums.
final class EntriesTableTests: XCTestCase {
    private func openMap(_ reader: FakeMapReader, rows: Int = 30, cols: Int = 100) -> Harness {
        let h = Harness(snapshot(maps: [map(7, "big", entries: UInt32(reader.count))]), rows: rows, cols: cols)
        h.source.maps[7] = reader
        h.press(.char("2"), .enter, .tab)
        return h
    }

    private func entries(_ h: Harness) -> EntriesState { h.app.stack.last!.entries! }

    // MARK: Search

    func testSlashSearchesTheWholeMapAndNRepeats() {
        let reader = FakeMapReader(count: 200_000, pageSize: 100)
        let h = openMap(reader)
        h.press(.char("/"))
        // The prompt takes the keys: digits are not section switches.
        h.type("99999")
        XCTAssertTrue(h.screen.contains("Search keys and values: 99999"), h.text)
        XCTAssertEqual(h.app.section, .maps)
        h.press(.enter)
        XCTAssertEqual(entries(h).cursorEntry, 99_999)
        XCTAssertEqual(h.entryRow("99999"), ["99999", "99999", "999990"], h.text)
        XCTAssertTrue(h.screen.contains("/99999: entry #99999"), h.text)
        XCTAssertEqual(reader.pagesRead.prefix(1000), reader.pagesRead.prefix(1000).sorted().prefix(1000),
                       "pages read in order")
        XCTAssertEqual(reader.readThroughCalls, 0)

    }

    func testNAndNRepeatTheSearchAroundTheMap() {
        let h = openMap(FakeMapReader(count: 2000, pageSize: 100))
        h.press(.char("/"))
        h.type("999")
        h.press(.enter)
        XCTAssertEqual(entries(h).cursorEntry, 999)
        // The other entry showing 999 (key 1999), then around again.
        h.press(.char("n"))
        XCTAssertEqual(entries(h).cursorEntry, 1999)
        h.press(.char("n"))
        XCTAssertEqual(entries(h).cursorEntry, 999)
        XCTAssertTrue(h.screen.contains("wrapped"), h.text)
        h.press(.char("N"))
        XCTAssertEqual(entries(h).cursorEntry, 1999)
        h.press(.char("N"))
        XCTAssertEqual(entries(h).cursorEntry, 999)
        XCTAssertTrue(h.screen.contains("2000 entries"), h.text)
    }

    func testSearchMatchesValuesAndSaysWhenNothingMatches() {
        let h = openMap(FakeMapReader(count: 50, pageSize: 10))
        h.press(.char("/"))
        h.type("count\":470")
        XCTAssertEqual(h.app.stack.count, 1)
        h.press(.enter)
        XCTAssertEqual(entries(h).cursorEntry, 47)
        h.press(.char("/"))
        h.type("nowhere")
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("'nowhere' is in no entry of map 7"), h.text)
        XCTAssertEqual(entries(h).cursorEntry, 47, "the cursor stays")
        // Esc leaves the prompt, not the page.
        h.press(.char("/"), .char("4"), .escape)
        XCTAssertNil(entries(h).prompt)
        XCTAssertTrue(h.screen.contains("Entries of map 7"), h.text)
    }

    func testEscStopsASearch() {
        let reader = FakeMapReader(count: 10_000, pageSize: 100)
        let h = openMap(reader)
        h.press(.char("/"))
        h.type("nowhere")
        _ = h.app.handle(.enter)
        h.app.draw(on: h.screen)
        XCTAssertTrue(h.screen.contains("searching 'nowhere'"), h.text)
        _ = h.app.handle(.escape)
        h.settle()
        XCTAssertTrue(h.screen.contains("search stopped"), h.text)
        XCTAssertLessThan(reader.pagesRead.count, 5, "\(reader.pagesRead)")
        XCTAssertTrue(h.screen.contains("Entries of map 7"), "Esc stopped the search, not the page")
    }

    func testNWithoutASearchSaysSo() {
        let h = openMap(FakeMapReader(count: 5))
        h.press(.char("n"))
        XCTAssertTrue(h.screen.contains("/ searches the entries first"), h.text)
    }

    // MARK: Lookup

    func testEqualsLooksUpAKey() {
        let reader = FakeMapReader(count: 100, pageSize: 10)
        let h = openMap(reader)
        // In a page read already: the cursor goes to it.
        h.press(.char("="))
        XCTAssertTrue(h.screen.contains("Key (42, 0x2a"), h.text)
        h.type("5")
        h.press(.enter)
        XCTAssertEqual(reader.lookups, ["5"])
        XCTAssertEqual(entries(h).cursorEntry, 5)
        // Not read: its page is shown.
        h.press(.char("="))
        h.type("0x2a")
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("Map 7 key 0x2a"), h.text)
        XCTAssertTrue(h.screen.contains("\"count\": 420"), h.text)
        h.press(.escape)
        // Absent, and not a key.
        h.press(.char("="))
        h.type("1000")
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("map 7 has no entry with key 1000"), h.text)
        h.press(.char("="))
        h.type("abc")
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("'abc' is not a number"), h.text)
    }

    // MARK: Struct members as columns, sort

    /// Entries whose value is `struct { u64 packets; u64 bytes; char comm[8]; }`.
    private func flows(_ count: Int, cpus: Int = 1) -> FakeMapReader {
        FakeMapReader(count: count, pageSize: 10) { n in
            let key = withUnsafeBytes(of: UInt32(n).littleEndian) { Array($0) }
            let values = (0..<cpus).map { cpu in
                BTFValue.object([("packets", .uint(UInt64((n * 7919) % 101 + cpu))),
                                 ("bytes", .uint(UInt64(n * 1000 + cpu))),
                                 ("comm", .string(n % 2 == 0 ? "bash" : "python3"))])
            }
            return BrowserMapEntry(key: key, values: values.map { _ in Array(repeating: 0x41, count: 24) },
                                   formattedKey: "\(n)", formattedValues: values.map(BTFFormatter.json),
                                   typedKey: .uint(UInt64(n)), typedValues: values)
        }
    }

    func testStructMembersAreColumnsAndSortable() {
        let reader = flows(30)
        let h = openMap(reader)
        XCTAssertEqual(h.entryRow("#"), ["#", "KEY", "packets", "bytes", "comm"], h.text)
        XCTAssertEqual(h.entryRow("3"), ["3", "3", "\((3 * 7919) % 101)", "3000", "python3"], h.text)

        h.press(.char("s"))   // KEY, descending first for numbers
        XCTAssertTrue(h.screen.contains("30 entries, sorted"), h.text)
        XCTAssertTrue(h.screen.contains("KEY▼"), h.text)
        XCTAssertEqual(h.entryRow("0")?[1], "29", h.text)
        h.press(.char("s"))   // packets
        let packets = (0..<30).map { ($0 * 7919) % 101 }
        XCTAssertTrue(h.screen.contains("sorted by packets (descending): all 30 entries"), h.text)
        XCTAssertEqual(h.entryRow("0")?[2], "\(packets.max()!)", h.text)
        h.press(.char("i"))
        XCTAssertEqual(h.entryRow("0")?[2], "\(packets.min()!)", h.text)
        XCTAssertTrue(h.screen.contains("packets▲"), h.text)
        h.press(.char("<"))   // back to KEY
        XCTAssertTrue(h.screen.contains("KEY▼"), h.text)
        h.press(.char("<"))   // the map's order
        XCTAssertTrue(h.screen.contains("30 entries"), h.text)
        XCTAssertFalse(h.screen.contains("sorted"), h.text)
        XCTAssertEqual(h.entryRow("0")?[1], "0", h.text)
    }

    func testLongCellsAreCutAndTheEntryPageShowsThemWhole() {
        let long = String(repeating: "x", count: 60)
        let reader = FakeMapReader(count: 2, pageSize: 10) { n in
            let value = BTFValue.object([("name", .string(long)), ("n", .uint(UInt64(n)))])
            return BrowserMapEntry(key: [UInt8(n), 0, 0, 0], values: [[0]], formattedKey: "\(n)",
                                   formattedValues: [BTFFormatter.json(value)], typedKey: .uint(UInt64(n)),
                                   typedValues: [value])
        }
        let h = openMap(reader)
        XCTAssertEqual(h.entryRow("1")?[2], String(repeating: "x", count: EntriesView.columnLimit - 1) + "…", h.text)
        h.press(.down, .enter)
        XCTAssertTrue(h.screen.contains("\"name\": \"\(long)\","), h.text)
        XCTAssertTrue(h.screen.contains("  \"n\": 1"), h.text)
    }

    // MARK: Per-CPU

    func testPerCPUValuesAreSummedAndExpandedWithC() {
        let h = openMap(flows(5, cpus: 4))
        let packets = (3 * 7919) % 101
        // Summed member by member; text shows when every CPU agrees.
        XCTAssertEqual(h.entryRow("3"), ["3", "3", "\(4 * packets + 0 + 1 + 2 + 3)", "\(4 * 3000 + 6)", "python3"], h.text)
        XCTAssertTrue(h.screen.contains("sums of 4 CPUs (c: per CPU)"), h.text)
        h.press(.down, .down, .down)
        h.press(.char("c"))
        XCTAssertEqual(entries(h).cursorEntry, 3, "the cursor stays on its entry")
        XCTAssertTrue(h.screen.contains("per CPU (c: sums)"), h.text)
        let cpu2 = h.lines.first { $0.contains("cpu2") && $0.contains("3002") }
        XCTAssertEqual(cpu2.map { $0.split(separator: " ").map(String.init) }, ["cpu2", "\(packets + 2)", "3002", "python3"], h.text)
        XCTAssertEqual(h.entryRow("3")?[2], "\(4 * packets + 6)", "the summed row heads its CPUs")
        h.press(.enter)
        XCTAssertTrue(h.screen.contains("Map 7 entry #3"), h.text)
        XCTAssertTrue(h.screen.contains("Value, summed over 4 CPUs"), h.text)
        h.press(.escape, .char("c"))
        XCTAssertNil(h.entryRow("cpu2"), h.text)
        XCTAssertEqual(entries(h).cursorEntry, 3)
    }

    func testCOnAMapWithoutPerCPUValuesSaysSo() {
        let h = openMap(FakeMapReader(count: 3))
        h.press(.char("c"))
        XCTAssertTrue(h.screen.contains("this map's values are not per CPU"), h.text)
    }

    // MARK: Parts

    func testSums() {
        XCTAssertEqual(EntriesTable.sum([.uint(1), .uint(2)]), .uint(3))
        XCTAssertEqual(EntriesTable.sum([.int(-1), .int(-2)]), .int(-3))
        XCTAssertEqual(EntriesTable.sum([.object([("a", .uint(1)), ("s", .string("x"))]),
                                         .object([("a", .uint(2)), ("s", .string("x"))])]),
                       .object([("a", .uint(3)), ("s", .string("x"))]))
        XCTAssertEqual(EntriesTable.sum([.string("x"), .string("y")]), .string("(differs per CPU)"))
        XCTAssertEqual(EntriesTable.sum([.array([.uint(1), .uint(2)]), .array([.uint(10), .uint(20)])]),
                       .array([.uint(11), .uint(22)]))
    }

    func testHexDumpHasAnASCIIColumn() {
        XCTAssertEqual(EntriesView.ascii(Array("ab\u{1}c".utf8) + [0xff]), "ab.c.")
        XCTAssertEqual(EntriesView.dump(Array("python3".utf8) + [0, 0]),
                       [.code("0000  70 79 74 68 6f 6e 33 00 00" + String(repeating: " ", count: 21) + "  |python3..|")])
    }

    // MARK: Mouse

    /// A click on an entry selects it (and gives the entries the keys), a
    /// click on the column titles selects nothing, the wheel moves.
    func testAClickSelectsAnEntry() {
        let reader = FakeMapReader(count: 500, pageSize: 10)
        let h = openMap(reader)
        h.press(.backTab)
        XCTAssertEqual(h.app.focus, .document)
        let row = try! XCTUnwrap(h.lines.firstIndex { line in
            let cells = line.split(separator: " ")
            return cells.first == "5" && cells.count > 1
        }, h.text)
        h.press(.mouse(MouseEvent(.press, row: row, col: 10)))
        XCTAssertEqual(h.app.focus, .entries)
        XCTAssertEqual(entries(h).cursor, 5, h.text)
        h.press(.mouse(MouseEvent(.wheelDown, row: row, col: 10)))
        XCTAssertEqual(entries(h).cursor, 8)
        let titles = h.row("#")
        h.press(.mouse(MouseEvent(.press, row: titles, col: 10)))
        XCTAssertEqual(entries(h).cursor, 8, "the titles are no entry")
        h.press(.enter)
        XCTAssertTrue(h.app.stack.last?.document.document.title.contains("8") ?? false,
                      "Enter opens the entry clicked: \(h.app.stack.last?.document.document.title ?? "")")
    }

    // MARK: Live

    func testEntriesInViewAreReadAgainAtTheRefreshWithRates() {
        final class Counter: @unchecked Sendable { var tick = 0 }
        let counter = Counter()
        let reader = FakeMapReader(count: 500, pageSize: 10) { n in
            // Entry 1 counts 30 packets a tick; the others stay.
            let packets = UInt64(n == 1 ? 100 + 30 * counter.tick : n)
            let value = BTFValue.object([("packets", .uint(packets)), ("comm", .string("x"))])
            return BrowserMapEntry(key: [UInt8(n & 0xff), UInt8(n >> 8), 0, 0], values: [[0]], formattedKey: "\(n)",
                                   formattedValues: [BTFFormatter.json(value)], typedKey: .uint(UInt64(n)),
                                   typedValues: [value])
        }
        let h = openMap(reader)
        XCTAssertEqual(h.entryRow("1"), ["1", "1", "100", "x"], h.text)
        let before = reader.pagesRead.count
        counter.tick = 1
        h.now += 2
        h.settle()
        XCTAssertEqual(h.entryRow("1"), ["1", "1", "130 +15/s", "x"], h.text)
        XCTAssertEqual(h.entryRow("2"), ["2", "2", "2", "x"], "no rate for what did not grow")
        let reread = reader.pagesRead.dropFirst(before)
        XCTAssertFalse(reread.isEmpty)
        XCTAssertTrue(reread.allSatisfy { $0 <= 2 }, "only the pages in view: \(Array(reread))")

        // Paused: nothing read again.
        h.app.live.paused = true
        counter.tick = 2
        let paused = reader.pagesRead.count
        h.now += 2
        h.settle()
        XCTAssertEqual(reader.pagesRead.count, paused)
        XCTAssertEqual(h.entryRow("1"), ["1", "1", "130 +15/s", "x"], h.text)
    }

    /// Members that grow without counting (a time stamp, the last pid) get
    /// no rate; the counter beside them does.
    func testOnlyCountersGetARate() {
        final class Counter: @unchecked Sendable { var tick = 0 }
        let counter = Counter()
        let reader = FakeMapReader(count: 3, pageSize: 10) { n in
            let t = UInt64(counter.tick)
            let value = BTFValue.object([("events", .uint(10 + 4 * t)), ("last_ns", .uint(1_000_000_000 * (t + 1))),
                                         ("pid", .uint(100 + t)), ("run_time_ns", .uint(500 * t))])
            return BrowserMapEntry(key: [UInt8(n), 0, 0, 0], values: [[0]], formattedKey: "\(n)",
                                   formattedValues: [BTFFormatter.json(value)], typedKey: .uint(UInt64(n)),
                                   typedValues: [value])
        }
        let h = openMap(reader)
        counter.tick = 1
        h.now += 2
        h.settle()
        XCTAssertEqual(h.entryRow("1"), ["1", "1", "14 +2/s", "2000000000", "101", "500 +250/s"], h.text)
        XCTAssertFalse(EntriesTable.counts("last_ns"))
        XCTAssertFalse(EntriesTable.counts("key.tgid"))
        XCTAssertFalse(EntriesTable.counts("ts"))
        XCTAssertTrue(EntriesTable.counts("packets"))
        XCTAssertTrue(EntriesTable.counts("last"), "a member called just 'last' may count")
    }

    func testRateText() {
        XCTAssertEqual(EntriesTable.rateText(15), "+15/s")
        XCTAssertEqual(EntriesTable.rateText(0.5), "+0.5/s")
        XCTAssertEqual(EntriesTable.rateText(12_345), "+12.3k/s")
    }
}

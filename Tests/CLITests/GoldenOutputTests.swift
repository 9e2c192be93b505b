// Golden output: everything the presentation layer prints, rendered from
// fixed inputs and compared byte for byte with Tests/CLITests/Golden/*.
//
// Why: a restructuring of the presentation (issue 12) must keep every
// command's table and JSON, and what the browser shows, byte-identical.
// These files are today's output; a difference fails with a short diff.
// Regenerate them only for a deliberate change of output:
//
//     BPFNAV_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests
//
// which rewrites the files and still fails (an update never passes
// silently), then review `git diff Tests/CLITests/Golden` line by line.
//
// Each golden file is a run of sections, `==> what was run <==` and then
// the exact output. Nothing here needs privileges, and what the output
// could take from the machine is pinned: load times (boot-relative, made
// wall time with the machine's clocks: masked, see `LoadTimes`), network
// device names (`LinkSummary.deviceName` asks the kernel: only ifindex 0
// and an index no interface can have), the CPU count of per-CPU values
// (3, given to `MapContents`), errno texts (the C library's strerror, in
// the C locale the tests run in).

import CLibBPF
import Foundation
import Glibc
import Iterators
import XCTest
@testable import BPFKit
@testable import BPFNavCLI
@testable import BrowserModel
@testable import Encoding
@testable import Formatting
@testable import ObjectModel
@testable import TUI

final class GoldenOutputTests: XCTestCase {
    // MARK: - Commands: progs, maps, links, pins

    func testProgsList() {
        presented("progs", Fixtures.programs)
    }

    func testMapsList() {
        presented("maps", Fixtures.maps)
    }

    func testLinksList() {
        presented("links", Fixtures.links)
    }

    func testPinsList() {
        presented("pins", Fixtures.pins, pidsColumn: false)
    }

    /// A list of objects from their presentation (`ObjectCommands.list`).
    private func presented<Entry: Presentable>(_ command: String, _ entries: [Entry], pidsColumn: Bool = true,
                                               file: StaticString = #filePath, line: UInt = #line) {
        let presentation = Entry.presentation
        lists(command, entries, header: presentation.header(.cli), cells: { presentation.cells($0, .cli) },
              json: ObjectJSON.object, pidsColumn: pidsColumn, file: file, line: line)
    }

    /// The three formats of one list, as `ObjectCommands.printList` prints
    /// them: with and without the PIDS column, and empty.
    private func lists<Entry>(_ command: String, _ entries: [Entry], header: [String], cells: (Entry) -> [String],
                              json: (Entry, Output) -> Void, pidsColumn: Bool,
                              file: StaticString = #filePath, line: UInt = #line) {
        func printed(_ entries: [Entry], _ format: DumpFormat, pids: Bool) -> [UInt8] {
            LoadTimes.masked {
                capture { out in
                    ObjectCommands.printList(entries, format: format, header: header, cells: cells, json: json,
                                             pids: pids, out: out)
                }
            }
        }
        var table = GoldenText()
        if pidsColumn {
            table.section("bpfnav \(command)", printed(entries, .table, pids: false))
            table.section("bpfnav \(command) --pids", printed(entries, .table, pids: true))
            table.section("bpfnav \(command), none", printed([], .table, pids: false))
            table.section("bpfnav \(command) --pids, none", printed([], .table, pids: true))
        } else {
            table.section("bpfnav \(command)", printed(entries, .table, pids: true))
            table.section("bpfnav \(command), none", printed([], .table, pids: true))
        }
        Golden.check("\(command).table.txt", table.bytes, file: file, line: line)

        var array = GoldenText()
        array.section("bpfnav \(command) --json", printed(entries, .json, pids: true))
        array.section("bpfnav \(command) --json, none", printed([], .json, pids: true))
        Golden.check("\(command).json", array.bytes, file: file, line: line)

        var lines = GoldenText()
        lines.section("bpfnav \(command) --ndjson", printed(entries, .ndjson, pids: true))
        lines.section("bpfnav \(command) --ndjson, none", printed([], .ndjson, pids: true))
        Golden.check("\(command).ndjson", lines.bytes, file: file, line: line)
    }

    // MARK: - Commands: prog|map|link ID

    func testProgDetail() {
        details("prog", Fixtures.programs, id: \.info.id)
    }

    func testMapDetail() {
        details("map", Fixtures.maps, id: \.info.id)
    }

    func testLinkDetail() {
        details("link", Fixtures.links, id: \.info.id)
    }

    /// `prog|map|link ID` and `… ID --json` of each entry, through
    /// `ObjectCommands.printOne`.
    private func details<Entry: Presentable>(_ command: String, _ entries: [Entry], id: KeyPath<Entry, UInt32>,
                                             file: StaticString = #filePath, line: UInt = #line) {
        var text = GoldenText(), objects = GoldenText()
        for entry in entries {
            let title = "bpfnav \(command) \(entry[keyPath: id])"
            text.section(title, LoadTimes.masked {
                capture { out in ObjectCommands.printOne(entry, json: false, out: out) }
            })
            objects.section(title + " --json", LoadTimes.masked {
                capture { out in ObjectCommands.printOne(entry, json: true, out: out) }
            })
        }
        Golden.check("\(command)-detail.txt", text.bytes, file: file, line: line)
        Golden.check("\(command)-detail.json", objects.bytes, file: file, line: line)
    }

    // MARK: - Commands: tasks, files, vmas

    func testTasks() {
        dump("tasks", Fixtures.tasks, header: TasksCommand.header, row: TasksCommand.row, json: TasksCommand.json)
    }

    func testFiles() {
        dump("files", Fixtures.files, header: FilesCommand.header, row: FilesCommand.row, json: FilesCommand.json)
    }

    func testVMAs() {
        dump("vmas", Fixtures.vmas, header: VMAsCommand.header, row: VMAsCommand.row, json: VMAsCommand.json)
    }

    /// Decoded records through the commands' row and JSON writers. The
    /// framing around them (header line, `[`, `,`, `]`) is `Dump.run`'s,
    /// which reads the iterator: it is copied here, not called.
    private func dump<Record>(_ command: String, _ records: [Record], header: StaticString,
                              row: (Record, Output) -> Void, json: (Record, Output) -> Void,
                              file: StaticString = #filePath, line: UInt = #line) {
        func table(_ records: [Record]) -> [UInt8] {
            capture { out in
                out.append(header)
                out.append(byte: 0x0a)
                for record in records {
                    row(record, out)
                    out.append(byte: 0x0a)
                }
            }
        }
        func array(_ records: [Record]) -> [UInt8] {
            capture { out in
                for (i, record) in records.enumerated() {
                    out.append(i == 0 ? "[\n" : ",\n")
                    json(record, out)
                }
                out.append(records.isEmpty ? "[]\n" : "\n]\n")
            }
        }
        func lines(_ records: [Record]) -> [UInt8] {
            capture { out in
                for record in records {
                    json(record, out)
                    out.append(byte: 0x0a)
                }
            }
        }
        var text = GoldenText(), objects = GoldenText(), stream = GoldenText()
        text.section("bpfnav \(command)", table(records))
        text.section("bpfnav \(command), none", table([]))
        objects.section("bpfnav \(command) --json", array(records))
        objects.section("bpfnav \(command) --json, none", array([]))
        stream.section("bpfnav \(command) --ndjson", lines(records))
        Golden.check("\(command).table.txt", text.bytes, file: file, line: line)
        Golden.check("\(command).json", objects.bytes, file: file, line: line)
        Golden.check("\(command).ndjson", stream.bytes, file: file, line: line)
    }

    // MARK: - Commands: map dump

    /// Entries through `MapDumpCommand.writeRow` and `writeJSON`: BTF keys
    /// and values, no BTF (hex only), per-CPU values for 3 CPUs, maps of
    /// maps, and a BTF with no key or no value type. The framing (`[`, `,`,
    /// `]`, "Found N elements") is `MapDumpCommand.run`'s, copied here: it
    /// reads the map.
    func testMapDump() throws {
        var text = GoldenText(), objects = GoldenText(), stream = GoldenText()
        for fixture in try Fixtures.mapDumps() {
            // No map behind them (fd -1): the writers read only info, BTF and the CPU count.
            let dump = MapDump(fd: OwnedFD(adopting: -1), info: fixture.info, btf: fixture.btf)
            let contents = MapContents(fd: -1, info: fixture.info, possibleCPUs: fixture.info.isPerCPU ? 3 : 1)
            func title(_ flag: String) -> String { "bpfnav map dump\(flag) \(fixture.info.id)  (\(fixture.about))" }
            func each(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
                for (key, value) in fixture.entries {
                    precondition(value.count == contents.valueStride, "fixture value of the wrong size")
                    key.withUnsafeBytes { k in value.withUnsafeBytes { v in body(k, v) } }
                }
            }
            text.section(title(""), capture { out in
                each { MapDumpCommand.writeRow(dump, contents, $0, $1, out) }
                let count = fixture.entries.count
                out.write("Found \(count) element\(count == 1 ? "" : "s")\n")
            })
            objects.section(title(" --json"), capture { out in
                out.append(byte: UInt8(ascii: "["))
                var count = 0
                each { key, value in
                    out.append(count == 0 ? "\n" : ",\n")
                    MapDumpCommand.writeJSON(dump, contents, key, value, out)
                    count += 1
                }
                out.append(count == 0 ? "]\n" : "\n]\n")
            })
            stream.section(title(" --ndjson"), capture { out in
                each { key, value in
                    MapDumpCommand.writeJSON(dump, contents, key, value, out)
                    out.append(byte: 0x0a)
                }
            })
        }
        Golden.check("map-dump.table.txt", text.bytes)
        Golden.check("map-dump.json", objects.bytes)
        Golden.check("map-dump.ndjson", stream.bytes)
    }

    // MARK: - Commands: prog ID --xlated

    func testXlated() {
        var text = GoldenText(), objects = GoldenText()
        for (title, lines) in Fixtures.xlated {
            text.section("bpfnav prog 10 --xlated  (\(title))", capture {
                ProgCommand.writeInstructions(lines, json: false, out: $0)
            })
            objects.section("bpfnav prog 10 --xlated --json  (\(title))", capture {
                ProgCommand.writeInstructions(lines, json: true, out: $0)
            })
        }
        Golden.check("prog-xlated.txt", text.bytes)
        Golden.check("prog-xlated.json", objects.bytes)
    }

    // MARK: - The browser: documents

    // The snapshot's programs carry load times: every browser test renders
    // through LoadTimes.masked.

    func testBrowserPrograms() {
        Golden.check("browser-program.txt", LoadTimes.masked {
            var text = GoldenText()
            let snapshot = Fixtures.snapshot()
            for program in snapshot.programs {
                text.section("program \(program.id): BrowserDocuments.program",
                             Render.document(BrowserDocuments.program(program, in: snapshot)))
            }
            text.section("program 999: not in the listing",
                         Render.document(BrowserDocuments.preview(.program(999), in: snapshot)))
            for (title, lines) in Fixtures.xlated {
                text.section("program 10: instructions, \(title) (LiveBrowserSource.instructionLines)",
                             Render.lines(LiveBrowserSource.instructionLines(lines)))
            }
            return text.bytes
        })
    }

    func testBrowserMaps() {
        Golden.check("browser-map.txt", LoadTimes.masked {
            var text = GoldenText()
            let snapshot = Fixtures.snapshot()
            for map in snapshot.maps {
                text.section("map \(map.id): BrowserDocuments.map", Render.document(BrowserDocuments.map(map, in: snapshot)))
            }
            text.section("map 999: not in the listing", Render.document(BrowserDocuments.preview(.map(999), in: snapshot)))
            return text.bytes
        })
    }

    /// A map's entries as the browser pages them (`BrowserMapPager.entry`)
    /// and shows them: each one's cells by column, BTF-formatted and in hex,
    /// the entry's own page, and the table drawn by `EntriesView`.
    func testBrowserMapEntries() throws {
        var text = GoldenText()
        for fixture in try Fixtures.mapDumps() {
            let cpus = fixture.info.isPerCPU ? 3 : 1
            let entries = fixture.entries.map {
                BrowserMapPager.entry(key: $0.key, value: $0.value, info: fixture.info, btf: fixture.btf, cpus: cpus)
            }
            var lines = ""
            for entry in entries {
                for hex in [false, true] {
                    let cells = EntriesTable.columns(entry, hex: hex).map { column in
                        column.title + ": " + EntriesTable.cell(entry, column, cpu: nil, hex: hex)
                    }
                    lines += (hex ? "hex:       " : "formatted: ") + cells.joined(separator: " | ") + "\n"
                }
            }
            let title = "map \(fixture.info.id) (\(fixture.about))"
            text.section(title + ": EntriesTable cells", Array(lines.utf8))
            for (index, entry) in entries.enumerated() {
                text.section(title + ": entry #\(index)",
                             Render.document(EntriesView.document(entry, title: "Map \(fixture.info.id) entry #\(index)")))
            }
            for hex in [false, true] {
                let state = EntriesState(mapID: fixture.info.id)
                state.store(BrowserMapPage(index: 0, start: 0, entries: entries, isLast: true))
                state.hex = hex
                let rows = entries.count + 1
                let screen = MemoryScreen(rows: rows, cols: Render.documentWidth)
                EntriesView.draw(screen, Rect(row: 0, col: 0, rows: rows, cols: Render.documentWidth), state: state,
                                 focused: false)
                text.section(title + ": drawn" + (hex ? " in hex (x)" : ""), Render.screen(screen))
            }
        }
        Golden.check("browser-map-entries.txt", text.bytes)
    }

    func testBrowserLinks() {
        Golden.check("browser-link.txt", LoadTimes.masked {
            var text = GoldenText()
            let snapshot = Fixtures.snapshot()
            for link in snapshot.links {
                text.section("link \(link.id): BrowserDocuments.link",
                             Render.document(BrowserDocuments.link(link, in: snapshot)))
            }
            text.section("link 999: not in the listing", Render.document(BrowserDocuments.preview(.link(999), in: snapshot)))
            return text.bytes
        })
    }

    func testBrowserPins() {
        Golden.check("browser-pin.txt", LoadTimes.masked {
            var text = GoldenText()
            let snapshot = Fixtures.snapshot()
            for pin in snapshot.pins {
                text.section("pin \(Render.visible(pin.path)): BrowserDocuments.pin",
                             Render.document(BrowserDocuments.pin(pin, in: snapshot)))
            }
            text.section("a path not in the listing",
                         Render.document(BrowserDocuments.preview(.pin(Array("/sys/fs/bpf/gone".utf8)), in: snapshot)))
            let output = Array("    PID     TID COMM\n    300     300 loader\n      7       7 bad\u{1b}[2Jcomm\n".utf8)
                + [0xff, 0x09, 0x0a, 0x0a]
            let tasks = Array("/sys/fs/bpf/bpfnav/tasks".utf8), other = Array("/sys/fs/bpf/x\n".utf8)
            text.section("iterator output (LiveBrowserSource.iteratorOutputLines)",
                         Render.lines(LiveBrowserSource.iteratorOutputLines(output, path: tasks)))
            text.section("iterator output without a last newline",
                         Render.lines(LiveBrowserSource.iteratorOutputLines(Array("a\nb".utf8), path: other)))
            text.section("iterator output, none", Render.lines(LiveBrowserSource.iteratorOutputLines([], path: other)))
            return text.bytes
        })
    }

    func testBrowserTasks() {
        Golden.check("browser-task.txt", LoadTimes.masked {
            var text = GoldenText()
            let snapshot = Fixtures.snapshot()
            for task in snapshot.tasks {
                text.section("process \(task.pid): BrowserDocuments.task",
                             Render.document(BrowserDocuments.task(task, in: snapshot)))
            }
            text.section("process 999: not in the listing", Render.document(BrowserDocuments.preview(.task(999), in: snapshot)))
            text.section("BPF objects held (LiveBrowserSource.heldLine)",
                         Render.lines(Fixtures.files.map { LiveBrowserSource.heldLine($0, snapshot) }))
            text.section("open files (LiveBrowserSource.fileLine)", Render.lines(Fixtures.files.map(LiveBrowserSource.fileLine)))
            text.section("memory mappings (LiveBrowserSource.vmaLine)", Render.lines(Fixtures.vmas.map(LiveBrowserSource.vmaLine)))
            return text.bytes
        })
    }

    // MARK: - The browser: lists

    /// The five lists (`Tables`) for the same entries: each row's cells as
    /// built, then drawn by `ListView` wide and narrow (columns dropped by
    /// priority); programs also with run stats on, pins also sorted (full
    /// paths instead of the tree).
    func testBrowserLists() {
        Golden.check("browser-lists.txt", LoadTimes.masked {
            var text = GoldenText()
            var snapshot = Fixtures.snapshot()
            for stats in [false, true] {
                snapshot.runStats = stats
                for section in BrowserSection.allCases where !stats || section == .programs {
                    let table = Tables.table(section, snapshot)
                    let title = section.title + (stats ? " (run stats on)" : "")
                    var cells = ""
                    for row in table.rows {
                        cells += row.cells.map { "[\($0)]" }.joined(separator: " ") + "\n"
                        if let flat = row.flatCells { cells += "  flat: " + flat.map { "[\($0)]" }.joined(separator: " ") + "\n" }
                        if row.opens != row.target { cells += "  opens: \(Render.describe(row.opens))\n" }
                    }
                    text.section(title + ": cells", Array(cells.utf8))
                    for width in [140, 60] {
                        text.section(title + ": drawn at \(width) columns", Render.list(table, width: width))
                    }
                    if section == .pins {
                        text.section(title + ": sorted by PATH", Render.list(table, width: 140, sortColumn: 0))
                    }
                }
            }
            for section in BrowserSection.allCases {
                let table = Tables.table(section, BrowserSnapshot())
                text.section(section.title + ", none: drawn at 140 columns; the empty text",
                             Render.list(table, width: 140) + Array((table.emptyText + "\n").utf8))
            }
            return text.bytes
        })
    }

    // MARK: - The golden machinery itself

    func testDiffShowsTheFirstDifferingLines() {
        let expected = Array("a\nb\nc\nd\ne\nf\ng\nh\n".utf8)
        let actual = Array("a\nb\nc\nD\ne\nf\ng\nh\ni\n".utf8)
        XCTAssertEqual(Golden.diff(expected: expected, actual: actual), """
        @@ -1,8 +1,9 @@
         a
         b
         c
        -d
        +D
         e
         f
         g
         h
        +i

        """)
        // Hunks far apart; lines that differ only in their last newline;
        // bytes a terminal or an editor would hide.
        let far = (1...30).map { "line \($0)\n" }.joined()
        XCTAssertEqual(Golden.diff(expected: Array((far + "x\n").utf8),
                                   actual: Array((far.replacingOccurrences(of: "line 2\n", with: "line two\n") + "x").utf8)), """
        @@ -1,5 +1,5 @@
         line 1
        -line 2
        +line two
         line 3
         line 4
         line 5
        @@ -28,4 +28,4 @@
         line 28
         line 29
         line 30
        -x
        +x
        \\ no newline at end

        """)
        XCTAssertEqual(Golden.diff(expected: Array("k  v\n".utf8), actual: [0x6b, 0x1b, 0xff, 0xe2, 0x80, 0xae, 0x0a]), """
        @@ -1,1 +1,1 @@
        -k  v
        +k\\x1b\\xff\\u{202e}

        """)
    }
}

// MARK: - Golden files

/// `Tests/CLITests/Golden/NAME`, compared byte for byte.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var updating: Bool { ProcessInfo.processInfo.environment["BPFNAV_UPDATE_GOLDEN"] == "1" }

    /// Fails with a diff when `actual` is not the file's bytes. With
    /// BPFNAV_UPDATE_GOLDEN=1 a file that differs (or is missing) is
    /// rewritten and the test fails saying so; a file that matches passes.
    static func check(_ name: String, _ actual: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let url = directory.appendingPathComponent(name)
        let expected = FileManager.default.contents(atPath: url.path).map { [UInt8]($0) }
        if updating {
            if expected == actual { return }
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(actual).write(to: url)
                XCTFail("rewrote Golden/\(name) (BPFNAV_UPDATE_GOLDEN=1): review git diff, then run the tests without it",
                        file: file, line: line)
            } catch {
                XCTFail("cannot write Golden/\(name): \(error)", file: file, line: line)
            }
            return
        }
        guard let expected else {
            XCTFail("Golden/\(name) is missing: BPFNAV_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests writes it",
                    file: file, line: line)
            return
        }
        guard expected != actual else { return }
        XCTFail("""
            output differs from Golden/\(name) (- golden, + now):
            \(diff(expected: expected, actual: actual))\
            A deliberate change of output: BPFNAV_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests, then review git diff.
            """, file: file, line: line)
    }

    /// A unified diff of the first differing lines: up to three hunks with
    /// three lines of context, at most 40 lines of changes. Control bytes,
    /// invalid UTF-8 and bidi controls show escaped (`Render.visible`).
    static func diff(expected: [UInt8], actual: [UInt8]) -> String {
        struct Line: Equatable {
            var text: String
            var newline: Bool
        }
        func lines(_ bytes: [UInt8]) -> [Line] {
            var result: [Line] = []
            var start = 0
            for (i, byte) in bytes.enumerated() where byte == 0x0a {
                result.append(Line(text: Render.visible(Array(bytes[start..<i])), newline: true))
                start = i + 1
            }
            if start < bytes.count { result.append(Line(text: Render.visible(Array(bytes[start...])), newline: false)) }
            return result
        }
        enum Op { case same(Int, Int), removed(Int), added(Int) }
        let a = lines(expected), b = lines(actual)
        // The longest common subsequence of lines, from the end; beyond a few
        // thousand lines each, only the common prefix and suffix are kept.
        var ops: [Op] = []
        if a.count * b.count <= 4_000_000 {
            var common = [[Int32]](repeating: [Int32](repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in stride(from: a.count - 1, through: 0, by: -1) {
                for j in stride(from: b.count - 1, through: 0, by: -1) {
                    common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
                }
            }
            var i = 0, j = 0
            while i < a.count || j < b.count {
                if i < a.count, j < b.count, a[i] == b[j] {
                    ops.append(.same(i, j)); i += 1; j += 1
                } else if i < a.count, j == b.count || common[i + 1][j] >= common[i][j + 1] {
                    ops.append(.removed(i)); i += 1
                } else {
                    ops.append(.added(j)); j += 1
                }
            }
        } else {
            var prefix = 0
            while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
            var suffix = 0
            while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
                suffix += 1
            }
            ops = (0..<prefix).map { .same($0, $0) } + (prefix..<(a.count - suffix)).map { .removed($0) }
                + (prefix..<(b.count - suffix)).map { .added($0) }
                + (0..<suffix).map { .same(a.count - suffix + $0, b.count - suffix + $0) }
        }
        func isChange(_ op: Op) -> Bool { if case .same = op { false } else { true } }
        func show(_ mark: String, _ line: Line) -> String {
            mark + line.text + "\n" + (line.newline ? "" : "\\ no newline at end\n")
        }
        let changes = ops.indices.filter { isChange(ops[$0]) }
        var out = ""
        var shown = 0, hunks = 0
        var k = 0
        while k < changes.count, hunks < 3, shown < 40 {
            // A hunk: changes less than 7 lines apart, with 3 lines around.
            var last = k
            while last + 1 < changes.count, changes[last + 1] - changes[last] <= 7 { last += 1 }
            let range = max(0, changes[k] - 3)..<min(ops.count, changes[last] + 4)
            var aStart = a.count, bStart = b.count, aCount = 0, bCount = 0
            var body = ""
            for op in ops[range] {
                switch op {
                case .same(let i, let j):
                    aStart = min(aStart, i); bStart = min(bStart, j); aCount += 1; bCount += 1
                    body += show(" ", a[i])
                case .removed(let i):
                    aStart = min(aStart, i); aCount += 1
                    if shown < 40 { body += show("-", a[i]) }
                    shown += 1
                case .added(let j):
                    bStart = min(bStart, j); bCount += 1
                    if shown < 40 { body += show("+", b[j]) }
                    shown += 1
                }
            }
            out += "@@ -\(min(aStart, a.count) + 1),\(aCount) +\(min(bStart, b.count) + 1),\(bCount) @@\n" + body
            hunks += 1
            k = last + 1
        }
        if changes.count > shown || k < changes.count {
            out += "… \(changes.count) lines differ in all\n"
        }
        return out
    }
}

/// A golden file being written: sections of exact output.
struct GoldenText {
    private(set) var bytes: [UInt8] = []

    mutating func section(_ title: String, _ output: [UInt8]) {
        bytes += Array("==> \(title) <==\n".utf8)
        if output.isEmpty {
            bytes += Array("\\ no output\n".utf8)
        } else {
            bytes += output
            if output.last != 0x0a { bytes += Array("\n\\ no newline at end of output\n".utf8) }
        }
        bytes.append(0x0a)
    }
}

/// What `body` writes to an Output, read back from the file it went to:
/// the commands flush their Output, which an in-memory one would lose.
func capture(_ body: (Output) -> Void) -> [UInt8] {
    guard let file = tmpfile() else { fatalError("tmpfile: \(String(cString: strerror(errno)))") }
    defer { fclose(file) }
    let fd = fileno(file)
    do {
        let out = Output(fd: fd)
        body(out)
        out.flush()
    }
    lseek(fd, 0, SEEK_SET)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return bytes
}

// MARK: - Load times

/// A program's load time is boot-relative (ns); bpfnav prints it as wall
/// time through the machine's clocks (`unixTime(fromBootNanoseconds:)`)
/// and time zone. The tests mask it: TZ=UTC while rendering, then each
/// printed time of the fixtures' load times is replaced by a placeholder
/// of the same width, so columns stay aligned. The times to replace are
/// formatted here, not by bpfnav: a change of bpfnav's time format shows
/// as a difference.
enum LoadTimes {
    /// The fixtures' load times (ns since boot).
    static let bootNanoseconds: [UInt64] = [5_000_000_000, 86_400_000_000_000]

    /// `body`'s output with the load times masked; rendered again should
    /// the clock tick past a second while it ran.
    static func masked(_ body: () -> [UInt8]) -> [UInt8] {
        let saved = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", "UTC", 1)
        tzset()
        defer {
            if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
            tzset()
        }
        for _ in 0..<5 {
            let times = bootNanoseconds.map(unixTime(fromBootNanoseconds:))
            let output = body()
            if times == bootNanoseconds.map(unixTime(fromBootNanoseconds:)) { return mask(output, times) }
        }
        XCTFail("the wall clock kept moving while the output was rendered")
        return []
    }

    static func mask(_ output: [UInt8], _ times: [Int64]) -> [UInt8] {
        var output = output
        for unix in times {
            output = replace(output, strftime(unix, "%Y-%m-%dT%H:%M:%S%z"), "YYYY-MM-DDTHH:MM:SS+ZZZZ")
            output = replace(output, strftime(unix, "%Y-%m-%d %H:%M:%S"), "YYYY-MM-DD HH:MM:SS")
            output = replace(output, "\(unix)", "<unix>")
        }
        return output
    }

    /// Every `pattern` in `bytes` replaced (bytes, not text: output that is
    /// not UTF-8 stays as it is).
    static func replace(_ bytes: [UInt8], _ pattern: String, _ replacement: String) -> [UInt8] {
        let pattern = Array(pattern.utf8), replacement = Array(replacement.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == pattern[0], i + pattern.count <= bytes.count, bytes[i..<(i + pattern.count)].elementsEqual(pattern) {
                out += replacement
                i += pattern.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// UTC, as the local time bpfnav prints under TZ=UTC.
    private static func strftime(_ unix: Int64, _ format: String) -> String {
        var seconds = time_t(unix)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = Glibc.strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

// MARK: - Rendering the browser to text

/// Browser documents, lines, lists and screens as text: each line's kind,
/// key, text and target exactly as built, then what the views draw.
enum Render {
    static let documentWidth = 100

    /// The document as built, then drawn by `DetailView`.
    static func document(_ document: BrowserDocument) -> [UInt8] {
        var text = "title: \(document.title)\n"
        if let mapID = document.mapID { text += "entries of map: \(mapID)\n" }
        text += String(decoding: lines(document.lines), as: UTF8.self)
        text += "--- drawn (DetailView, \(documentWidth) columns) ---\n"
        let screen = MemoryScreen(rows: max(1, document.lines.count), cols: documentWidth)
        var state = DocumentState(document)
        DetailView.draw(screen, Rect(row: 0, col: 0, rows: screen.size.rows, cols: documentWidth), state: &state,
                        focused: false)
        text += String(decoding: self.screen(screen), as: UTF8.self)
        return Array(text.utf8)
    }

    /// One line per `BrowserLine`: kind, key, text, and what Enter opens.
    static func lines(_ lines: [BrowserLine]) -> [UInt8] {
        var text = ""
        for line in lines {
            let kind = "\(line.kind)"
            text += kind + String(repeating: " ", count: max(1, 8 - kind.count))
            if line.kind == .field { text += "\(line.key): " }
            text += line.text
            if let target = line.target { text += "  -> \(describe(target))" }
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// `table` drawn by `ListView`, header and every row.
    static func list(_ table: TUI.Table, width: Int, sortColumn: Int? = nil) -> [UInt8] {
        var state = ListState()
        state.sortColumn = sortColumn
        state.rebuild(table)
        let screen = MemoryScreen(rows: table.rows.count + 1, cols: width)
        ListView.draw(screen, Rect(row: 0, col: 0, rows: table.rows.count + 1, cols: width), table: table,
                      state: &state, focused: false, placeholder: nil)
        return self.screen(screen)
    }

    /// The screen's rows (trailing spaces dropped, as `MemoryScreen` reads them).
    static func screen(_ screen: MemoryScreen) -> [UInt8] {
        Array(screen.lines.map { $0 + "\n" }.joined().utf8)
    }

    static func describe(_ target: BrowserTarget) -> String {
        switch target {
        case .object(let object): "\(object.kind.name) \(object.id)"
        case .pin(let path): "pin \(visible(path))"
        case .task(let pid): "task \(pid)"
        case .place(let group): "place \(group)"
        }
    }

    /// Bytes for a title or a failure message: UTF-8 as it is, control
    /// bytes and invalid UTF-8 as \xNN, bidi controls as \u{N}.
    static func visible(_ bytes: [UInt8]) -> String {
        var text = ""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var position = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                let v = scalar.value
                if v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v) {
                    text += String(format: "\\x%02x", v)
                } else if v == 0x200e || v == 0x200f || (0x202a...0x202e).contains(v) || (0x2066...0x2069).contains(v) {
                    text += String(format: "\\u{%x}", v)
                } else {
                    text.unicodeScalars.append(scalar)
                }
                position += encoded.count
            case .error(let length):
                for byte in bytes[position..<(position + length)] { text += String(format: "\\x%02x", byte) }
                position += length
            case .emptyInput:
                return text
            }
        }
    }
}

@testable import BPFKit
import BrowserModel
import Formatting
import ObjectModel
import XCTest
@testable import TUI

/// A source that answers from memory and records what it was asked.
final class FakeSource: BrowserSource, @unchecked Sendable {
    var current: BrowserSnapshot
    var documents: [BrowserTarget: BrowserDocument] = [:]
    var maps: [UInt32: any BrowserMapReader] = [:]
    var snapshotCalls = 0
    var documentCalls: [BrowserTarget] = []
    var statsCalls: [Bool] = []
    var statsError: String?

    init(_ snapshot: BrowserSnapshot) {
        current = snapshot
    }

    func snapshot() -> BrowserSnapshot {
        snapshotCalls += 1
        return current
    }

    /// The preview plus one line that only the full document has.
    func document(for target: BrowserTarget, in snapshot: BrowserSnapshot) -> BrowserDocument {
        documentCalls.append(target)
        if let document = documents[target] { return document }
        var document = BrowserDocuments.preview(target, in: snapshot)
        document.lines.append(.heading("Full"))
        document.lines.append(.code("full content of \(target)"))
        return document
    }

    struct NoSuchMap: Error, CustomStringConvertible {
        var description: String { "no such map" }
    }

    func openMap(id: UInt32) throws -> any BrowserMapReader {
        guard let reader = maps[id] else { throw NoSuchMap() }
        return reader
    }

    var unpinned: [[UInt8]] = []
    var unpinError: String?

    /// Takes the pin out of the listing, as the kernel would.
    func unpin(_ path: [UInt8]) -> String? {
        if let unpinError { return unpinError }
        unpinned.append(path)
        current.pins.removeAll { $0.path == path }
        return nil
    }

    func setRunStats(_ enabled: Bool) -> String? {
        statsCalls.append(enabled)
        if let statsError { return statsError }
        current.runStats = enabled
        return nil
    }
}

/// A map of `count` entries: key n (u32), value n × 10 (u64), formatted
/// as bpftool would (`n` and `{"count":n×10}`), `pageSize` a page; or the
/// entries `make` gives.
final class FakeMapReader: BrowserMapReader, @unchecked Sendable {
    let count: Int
    let pageSize: Int
    let btf: Bool
    let make: ((Int) -> BrowserMapEntry)?
    var pagesRead: [Int] = []
    var readThroughCalls = 0
    var lookups: [String] = []
    private(set) var knownPages = 1
    private(set) var isComplete = false

    init(count: Int, pageSize: Int = 100, btf: Bool = true, make: ((Int) -> BrowserMapEntry)? = nil) {
        self.count = count
        self.pageSize = pageSize
        self.btf = btf
        self.make = make
    }

    /// The key parsed as a 4-byte key without BTF (`42`, `0x2a`, hex
    /// bytes) and found among the entries, as one lookup would.
    func lookup(_ text: String) throws -> BrowserMapEntry? {
        lookups.append(text)
        let key = try BTFKeyParser.parse(text, size: 4, type: 0, btf: nil)
        return (0..<count).lazy.map(entry).first { $0.key == key }
    }

    var lastPage: Int { max(0, (count - 1) / pageSize) }

    func page(_ index: Int) throws -> BrowserMapPage {
        precondition(index < knownPages, "page \(index) read before its position is known")
        pagesRead.append(index)
        let start = index * pageSize
        let end = min(count, start + pageSize)
        let isLast = index >= lastPage
        if isLast { isComplete = true } else { knownPages = max(knownPages, index + 2) }
        return BrowserMapPage(index: index, start: start, entries: (start..<max(start, end)).map(entry), isLast: isLast)
    }

    func readThrough(progress: (Int) -> Bool) throws -> [Int] {
        readThroughCalls += 1
        knownPages = lastPage + 1
        isComplete = true
        _ = progress(count)
        return (0...lastPage).map { min(pageSize, count - $0 * pageSize) }
    }

    func entry(_ n: Int) -> BrowserMapEntry {
        if let make { return make(n) }
        let key = withUnsafeBytes(of: UInt32(n).littleEndian) { Array($0) }
        let value = withUnsafeBytes(of: UInt64(n * 10).littleEndian) { Array($0) }
        return BrowserMapEntry(key: key, values: [value], formattedKey: btf ? "\(n)" : nil,
                               formattedValues: btf ? ["{\"count\":\(n * 10)}"] : nil,
                               typedKey: btf ? .uint(UInt64(n)) : nil,
                               typedValues: btf ? [.object([("count", .uint(UInt64(n * 10)))])] : nil)
    }
}

/// An app over a fake source, a memory screen and a clock the test moves;
/// background jobs run when the test lets them (`settle`).
final class Harness {
    let source: FakeSource
    let screen: MemoryScreen
    let app: App
    var now = 1000.0

    init(_ snapshot: BrowserSnapshot, rows: Int = 24, cols: Int = 100, refresh: Double = 2, start: BrowserTarget? = nil,
         runStats: Bool = false) {
        source = FakeSource(snapshot)
        screen = MemoryScreen(rows: rows, cols: cols)
        var clock: (() -> Double)!
        app = App(source: source, jobs: Jobs(mode: .manual), refreshInterval: refresh, clock: { clock() }, start: start,
                  runStats: runStats)
        clock = { [unowned self] in self.now }
        settle()
    }

    /// Runs every job (and those their results start) and draws.
    func settle() {
        for _ in 0..<10 {
            app.pump()
            app.jobs.runPending()
            app.draw(on: screen)
            if app.jobs.pending == 0 { break }
        }
        app.pump()
        app.draw(on: screen)
    }

    /// Presses `keys`, letting the jobs run after each.
    @discardableResult
    func press(_ keys: Key...) -> App.Outcome {
        var outcome = App.Outcome.keepGoing
        for key in keys {
            outcome = app.handle(key)
            settle()
        }
        return outcome
    }

    func type(_ text: String) {
        for c in text { press(.char(c)) }
    }

    func resize(rows: Int, cols: Int) {
        screen.resize(rows: rows, cols: cols)
        press(.resize)
    }

    var text: String { screen.text }
    var lines: [String] { screen.lines }

    /// The cells of the entries pane's row whose first cell is `first` (an
    /// entry's number, or "#" for the header): cells are two blanks apart.
    func entryRow(_ first: String) -> [String]? {
        for line in lines {
            let cells = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            if cells.first == first, cells.count > 1 { return cells }
        }
        return nil
    }

    /// The row showing `text`, failing the test when there is none.
    func row(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Int {
        guard let found = screen.find(text) else {
            XCTFail("'\(text)' not on screen:\n\(screen.text)", file: file, line: line)
            return -1
        }
        return found.row
    }
}

// MARK: - Data

func program(_ id: UInt32, _ name: String, type: String = "tracing", maps: [UInt32] = [],
             pids: [Holder] = []) -> ProgramEntry {
    let types: [String: UInt32] = ["kprobe": 2, "tracepoint": 5, "xdp": 6, "tracing": 26]
    guard let number = types[type] else { fatalError("no program type number for '\(type)' in the test table") }
    return ProgramEntry(info: ProgramInfo(id: id, type: number, name: name, tag: "00112233445566\(id % 10)\(id % 10)",
                                          gplCompatible: true, loadTime: 0, mapIDs: maps),
                        pids: pids)
}

func map(_ id: UInt32, _ name: String, type: String = "hash", memory: UInt64 = 4096, entries: UInt32 = 1024) -> MapEntry {
    let types: [String: UInt32] = ["hash": 1, "array": 2, "percpu_array": 6, "ringbuf": 27]
    guard let number = types[type] else { fatalError("no map type number for '\(type)' in the test table") }
    return MapEntry(info: MapInfo(id: id, type: number, name: name, keySize: 4, valueSize: 8, maxEntries: entries,
                                  bytesMemlock: memory))
}

func snapshot(programs: [ProgramEntry] = [], maps: [MapEntry] = [], links: [LinkEntry] = [],
              pins: [PinEntry] = [], tasks: [TaskEntry] = []) -> BrowserSnapshot {
    BrowserSnapshot(kernelRelease: "6.18.0-test", programs: programs, maps: maps, links: links, pins: pins, tasks: tasks)
}

func pin(_ path: String, depth: Int, kind: PinKind, _ fill: (inout PinEntry) -> Void = { _ in }) -> PinEntry {
    var entry = PinEntry(path: Array(path.utf8), kind: kind)
    entry.depth = depth
    fill(&entry)
    return entry
}

/// One of everything.
func sampleSnapshot() -> BrowserSnapshot {
    let link = LinkEntry(info: LinkInfo(id: 30, type: 4, programID: 10,
                                        details: .iter(target: "task_file", mapID: 0, cgroupID: 0, order: 0, tid: 0,
                                                       pid: 300)),
                         programName: "counter")
    let counts = map(20, "counts")
    return snapshot(
        programs: [program(10, "counter", maps: [20], pids: [Holder(pid: 300, comm: Array("loader".utf8))])],
        maps: [counts],
        links: [link],
        pins: [pin("/sys/fs/bpf", depth: 0, kind: .directory),
               pin("/sys/fs/bpf/files-pid-300", depth: 1, kind: .link) {
                   $0.id = 30; $0.link = link.info; $0.linkProgramName = "counter"
               },
               pin("/sys/fs/bpf/counts", depth: 1, kind: .map) { $0.id = 20; $0.map = counts.info }],
        tasks: [TaskEntry(pid: 300, ppid: 1, uid: 0, state: "S", comm: Array("loader".utf8), threads: 2)])
}

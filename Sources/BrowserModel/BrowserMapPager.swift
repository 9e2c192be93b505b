import BPFKit
import ObjectModel
import Glibc
import Synchronization
import Formatting

/// Reads a map's entries a page at a time (`BrowserMapReader`).
///
/// `MapContents.forEach` always starts at the first entry; the browser needs
/// page 2,000 of a million-entry map without formatting the 1,999 before it,
/// and page 3 again after scrolling back. So each page's starting position
/// is kept (`MapContents.Position`: the batch token `BPF_MAP_LOOKUP_BATCH`
/// handed back after the page before or, for map types without batch
/// lookups, the page before's last key) and each page is one
/// `MapContents.read`. Pages hold up to `pageSize` entries (hash maps return
/// whole buckets, so sometimes fewer).
///
/// The map may change between reads: a page read again shows it as it is
/// then. Calls are serialised by a lock; the browser makes them from one
/// background thread.
public final class BrowserMapPager: BrowserMapReader, @unchecked Sendable {
    public let info: MapInfo
    public let pageSize: Int
    private let fd: OwnedFD
    private let btf: BTF?
    private let contents: MapContents
    /// Per-CPU maps hold one 8-byte-aligned value slot per possible CPU.
    private let cpus: Int
    private let state = Mutex(State())

    private struct State {
        /// Where page i starts: nil for page 0.
        var starts: [MapContents.Position?] = [nil]
        /// Entries in each page read so far.
        var counts: [Int] = []
        var complete = false
    }

    /// Opens map `id`.
    public convenience init(id: UInt32, pageSize: Int = 256) throws(BPFError) {
        try self.init(fd: BPFObjectKind.map.open(id), pageSize: pageSize)
    }

    /// `batchLookups` false: key by key even where batch lookups work, as
    /// on a kernel without them for this map type (tests).
    public init(fd: consuming OwnedFD, pageSize: Int = 256, batchLookups: Bool = true) throws(BPFError) {
        info = try MapInfo(fd: fd.raw)
        // Without BTF the entries are still complete, in hex only.
        btf = info.formattingBTF()
        contents = MapContents(fd: fd.raw, info: info, batchLookups: batchLookups)
        self.fd = fd
        self.pageSize = max(1, pageSize)
        cpus = contents.possibleCPUs
    }

    public var knownPages: Int { state.withLock { $0.starts.count } }
    public var isComplete: Bool { state.withLock { $0.complete } }

    public func page(_ index: Int) throws -> BrowserMapPage {
        try state.withLock { state in
            let (entries, isLast) = try read(page: index, &state, keep: true)
            let start = state.counts.prefix(index).reduce(0, +)
            return BrowserMapPage(index: index, start: start, entries: entries, isLast: isLast)
        }
    }

    public func readThrough(progress: (Int) -> Bool) throws -> [Int] {
        try state.withLock { state in
            while !state.complete {
                let index = state.starts.count - 1
                _ = try read(page: index, &state, keep: false)
                guard progress(state.counts.reduce(0, +)) else { break }
            }
            return state.counts
        }
    }

    // MARK: Reading

    private func read(page index: Int, _ state: inout State, keep: Bool) throws -> ([BrowserMapEntry], Bool) {
        if let reason = MapContents.undumpableReason(type: info.type) {
            throw BPFError("read entries of map", "id \(info.id) (\(info.typeName))", errno: EOPNOTSUPP, hint: reason)
        }
        guard index >= 0, index < state.starts.count else {
            throw BPFError("read entries of map", "id \(info.id)", errno: EINVAL,
                           hint: "page \(index) follows pages not read yet")
        }
        var entries: [BrowserMapEntry] = []
        let chunk = try contents.read(after: state.starts[index], count: pageSize) { key, value in
            if keep { entries.append(entry(key: Array(key), value: Array(value))) }
        }
        if index < state.counts.count {
            state.counts[index] = chunk.count
        } else {
            state.counts.append(chunk.count)
        }
        guard let next = chunk.next else {
            // The last page: what came after it before (if the map shrank) is gone.
            state.starts.removeSubrange((index + 1)...)
            state.counts.removeSubrange((index + 1)...)
            state.complete = true
            return (entries, true)
        }
        if index + 1 == state.starts.count {
            state.starts.append(next)
            state.complete = false
        }
        return (entries, false)
    }

    public func lookup(_ text: String) throws -> BrowserMapEntry? {
        let key = try BTFKeyParser.parse(text, size: Int(info.keySize), type: info.keyTypeIDForFormatting, btf: btf)
        return try state.withLock { _ in
            try contents.lookup(key: key).map { entry(key: key, value: $0) }
        }
    }

    // MARK: Formatting

    private func entry(key: [UInt8], value: [UInt8]) -> BrowserMapEntry {
        Self.entry(key: key, value: value, info: info, btf: btf, cpus: cpus)
    }

    /// One entry as the browser shows it: each CPU's slot of the value,
    /// formatted through `btf` when the map has one.
    static func entry(key: [UInt8], value: [UInt8], info: MapInfo, btf: BTF?, cpus: Int) -> BrowserMapEntry {
        let size = Int(info.valueSize)
        let slot = info.valueSlot
        let values = (0..<cpus).map { cpu in Array(value[(cpu * slot)..<(cpu * slot + size)]) }
        var entry = BrowserMapEntry(key: key, values: values)
        // A prog array's program, a devmap's device, a cpumap's queue, an
        // inner map's id: what the value refers to, as `map dump` says.
        if let targets = MapValueTargets.compactJSON(info.valueReference, values.first ?? []) {
            entry.formattedValues = [targets]
        }
        if let btf {
            if info.keyTypeIDForFormatting != 0 {
                let typed = BTFFormatter.format(key, type: info.keyTypeIDForFormatting, btf: btf)
                entry.typedKey = typed
                entry.formattedKey = BTFFormatter.json(typed)
            }
            if info.valueTypeIDForFormatting != 0 {
                let typed = values.map { BTFFormatter.format($0, type: info.valueTypeIDForFormatting, btf: btf) }
                entry.typedValues = typed
                entry.formattedValues = typed.map(BTFFormatter.json)
            }
        }
        return entry
    }
}

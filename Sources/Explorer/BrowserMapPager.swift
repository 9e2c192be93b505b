import BPFKit
import CLibBPF
import Glibc
import Synchronization

/// Reads a map's entries a page at a time (`BrowserMapReader`).
///
/// `MapContents.forEach` always starts at the first entry; the browser needs
/// page 2,000 of a million-entry map without formatting the 1,999 before it,
/// and page 3 again after scrolling back. So each page's starting position
/// is kept: the batch token that `BPF_MAP_LOOKUP_BATCH` handed back after
/// the page before, or, for map types without batch operations, the page
/// before's last key (for `BPF_MAP_GET_NEXT_KEY`). Pages hold up to
/// `pageSize` entries (hash maps return whole buckets, so sometimes fewer).
///
/// The map may change between reads: a page read again shows it as it is
/// then. Calls are serialised by a lock; the browser makes them from one
/// background thread.
public final class BrowserMapPager: BrowserMapReader, @unchecked Sendable {
    public let info: MapInfo
    public let pageSize: Int
    private let fd: OwnedFD
    private let btf: BTF?
    private let keySize: Int
    /// Bytes of one value in userspace: per-CPU maps hold one 8-byte-aligned
    /// slot per possible CPU.
    private let valueStride: Int
    private let slot: Int
    private let cpus: Int
    private let state = Mutex(State())

    private struct State {
        /// Where page i starts: nil for page 0, else a batch token or a key.
        var starts: [[UInt8]?] = [nil]
        /// Entries in each page read so far.
        var counts: [Int] = []
        var complete = false
        /// nil until the first read tells whether batch lookups work.
        var batch: Bool?
    }

    /// Opens map `id`.
    public convenience init(id: UInt32, pageSize: Int = 256) throws(BPFError) {
        try self.init(fd: BPFObjectSpace.map.open(id), pageSize: pageSize)
    }

    public init(fd: consuming OwnedFD, pageSize: Int = 256) throws(BPFError) {
        info = try MapInfo(fd: fd.raw)
        // Without BTF the entries are still complete, in hex only.
        btf = info.btfID != 0 ? try? BTF.load(id: info.btfID) : nil
        self.fd = fd
        self.pageSize = max(1, pageSize)
        keySize = max(Int(info.keySize), 1)
        cpus = info.isPerCPU ? max(1, Int(libbpf_num_possible_cpus())) : 1
        slot = info.valueSlot
        valueStride = max(slot * cpus, 1)
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
        let start = state.starts[index]
        var result: ([BrowserMapEntry], next: [UInt8]?, count: Int)
        if state.batch != false, let batched = try readBatch(from: start, keep: keep) {
            state.batch = true
            result = batched
        } else {
            state.batch = false
            result = try readByKey(from: start, keep: keep)
        }
        if index < state.counts.count {
            state.counts[index] = result.count
        } else {
            state.counts.append(result.count)
        }
        guard let next = result.next else {
            // The last page: what came after it before (if the map shrank) is gone.
            state.starts.removeSubrange((index + 1)...)
            state.counts.removeSubrange((index + 1)...)
            state.complete = true
            return (result.0, true)
        }
        if index + 1 == state.starts.count {
            state.starts.append(next)
            state.complete = false
        }
        return (result.0, false)
    }

    /// nil when the map type has no batch operations. `next` is nil after
    /// the last page.
    private func readBatch(from start: [UInt8]?, keep: Bool) throws -> ([BrowserMapEntry], next: [UInt8]?, count: Int)? {
        var chunk = pageSize
        // The batch token is opaque (a bucket or an index): key_size bytes
        // are enough for every map type, 8 covers the small ones.
        let tokenSize = max(keySize, 8)
        var inToken = [UInt8](repeating: 0, count: tokenSize)
        if let start { inToken.replaceSubrange(0..<min(start.count, tokenSize), with: start.prefix(tokenSize)) }
        var outToken = [UInt8](repeating: 0, count: tokenSize)
        while true {
            var keys = [UInt8](repeating: 0, count: keySize * chunk)
            var values = [UInt8](repeating: 0, count: valueStride * chunk)
            var count = UInt32(chunk)
            var opts = bpf_map_batch_opts()
            opts.sz = MemoryLayout<bpf_map_batch_opts>.size
            errno = 0
            let rc = inToken.withUnsafeMutableBytes { inBuffer in
                outToken.withUnsafeMutableBytes { outBuffer in
                    keys.withUnsafeMutableBytes { keyBuffer in
                        values.withUnsafeMutableBytes { valueBuffer in
                            bpf_map_lookup_batch(fd.raw, start == nil ? nil : inBuffer.baseAddress, outBuffer.baseAddress,
                                                 keyBuffer.baseAddress, valueBuffer.baseAddress, &count, &opts)
                        }
                    }
                }
            }
            let code = rc < 0 ? (rc < -1 ? -rc : (errno != 0 ? errno : EPERM)) : 0
            if rc < 0, start == nil, count == 0, code == EINVAL || code == EOPNOTSUPP || code == 524 /* ENOTSUPP */ {
                return nil
            }
            if rc < 0, code == ENOSPC, count == 0 {
                // One hash bucket holds more entries than a page: a bigger
                // page, same position.
                chunk *= 2
                continue
            }
            if rc < 0, code != ENOENT {
                throw BPFError("read entries of map", "id \(info.id)", errno: code)
            }
            let n = Int(count)
            var entries: [BrowserMapEntry] = []
            if keep {
                entries.reserveCapacity(n)
                for i in 0..<n {
                    entries.append(entry(key: Array(keys[(i * keySize)..<((i + 1) * keySize)]),
                                         value: values[(i * valueStride)..<((i + 1) * valueStride)]))
                }
            }
            // ENOENT: that was the last batch.
            return (entries, rc < 0 ? nil : outToken, n)
        }
    }

    private func readByKey(from start: [UInt8]?, keep: Bool) throws -> ([BrowserMapEntry], next: [UInt8]?, count: Int) {
        var key = start ?? []
        var next = [UInt8](repeating: 0, count: keySize)
        var value = [UInt8](repeating: 0, count: valueStride)
        var entries: [BrowserMapEntry] = []
        var count = 0
        var first = start == nil
        while count < pageSize {
            errno = 0
            let rc = key.withUnsafeBytes { keyBuffer in
                next.withUnsafeMutableBytes { bpf_map_get_next_key(fd.raw, first ? nil : keyBuffer.baseAddress, $0.baseAddress) }
            }
            if rc != 0 {
                let code = rc < -1 ? -rc : (errno != 0 ? errno : EPERM)
                if code == ENOENT { return (entries, nil, count) }
                throw BPFError("read keys of map", "id \(info.id)", errno: code)
            }
            first = false
            key = next
            errno = 0
            let found = key.withUnsafeBytes { keyBuffer in
                value.withUnsafeMutableBytes { bpf_map_lookup_elem(fd.raw, keyBuffer.baseAddress, $0.baseAddress) }
            }
            if found != 0 {
                let code = found < -1 ? -found : (errno != 0 ? errno : EPERM)
                // Deleted between the two calls: skip it.
                if code == ENOENT { continue }
                throw BPFError("read entry of map", "id \(info.id)", errno: code)
            }
            if keep { entries.append(entry(key: key, value: value[...])) }
            count += 1
        }
        return (entries, key, count)
    }

    // MARK: Formatting

    private func entry(key: [UInt8], value: ArraySlice<UInt8>) -> BrowserMapEntry {
        let base = value.startIndex
        let size = Int(info.valueSize)
        let values = (0..<cpus).map { cpu in Array(value[(base + cpu * slot)..<(base + cpu * slot + size)]) }
        var entry = BrowserMapEntry(key: key, values: values)
        if let btf {
            if info.btfKeyTypeID != 0 {
                entry.formattedKey = BTFFormatter.json(BTFFormatter.format(key, type: info.btfKeyTypeID, btf: btf))
            }
            if info.btfValueTypeID != 0 {
                entry.formattedValues = values.map {
                    BTFFormatter.json(BTFFormatter.format($0, type: info.btfValueTypeID, btf: btf))
                }
            }
        }
        return entry
    }
}

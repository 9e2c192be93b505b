import CLibBPF
import Glibc

/// Reads a map's entries: batch lookups where the kernel has them for the
/// map type (thousands of entries per syscall), else get_next_key + lookup.
///
/// `read(after:count:)` reads one chunk and says where the next one starts,
/// so the browser can page through a map and `forEach` can stream it whole;
/// both go through it. Entries are handed over chunk by chunk and not kept,
/// so memory stays a chunk or two whatever the size of the map.
public struct MapContents {
    public let fd: Int32
    public let info: MapInfo
    /// Bytes of one value as userspace sees it: per-CPU maps hold one
    /// 8-byte-aligned slot per possible CPU.
    public let valueStride: Int
    public let possibleCPUs: Int
    /// false: key by key even where batch lookups work, as on a kernel
    /// without them for this map type (tests compare the two walks).
    public let batchLookups: Bool

    public init(fd: Int32, info: MapInfo, batchLookups: Bool = true) {
        self.init(fd: fd, info: info, batchLookups: batchLookups,
                  possibleCPUs: info.isPerCPU ? max(1, Int(libbpf_num_possible_cpus())) : 1)
    }

    /// With the number of possible CPUs given (tests: per-CPU values that
    /// do not depend on the machine's CPUs).
    init(fd: Int32, info: MapInfo, batchLookups: Bool = true, possibleCPUs cpus: Int) {
        self.fd = fd
        self.info = info
        self.batchLookups = batchLookups
        possibleCPUs = cpus
        valueStride = info.valueSlot * cpus
    }

    private var keySize: Int { max(Int(info.keySize), 1) }

    /// Where a read goes on from.
    public enum Position: Equatable, Sendable {
        /// The token BPF_MAP_LOOKUP_BATCH handed back: opaque (a bucket or
        /// an index).
        case batch([UInt8])
        /// The last key read, for BPF_MAP_GET_NEXT_KEY.
        case key([UInt8])
    }

    /// What one `read` did.
    public struct Chunk: Equatable, Sendable {
        /// Entries handed to the body.
        public var count: Int
        /// Where the next read starts; nil after the map's last entry.
        public var next: Position?
    }

    /// Why a map of this type cannot be listed entry by entry, if it cannot.
    public static func undumpableReason(type: UInt32) -> String? {
        switch type {
        case BPF_MAP_TYPE_PERF_EVENT_ARRAY.rawValue:
            "a perf_event_array holds perf event fds, not values; read it with perf tools"
        case BPF_MAP_TYPE_RINGBUF.rawValue:
            "a ring buffer is a stream, not a set of entries: its records are consumed by a reader"
        case BPF_MAP_TYPE_USER_RINGBUF.rawValue:
            "a user ring buffer is a stream from userspace to BPF, not a set of entries"
        case BPF_MAP_TYPE_BLOOM_FILTER.rawValue:
            "a bloom filter can only answer membership queries; it has no entries to list"
        case BPF_MAP_TYPE_QUEUE.rawValue, BPF_MAP_TYPE_STACK.rawValue:
            "a queue or stack can only be popped (which changes it) or peeked at one value"
        case BPF_MAP_TYPE_SK_STORAGE.rawValue, BPF_MAP_TYPE_INODE_STORAGE.rawValue, BPF_MAP_TYPE_TASK_STORAGE.rawValue,
             BPF_MAP_TYPE_CGRP_STORAGE.rawValue:
            "local storage maps are keyed by sockets, inodes, tasks or cgroups held as fds"
        case BPF_MAP_TYPE_ARENA.rawValue:
            "an arena is memory mapped into BPF programs, not a set of entries"
        case BPF_MAP_TYPE_XSKMAP.rawValue:
            "an xskmap's sockets cannot be looked up from userspace"
        default: nil
        }
    }

    /// Calls `body` with up to `limit` entries (key bytes, value bytes).
    /// Returns the number of entries read.
    @discardableResult
    public func forEach(limit: Int? = nil,
                        _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        if let reason = Self.undumpableReason(type: info.type) {
            throw BPFError("dump map", "id \(info.id) (\(info.typeName))", errno: EOPNOTSUPP, hint: reason)
        }
        let limit = limit ?? Int.max
        // About 1 MiB of keys and values per batch.
        let chunk = max(64, (1 << 20) / (keySize + max(valueStride, 1)))
        // Key by key, a hash map whose current key is deleted restarts at
        // its first key: more entries than it can hold means that happened.
        // Reads stop one past max_entries to say so.
        let runaway = Int(info.maxEntries) + 1
        var position: Position?
        var read = 0
        var bodyFailed = false
        while read < limit {
            var want = min(chunk, limit - read)
            if position == nil || position?.isKey == true { want = min(want, max(1, runaway - read)) }
            let result: Chunk
            do {
                result = try self.read(after: position, count: want) { key, value in
                    // A hash bucket bigger than `want` comes whole.
                    guard read < limit else { return }
                    do { try body(key, value) } catch { bodyFailed = true; throw error }
                    read += 1
                }
            } catch var error as BPFError where !bodyFailed {
                if error.hint == nil { error.hint = "\(read) entries were read before the error" }
                throw error
            }
            guard let next = result.next else { break }
            if next.isKey, read >= runaway {
                throw BPFError("read entries of map", "id \(info.id)", errno: EAGAIN,
                               hint: "the map changed while it was read key by key; \(read) entries were read, some twice")
            }
            position = next
        }
        return read
    }

    /// Reads the entries after `position` (nil: from the first), calling
    /// `body` with each: the key's bytes and `valueStride` bytes of value.
    ///
    /// With batch lookups: one BPF_MAP_LOOKUP_BATCH of up to `count` entries
    /// (a hash map hands over whole buckets, so maybe fewer; a bucket bigger
    /// than `count` is read whole, so then more). Key by key: `count`
    /// entries. A map type the kernel has no batch lookup for (prog arrays
    /// and devmaps on every kernel; per-CPU arrays and LPM tries on 5.10)
    /// answers the first batch with ENOTSUPP: that read goes key by key,
    /// and so do the ones after it, since the position it returns is a key.
    public func read(after position: Position?, count: Int,
                     _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Chunk {
        switch position {
        case .key(let last)?:
            return try readByKey(after: last, count: count, body)
        case .batch(let token)?:
            // Only a first batch can answer "unsupported" with nil.
            return try readBatch(after: token, count: count, body) ?? Chunk(count: 0, next: nil)
        case nil:
            if batchLookups, let chunk = try readBatch(after: nil, count: count, body) { return chunk }
            return try readByKey(after: nil, count: count, body)
        }
    }

    /// What bpf(2) answers a batch lookup the map type does not have:
    /// ENOTSUPP from the kernel's BPF_DO_BATCH; EOPNOTSUPP or EINVAL from
    /// some map types and kernels.
    static func batchUnsupported(_ code: Errno) -> Bool {
        code == .ENOTSUPP || code == .EOPNOTSUPP || code == .EINVAL
    }

    /// nil when the first batch says the map type has none.
    private func readBatch(after token: [UInt8]?, count: Int,
                           _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Chunk? {
        let keySize = self.keySize
        let stride = max(valueStride, 1)
        // The token is opaque (a bucket or an index): key_size bytes are
        // enough for every map type, 8 covers the small ones.
        let tokenSize = max(keySize, 8)
        var inToken = [UInt8](repeating: 0, count: tokenSize)
        if let token { inToken.replaceSubrange(0..<min(token.count, tokenSize), with: token.prefix(tokenSize)) }
        var outToken = [UInt8](repeating: 0, count: tokenSize)
        var chunk = max(1, count)
        while true {
            let keys = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize * chunk, alignment: 8)
            let values = UnsafeMutableRawBufferPointer.allocate(byteCount: stride * chunk, alignment: 8)
            defer { keys.deallocate(); values.deallocate() }
            var n = UInt32(chunk)
            var opts = bpf_map_batch_opts()
            opts.sz = MemoryLayout<bpf_map_batch_opts>.size
            let result = inToken.withUnsafeMutableBytes { inBuffer in
                outToken.withUnsafeMutableBytes { outBuffer in
                    Errno.result {
                        Faults.call(.batch) {
                            bpf_map_lookup_batch(fd, token == nil ? nil : inBuffer.baseAddress, outBuffer.baseAddress,
                                                 keys.baseAddress, values.baseAddress, &n, &opts)
                        }
                    }
                }
            }
            var last = false
            if case .failure(let code) = result {
                // Refused before it read anything; the kernel then leaves the
                // count as it was, so only the errno tells.
                if token == nil, Self.batchUnsupported(code) { return nil }
                if code == .ENOSPC, n == 0 {
                    // One hash bucket holds more entries than the buffers:
                    // bigger buffers, same position.
                    chunk *= 2
                    continue
                }
                if code != .ENOENT {
                    throw BPFError("read entries of map", "id \(info.id)", errno: code)
                }
                // ENOENT: that was the last batch.
                last = true
            }
            let got = min(Int(n), chunk)
            for i in 0..<got {
                try body(UnsafeRawBufferPointer(rebasing: keys[(i * keySize)..<((i + 1) * keySize)]),
                         UnsafeRawBufferPointer(rebasing: values[(i * stride)..<((i + 1) * stride)]))
            }
            return Chunk(count: got, next: last || got == 0 ? nil : .batch(outToken))
        }
    }

    private func readByKey(after last: [UInt8]?, count: Int,
                           _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Chunk {
        let keySize = self.keySize
        let key = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize, alignment: 8)
        let next = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize, alignment: 8)
        let value = UnsafeMutableRawBufferPointer.allocate(byteCount: max(valueStride, 1), alignment: 8)
        defer { key.deallocate(); next.deallocate(); value.deallocate() }
        key.initializeMemory(as: UInt8.self, repeating: 0)
        if let last { key.copyBytes(from: last.prefix(keySize)) }
        var first = last == nil
        var read = 0
        while read < count {
            let stepped = Errno.result { bpf_map_get_next_key(fd, first ? nil : key.baseAddress, next.baseAddress) }
            if case .failure(let code) = stepped {
                if code == .ENOENT { return Chunk(count: read, next: nil) }
                throw BPFError("read keys of map", "id \(info.id)", errno: code)
            }
            first = false
            key.copyMemory(from: UnsafeRawBufferPointer(next))
            let found = Errno.result { bpf_map_lookup_elem(fd, key.baseAddress, value.baseAddress) }
            if case .failure(let code) = found {
                // Deleted between the two calls, or an empty slot of a
                // prog array or devmap: skip it.
                if code == .ENOENT { continue }
                throw BPFError("read entry of map", "id \(info.id)", errno: code)
            }
            try body(UnsafeRawBufferPointer(key), UnsafeRawBufferPointer(value))
            read += 1
        }
        return Chunk(count: read, next: .key(Array(key)))
    }
}

extension MapContents {
    /// The value at `key` (`BPF_MAP_LOOKUP_ELEM`): every CPU's slot for
    /// per-CPU maps; nil when the map has no such key.
    public func lookup(key: [UInt8]) throws(BPFError) -> [UInt8]? {
        guard key.count == Int(info.keySize) else {
            throw BPFError("look up key in map", "id \(info.id)", errno: EINVAL,
                           hint: "the key has \(key.count) bytes, the map's keys \(info.keySize)")
        }
        var value = [UInt8](repeating: 0, count: max(valueStride, 1))
        let found = key.withUnsafeBytes { key in
            value.withUnsafeMutableBytes { value in
                Errno.result { bpf_map_lookup_elem(fd, key.baseAddress, value.baseAddress) }
            }
        }
        if case .failure(let code) = found {
            if code == .ENOENT { return nil }
            throw BPFError("look up key in map", "id \(info.id)", errno: code)
        }
        return value
    }
}

extension MapContents.Position {
    var isKey: Bool {
        if case .key = self { return true }
        return false
    }
}

import CLibBPF
import Glibc

/// Reads a map's entries: batch lookups where the map type has them
/// (thousands of entries per syscall), else get_next_key + lookup.
///
/// Entries are handed to the caller chunk by chunk and not kept, so memory
/// stays a few chunks whatever the size of the map.
public struct MapContents {
    public let fd: Int32
    public let info: MapInfo
    /// Bytes of one value as userspace sees it: per-CPU maps hold one
    /// 8-byte-aligned slot per possible CPU.
    public let valueStride: Int
    public let possibleCPUs: Int

    public init(fd: Int32, info: MapInfo) {
        self.fd = fd
        self.info = info
        let cpus = info.isPerCPU ? max(1, Int(libbpf_num_possible_cpus())) : 1
        possibleCPUs = cpus
        valueStride = info.valueSlot * cpus
    }

    /// Why a map of this type cannot be listed entry by entry, if it cannot.
    public static func undumpableReason(type: UInt32) -> String? {
        switch type {
        case 4: "a perf_event_array holds perf event fds, not values; read it with perf tools"
        case 27: "a ring buffer is a stream, not a set of entries: its records are consumed by a reader"
        case 31: "a user ring buffer is a stream from userspace to BPF, not a set of entries"
        case 30: "a bloom filter can only answer membership queries; it has no entries to list"
        case 22, 23: "a queue or stack can only be popped (which changes it) or peeked at one value"
        case 24, 28, 29, 32: "local storage maps are keyed by sockets, inodes, tasks or cgroups held as fds"
        case 26: "struct_ops maps hold kernel structures, not entries"
        case 33: "an arena is memory mapped into BPF programs, not a set of entries"
        case 17: "an xskmap's sockets cannot be looked up from userspace"
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
        if let read = try forEachBatch(limit: limit, body) { return read }
        return try forEachByKey(limit: limit, body)
    }

    /// nil when the map type has no batch operations.
    private func forEachBatch(limit: Int?,
                              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Int? {
        let keySize = max(Int(info.keySize), 1)
        let stride = max(valueStride, 1)
        // About 1 MiB of keys and values per call.
        var chunk = max(64, (1 << 20) / (keySize + stride))
        var keys = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize * chunk, alignment: 8)
        var values = UnsafeMutableRawBufferPointer.allocate(byteCount: stride * chunk, alignment: 8)
        // The batch token is opaque (a bucket or an index); key_size bytes
        // are enough for every map type, 8 covers the small ones.
        let tokenSize = max(keySize, 8)
        let inToken = UnsafeMutableRawBufferPointer.allocate(byteCount: tokenSize, alignment: 8)
        let outToken = UnsafeMutableRawBufferPointer.allocate(byteCount: tokenSize, alignment: 8)
        defer {
            keys.deallocate(); values.deallocate(); inToken.deallocate(); outToken.deallocate()
        }
        var opts = bpf_map_batch_opts()
        opts.sz = MemoryLayout<bpf_map_batch_opts>.size
        var read = 0
        var first = true
        while limit.map({ read < $0 }) ?? true {
            var count = UInt32(chunk)
            errno = 0
            let rc = bpf_map_lookup_batch(fd, first ? nil : inToken.baseAddress, outToken.baseAddress,
                                          keys.baseAddress, values.baseAddress, &count, &opts)
            let code = rc < 0 ? (rc < -1 ? -rc : (errno != 0 ? errno : EPERM)) : 0
            if rc < 0, first, count == 0, code == EINVAL || code == EOPNOTSUPP || code == 524 /* ENOTSUPP */ {
                return nil
            }
            if rc < 0, code == ENOSPC, count == 0 {
                // One hash bucket holds more entries than the buffers:
                // bigger buffers, same position.
                chunk *= 2
                keys.deallocate()
                values.deallocate()
                keys = .allocate(byteCount: keySize * chunk, alignment: 8)
                values = .allocate(byteCount: stride * chunk, alignment: 8)
                continue
            }
            if rc < 0, code != ENOENT {
                throw BPFError("read entries of map", "id \(info.id)", errno: code,
                               hint: "\(read) entries were read before the error")
            }
            let take = min(Int(count), (limit ?? Int.max) - read)
            for i in 0..<take {
                try body(UnsafeRawBufferPointer(rebasing: keys[(i * keySize)..<((i + 1) * keySize)]),
                         UnsafeRawBufferPointer(rebasing: values[(i * stride)..<((i + 1) * stride)]))
            }
            read += take
            // ENOENT: that was the last batch.
            if rc < 0 { break }
            inToken.copyMemory(from: UnsafeRawBufferPointer(outToken))
            first = false
        }
        return read
    }

    private func forEachByKey(limit: Int?,
                              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let keySize = max(Int(info.keySize), 1)
        let key = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize, alignment: 8)
        let next = UnsafeMutableRawBufferPointer.allocate(byteCount: keySize, alignment: 8)
        let value = UnsafeMutableRawBufferPointer.allocate(byteCount: max(valueStride, 1), alignment: 8)
        defer { key.deallocate(); next.deallocate(); value.deallocate() }
        var read = 0
        var first = true
        while limit.map({ read < $0 }) ?? true {
            errno = 0
            let rc = bpf_map_get_next_key(fd, first ? nil : key.baseAddress, next.baseAddress)
            if rc != 0 {
                let code = rc < -1 ? -rc : (errno != 0 ? errno : EPERM)
                if code == ENOENT { break }
                throw BPFError("read keys of map", "id \(info.id)", errno: code,
                               hint: "\(read) entries were read before the error")
            }
            first = false
            key.copyMemory(from: UnsafeRawBufferPointer(next))
            errno = 0
            let found = bpf_map_lookup_elem(fd, key.baseAddress, value.baseAddress)
            if found != 0 {
                let code = found < -1 ? -found : (errno != 0 ? errno : EPERM)
                // Deleted between the two calls: skip it.
                if code == ENOENT { continue }
                throw BPFError("read entry of map", "id \(info.id)", errno: code,
                               hint: "\(read) entries were read before the error")
            }
            try body(UnsafeRawBufferPointer(key), UnsafeRawBufferPointer(value))
            read += 1
            // A hash map whose current key is deleted restarts at its first
            // key: more entries than it can hold means that happened.
            if read > Int(info.maxEntries) {
                throw BPFError("read entries of map", "id \(info.id)", errno: EAGAIN,
                               hint: "the map changed while it was read key by key; \(read) entries were read, some twice")
            }
        }
        return read
    }
}

import BPFKit
@testable import Iterators

/// Builds records byte by byte the way the BPF programs' bpf_seq_write() does:
/// little-endian fields at the offsets of iters/bpfnav_records.h, written out
/// by hand here (not through the imported C structs), then the path bytes and
/// zero padding to a multiple of 8.
///
/// Because these offsets are independent of the CIterRecords import, a header
/// change that moves a field makes the decoder tests fail, not just the
/// layout tests.
struct Wire {
    static let version: UInt8 = 1
    static let taskKind: UInt8 = 1, fileKind: UInt8 = 2, vmaKind: UInt8 = 3, mapKind: UInt8 = 4
    static let taskFixed = 64, fileFixed = 56, vmaFixed = 64, mapFixed = 48

    var bytes: [UInt8]

    init(fixed: Int) { bytes = [UInt8](repeating: 0, count: fixed) }

    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { raw in
            for (i, b) in raw.enumerated() { bytes[offset + i] = b }
        }
    }

    mutating func putBytes(_ value: [UInt8], at offset: Int, max: Int) {
        precondition(value.count <= max, "field overflow in test builder")
        for (i, b) in value.enumerated() { bytes[offset + i] = b }
    }

    /// Appends `path` and padding, then writes the header. `size`, `kind`,
    /// `version` override what a correct writer would put there.
    mutating func finish(kind: UInt8, path: [UInt8] = [], size: Int? = nil, version: UInt8 = Wire.version) -> [UInt8] {
        bytes += path
        while bytes.count % 8 != 0 { bytes.append(0) }
        put(UInt16(truncatingIfNeeded: size ?? bytes.count), at: 0)
        put(kind, at: 2)
        put(version, at: 3)
        return bytes
    }

    static func task(_ t: TaskRecord, kind: UInt8 = taskKind, size: Int? = nil, version: UInt8 = Wire.version) -> [UInt8] {
        var w = Wire(fixed: taskFixed)
        w.put(t.pid, at: 4)
        w.put(t.tid, at: 8)
        w.put(t.ppid, at: 12)
        w.put(t.uid, at: 16)
        w.put(t.ruid, at: 20)
        w.put(t.gid, at: 24)
        w.put(t.rawState, at: 28)
        w.put(t.flags, at: 32)
        w.put(UInt32(0), at: 36)
        w.put(t.startTime, at: 40)
        w.putBytes(t.comm, at: 48, max: 16)
        return w.finish(kind: kind, size: size, version: version)
    }

    static func file(_ f: FileRecord, kind: UInt8 = fileKind, pathLength: Int? = nil, size: Int? = nil,
                     version: UInt8 = Wire.version, rawPathError: Int32? = nil) -> [UInt8] {
        var w = Wire(fixed: fileFixed)
        w.put(f.pid, at: 4)
        w.put(f.fd, at: 8)
        w.put(f.flags, at: 12)
        w.put(f.mode, at: 16)
        w.put(f.dev, at: 20)
        w.put(f.pos, at: 24)
        w.put(f.inode, at: 32)
        w.put(rawPathError ?? -f.pathError, at: 40)
        w.put(UInt16(truncatingIfNeeded: pathLength ?? f.path.count), at: 44)
        let objKind: UInt8 = switch f.bpfObject?.kind {
        case nil: 0
        case .program?: 1
        case .map?: 2
        case .link?: 3
        case .btf?: 4
        }
        let objID = f.bpfObject?.id ?? 0
        w.put(objKind, at: 46)
        w.put(f.pathSource == .name ? UInt8(1) : UInt8(0), at: 47)
        w.put(objID, at: 48)
        return w.finish(kind: kind, path: f.path, size: size, version: version)
    }

    static func vma(_ v: VMARecord, kind: UInt8 = vmaKind, pathLength: Int? = nil, size: Int? = nil,
                    version: UInt8 = Wire.version, rawSpecial: UInt8? = nil) -> [UInt8] {
        var w = Wire(fixed: vmaFixed)
        w.put(v.pid, at: 4)
        w.put(v.start, at: 8)
        w.put(v.end, at: 16)
        w.put(v.pgoff, at: 24)
        w.put(v.inode, at: 32)
        w.put(v.vmFlags, at: 40)
        w.put(v.dev, at: 48)
        w.put(-v.pathError, at: 52)
        w.put(UInt16(truncatingIfNeeded: pathLength ?? v.path.count), at: 56)
        w.put(rawSpecial ?? v.special.rawValue, at: 58)
        // The decoder knows .dPath and .name; .mapFiles is bpfnav's own.
        w.put(v.pathSource == .name ? UInt8(1) : UInt8(0), at: 59)
        return w.finish(kind: kind, path: v.path, size: size, version: version)
    }

    static func map(_ m: MapRecord, kind: UInt8 = mapKind, size: Int? = nil, version: UInt8 = Wire.version) -> [UInt8] {
        var w = Wire(fixed: mapFixed)
        w.put(m.id, at: 4)
        w.put(m.type, at: 8)
        w.put(m.keySize, at: 12)
        w.put(m.valueSize, at: 16)
        w.put(m.maxEntries, at: 20)
        w.put(m.flags, at: 24)
        w.putBytes(m.name, at: 32, max: 16)
        return w.finish(kind: kind, size: size, version: version)
    }
}

/// Feeds `bytes` to a fresh decoder in chunks of the given sizes (the last
/// chunk takes the rest) and returns the records and the decoder.
func decodeChunked<R: IterRecord>(_ type: R.Type, _ bytes: [UInt8], chunks: [Int], finish: Bool = true) throws -> [R] {
    var decoder = RecordDecoder<R>()
    var out: [R] = []
    var at = 0
    var sizes = chunks.makeIterator()
    while at < bytes.count {
        let n = min(Swift.max(sizes.next() ?? bytes.count, 0), bytes.count - at)
        try decoder.feed(Array(bytes[at..<(at + n)])) { out.append($0) }
        at += n
    }
    if finish { try decoder.finish() }
    return out
}

func oneByteChunks(_ count: Int) -> [Int] { [Int](repeating: 1, count: count) }

import CIterRecords

/// A record type written by one of the records programs.
public protocol IterRecord: Sendable {
    /// `enum bpfnav_rec_kind`.
    static var recordKind: UInt8 { get }
    /// Size of the fixed part (the C struct).
    static var fixedSize: Int { get }
    /// Whether a path of `path_len` bytes follows the fixed part.
    static var hasPath: Bool { get }
    /// Builds the record from its fixed part and, if any, its path bytes.
    /// Called only after framing was checked.
    init(fixed: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) throws(RecordError)
    /// path_len from the fixed part (0 for records without a path).
    static func pathLength(fixed: UnsafeRawBufferPointer) -> Int
    /// The record with what the kernel could not give filled in from
    /// elsewhere (`VMARecord`: a path from /proc when only the name came).
    /// Readers of live iterators call it; decoding alone never does I/O.
    func completed() -> Self
}

extension IterRecord {
    public static var hasPath: Bool { false }
    public static func pathLength(fixed: UnsafeRawBufferPointer) -> Int { 0 }
    public func completed() -> Self { self }
}

/// Why a stream of records could not be decoded.
public enum RecordError: Error, Equatable, CustomStringConvertible {
    /// The stream ended inside a record.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A record of another kind (or garbage) where `expected` was due.
    case wrongKind(offset: Int, expected: UInt8, found: UInt8)
    case wrongVersion(offset: Int, found: UInt8)
    /// hdr.size disagrees with the fixed part and the path length.
    case badSize(offset: Int, size: Int)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed, let available):
            "record at byte \(offset) is truncated: needs \(needed) bytes, \(available) left"
        case .wrongKind(let offset, let expected, let found):
            "record at byte \(offset) has kind \(found), expected \(expected): not a stream of this iterator"
        case .wrongVersion(let offset, let found):
            "record at byte \(offset) has version \(found), expected \(BPFNAV_REC_VERSION): objects and decoder disagree"
        case .badSize(let offset, let size):
            "record at byte \(offset) has impossible size \(size)"
        }
    }
}

/// Turns the bytes of a records iterator into records, chunk by chunk.
///
/// Chunks may split records anywhere (a read may return one byte); only the
/// unfinished tail is buffered, so memory does not grow with the stream.
public struct RecordDecoder<Record: IterRecord> {
    private var pending: [UInt8] = []
    /// Bytes consumed so far, for error offsets.
    public private(set) var offset = 0

    public init() {}

    /// Decodes every whole record in `chunk` (after any pending bytes).
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (Record) throws -> Void) throws {
        if pending.isEmpty {
            let used = try decode(chunk, emit)
            pending.append(contentsOf: chunk[used...])
            return
        }
        pending.append(contentsOf: chunk)
        let buffered = pending
        let used = try buffered.withUnsafeBytes { try decode($0, emit) }
        pending.removeFirst(used)
    }

    /// Convenience for whole byte arrays.
    public mutating func feed(_ bytes: [UInt8], _ emit: (Record) throws -> Void) throws {
        try bytes.withUnsafeBytes { try feed($0, emit) }
    }

    /// Ends the stream: left-over bytes mean it was cut inside a record.
    public func finish() throws(RecordError) {
        guard pending.isEmpty else {
            let needed = pending.count >= 4 ? Int(UInt16(pending[0]) | UInt16(pending[1]) << 8) : 4
            throw RecordError.truncated(offset: offset, needed: max(needed, 4), available: pending.count)
        }
    }

    /// Decodes all of `bytes`, which must hold whole records only.
    public static func decodeAll(_ bytes: [UInt8]) throws -> [Record] {
        var decoder = RecordDecoder()
        var out: [Record] = []
        try decoder.feed(bytes) { out.append($0) }
        try decoder.finish()
        return out
    }

    /// Decodes the whole records at the start of `bytes`; returns how many
    /// bytes they took.
    private mutating func decode(_ bytes: UnsafeRawBufferPointer, _ emit: (Record) throws -> Void) throws -> Int {
        var at = 0
        while bytes.count - at >= MemoryLayout<bpfnav_rec_hdr>.size {
            let header = bytes.loadUnaligned(fromByteOffset: at, as: bpfnav_rec_hdr.self)
            let size = Int(header.size)
            if header.kind != Record.recordKind {
                throw RecordError.wrongKind(offset: offset, expected: Record.recordKind, found: header.kind)
            }
            if header.version != UInt8(BPFNAV_REC_VERSION) {
                throw RecordError.wrongVersion(offset: offset, found: header.version)
            }
            if size < Record.fixedSize || size % 8 != 0
                || (!Record.hasPath && size != Record.fixedSize)
                || size > Record.fixedSize + Int(BPFNAV_PATH_MAX) {
                throw RecordError.badSize(offset: offset, size: size)
            }
            if bytes.count - at < size { break }
            let fixed = UnsafeRawBufferPointer(rebasing: bytes[at..<(at + Record.fixedSize)])
            let pathLength = Record.pathLength(fixed: fixed)
            if pathLength > Int(BPFNAV_PATH_MAX) || Record.fixedSize + pathLength > size
                || size - (Record.fixedSize + pathLength) >= 8 {
                throw RecordError.badSize(offset: offset, size: size)
            }
            let tailStart = at + Record.fixedSize
            let tail = UnsafeRawBufferPointer(rebasing: bytes[tailStart..<(tailStart + pathLength)])
            try emit(try Record(fixed: fixed, tail: tail))
            at += size
            offset += size
        }
        return at
    }
}

/// A record's path_err as a positive errno; anything the kernel cannot have
/// written (outside -4095...0) becomes EIO rather than a nonsense code.
func pathErrno(_ raw: Int32) -> Int32 {
    raw == 0 ? 0 : (raw < 0 && raw >= -4095 ? -raw : 5 /* EIO */)
}

/// Bytes of a fixed-size C char array, up to its first NUL.
func cString<T>(_ tuple: T) -> [UInt8] {
    withUnsafeBytes(of: tuple) { bytes in Array(bytes.prefix { $0 != 0 }) }
}

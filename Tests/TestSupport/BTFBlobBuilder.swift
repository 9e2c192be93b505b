import BPFKit

/// Writes BTF blobs type by type, as a compiler would: each call appends one
/// type and returns its id. Kinds are the kernel's BTF_KIND_* numbers.
public struct BTFBlobBuilder {
    /// How names go into the string section.
    public enum Strings {
        /// A name used twice is stored once, as compilers and pahole do.
        case deduplicated
        /// Every name is appended, even a repeat (the blobs that
        /// BTFFormatterTests' fuzzing mutates byte by byte were built so).
        case appendedEach
    }

    public private(set) var strings: [UInt8]
    public private(set) var types: [UInt8] = []
    /// Id the next type gets.
    public private(set) var nextID: UInt32
    /// String offsets of this blob start here (the base's string length for split BTF).
    public let stringBase: UInt32
    private let deduplicate: Bool
    private var interned: [String: UInt32] = [:]

    public init(strings mode: Strings = .deduplicated) {
        strings = [0]
        nextID = 1
        stringBase = 0
        deduplicate = mode == .deduplicated
    }

    /// A split blob on a base that has `baseTypes` types and `baseStrings` bytes of strings.
    public init(splitAfterTypes baseTypes: Int, baseStrings: Int) {
        strings = []
        nextID = UInt32(baseTypes) + 1
        stringBase = UInt32(baseStrings)
        deduplicate = true
    }

    public mutating func str(_ s: String) -> UInt32 {
        if s.isEmpty && stringBase == 0 { return 0 }
        if deduplicate, let off = interned[s] { return off }
        let off = stringBase + UInt32(strings.count)
        strings += Array(s.utf8) + [0]
        if deduplicate { interned[s] = off }
        return off
    }

    public mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { types += $0 }
    }

    @discardableResult
    public mutating func raw(nameOff: UInt32, kind: UInt32, vlen: Int = 0, kflag: Bool = false,
                             sizeOrType: UInt32) -> UInt32 {
        u32(nameOff)
        u32((kflag ? 1 << 31 : 0) | (kind & 0x1f) << 24 | UInt32(vlen & 0xffff))
        u32(sizeOrType)
        defer { nextID += 1 }
        return nextID
    }

    @discardableResult
    public mutating func header(_ name: String, kind: UInt32, vlen: Int = 0, kflag: Bool = false,
                                _ sizeOrType: UInt32) -> UInt32 {
        let off = name.isEmpty ? 0 : str(name)
        return raw(nameOff: off, kind: kind, vlen: vlen, kflag: kflag, sizeOrType: sizeOrType)
    }

    public mutating func int(_ name: String, size: UInt32, encoding: UInt32 = 0, bits: UInt32? = nil,
                             offset: UInt32 = 0) -> UInt32 {
        let id = header(name, kind: 1, size)
        u32(encoding << 24 | offset << 16 | (bits ?? size * 8))
        return id
    }

    public mutating func ptr(_ to: UInt32) -> UInt32 { header("", kind: 2, to) }

    /// `index` is the index type; the formatter never reads it, and it
    /// defaults to the element type.
    public mutating func array(_ element: UInt32, index: UInt32? = nil, count: UInt32) -> UInt32 {
        let id = header("", kind: 3, 0)
        u32(element); u32(index ?? element); u32(count)
        return id
    }

    /// Members: (name, type, bit offset, bitfield size). kind_flag is set
    /// when `kflag` is or any member has a bitfield size.
    public mutating func composite(_ name: String, union: Bool = false, size: UInt32, kflag: Bool = false,
                                   _ members: [(String, UInt32, UInt32, UInt32)]) -> UInt32 {
        let kflag = kflag || members.contains { $0.3 != 0 }
        let id = header(name, kind: union ? 5 : 4, vlen: members.count, kflag: kflag, size)
        for (n, t, off, bits) in members {
            u32(str(n)); u32(t); u32(kflag ? bits << 24 | off : off)
        }
        return id
    }

    public mutating func enumeration(_ name: String, size: UInt32 = 4, signed: Bool = false,
                                     _ values: [(String, Int64)]) -> UInt32 {
        let id = header(name, kind: 6, vlen: values.count, kflag: signed, size)
        for (n, v) in values {
            u32(str(n)); u32(UInt32(truncatingIfNeeded: v))
        }
        return id
    }

    public mutating func enum64(_ name: String, size: UInt32 = 8, signed: Bool = false,
                                _ values: [(String, UInt64)]) -> UInt32 {
        let id = header(name, kind: 19, vlen: values.count, kflag: signed, size)
        for (n, v) in values {
            u32(str(n)); u32(UInt32(truncatingIfNeeded: v)); u32(UInt32(truncatingIfNeeded: v >> 32))
        }
        return id
    }

    public mutating func fwd(_ name: String, union: Bool = false) -> UInt32 { header(name, kind: 7, kflag: union, 0) }
    public mutating func typedef(_ name: String, _ to: UInt32) -> UInt32 { header(name, kind: 8, to) }
    public mutating func volatile(_ to: UInt32) -> UInt32 { header("", kind: 9, to) }
    public mutating func const(_ to: UInt32) -> UInt32 { header("", kind: 10, to) }
    public mutating func restrict(_ to: UInt32) -> UInt32 { header("", kind: 11, to) }
    /// `linkage`: 0 static, 1 global, 2 extern.
    public mutating func function(_ name: String, proto: UInt32, linkage: Int = 1) -> UInt32 {
        header(name, kind: 12, vlen: linkage, proto)
    }
    public mutating func proto(returns: UInt32, _ params: [(String, UInt32)] = []) -> UInt32 {
        let id = header("", kind: 13, vlen: params.count, returns)
        for (n, t) in params { u32(str(n)); u32(t) }
        return id
    }
    public mutating func variable(_ name: String, _ type: UInt32, linkage: UInt32 = 1) -> UInt32 {
        let id = header(name, kind: 14, type)
        u32(linkage)
        return id
    }
    /// Variables: (type, offset, size).
    public mutating func datasec(_ name: String, size: UInt32, _ vars: [(UInt32, UInt32, UInt32)]) -> UInt32 {
        let id = header(name, kind: 15, vlen: vars.count, size)
        for (t, off, sz) in vars { u32(t); u32(off); u32(sz) }
        return id
    }
    public mutating func float(_ name: String, size: UInt32) -> UInt32 { header(name, kind: 16, size) }
    public mutating func declTag(_ name: String, _ target: UInt32, component: Int32 = -1) -> UInt32 {
        let id = header(name, kind: 17, target)
        u32(UInt32(bitPattern: component))
        return id
    }
    public mutating func typeTag(_ name: String, _ to: UInt32) -> UInt32 { header(name, kind: 18, to) }

    /// The blob: header, types, strings.
    public func data(magic: UInt16 = 0xEB9F, version: UInt8 = 1) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
        withUnsafeBytes(of: magic.littleEndian) { out += $0 }
        out += [version, 0]
        put(24)
        put(0); put(UInt32(types.count))
        put(UInt32(types.count)); put(UInt32(strings.count))
        return out + types + strings
    }

    /// The blob, parsed by BPFKit.
    public func btf() throws -> BTF { try BTF(data: data()) }
}

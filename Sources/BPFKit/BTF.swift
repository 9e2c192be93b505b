import CLibBPF
import Glibc

// A reader of BPF Type Format blobs (Documentation/bpf/btf.rst), in Swift
// over the raw bytes: the kernel's vmlinux and module BTF, and the BTF that
// programs and maps were loaded with (BPF_BTF_GET_FD_BY_ID).
//
// The whole blob is validated once, when it is parsed: header and section
// bounds, every type's kind-specific data, every name offset and every type
// id a type refers to. After that no accessor can read out of bounds; the
// ones that follow chains of types (resolve, size, describe) are also bounded
// in depth, so a malformed cycle cannot hang them.

/// The kind of a BTF type (`BTF_KIND_*`). Raw values are the kernel's.
public enum BTFKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case unknown = 0
    case int, ptr, array, `struct`, union, `enum`, fwd, typedef, volatile, const, restrict
    case function, functionProto, variable, datasec, float, declTag, typeTag, enum64

    /// bpftool's name of the kind: "INT", "FUNC_PROTO", …
    public var description: String {
        switch self {
        case .unknown: "UNKN"
        case .int: "INT"
        case .ptr: "PTR"
        case .array: "ARRAY"
        case .struct: "STRUCT"
        case .union: "UNION"
        case .enum: "ENUM"
        case .fwd: "FWD"
        case .typedef: "TYPEDEF"
        case .volatile: "VOLATILE"
        case .const: "CONST"
        case .restrict: "RESTRICT"
        case .function: "FUNC"
        case .functionProto: "FUNC_PROTO"
        case .variable: "VAR"
        case .datasec: "DATASEC"
        case .float: "FLOAT"
        case .declTag: "DECL_TAG"
        case .typeTag: "TYPE_TAG"
        case .enum64: "ENUM64"
        }
    }
}

/// `BTF_KIND_INT`'s data.
public struct BTFInt: Equatable, Sendable {
    /// `BTF_INT_SIGNED` 1, `BTF_INT_CHAR` 2, `BTF_INT_BOOL` 4; 0 for plain unsigned.
    public struct Encoding: OptionSet, Equatable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let signed = Encoding(rawValue: 1)
        public static let char = Encoding(rawValue: 2)
        public static let bool = Encoding(rawValue: 4)
    }

    /// Bytes of storage (1, 2, 4, 8 or 16).
    public var size: Int
    public var encoding: Encoding
    /// Bit offset of the value inside its storage (old-style bitfields).
    public var bitOffset: Int
    /// Bits of the value (1…128).
    public var bits: Int

    public init(size: Int, encoding: Encoding, bitOffset: Int, bits: Int) {
        self.size = size
        self.encoding = encoding
        self.bitOffset = bitOffset
        self.bits = bits
    }

    public var isSigned: Bool { encoding.contains(.signed) }
}

/// `BTF_KIND_ARRAY`'s data.
public struct BTFArray: Equatable, Sendable {
    public var element: UInt32
    public var index: UInt32
    public var count: UInt32

    public init(element: UInt32, index: UInt32, count: UInt32) {
        self.element = element
        self.index = index
        self.count = count
    }
}

/// A member of a struct or union.
public struct BTFMember: Equatable, Sendable {
    /// Empty for an anonymous struct/union member.
    public var name: String
    public var type: UInt32
    /// Offset from the start of the struct, in bits.
    public var bitOffset: Int
    /// Width of a bitfield (only with the struct's kind_flag); 0 otherwise.
    public var bitfieldSize: Int

    public init(name: String, type: UInt32, bitOffset: Int, bitfieldSize: Int = 0) {
        self.name = name
        self.type = type
        self.bitOffset = bitOffset
        self.bitfieldSize = bitfieldSize
    }
}

/// An enumerator of an ENUM or ENUM64.
public struct BTFEnumerator: Equatable, Sendable {
    public var name: String
    /// The value's 64-bit pattern: sign-extended from 32 bits for a signed
    /// ENUM, zero-extended for an unsigned one. For an unsigned ENUM64 read it
    /// as `UInt64(bitPattern:)`.
    public var value: Int64

    public init(name: String, value: Int64) {
        self.name = name
        self.value = value
    }
}

/// A parameter of a FUNC_PROTO. A last parameter with type 0 and no name
/// marks a variadic function.
public struct BTFParam: Equatable, Sendable {
    public var name: String
    public var type: UInt32

    public init(name: String, type: UInt32) {
        self.name = name
        self.type = type
    }
}

/// A variable (or function) placed in a DATASEC.
public struct BTFVarSecInfo: Equatable, Sendable {
    public var type: UInt32
    public var offset: Int
    public var size: Int

    public init(type: UInt32, offset: Int, size: Int) {
        self.type = type
        self.offset = offset
        self.size = size
    }
}

/// Linkage of a FUNC (static 0, global 1, extern 2) or VAR (static 0,
/// global 1, extern 2).
public enum BTFLinkage: Equatable, Sendable {
    case `static`, global, extern
    case other(UInt32)

    init(raw: UInt32) {
        switch raw {
        case 0: self = .static
        case 1: self = .global
        case 2: self = .extern
        default: self = .other(raw)
        }
    }
}

/// One type of a BTF, decoded.
public struct BTFType: Equatable, Sendable {
    public enum Details: Equatable, Sendable {
        /// Type id 0, and BTF_KIND_UNKN.
        case void
        case int(BTFInt)
        case ptr(to: UInt32)
        case array(BTFArray)
        case `struct`(size: Int, members: [BTFMember])
        case union(size: Int, members: [BTFMember])
        case `enum`(size: Int, signed: Bool, values: [BTFEnumerator])
        case fwd(union: Bool)
        case typedef(UInt32)
        case volatile(UInt32)
        case const(UInt32)
        case restrict(UInt32)
        case function(proto: UInt32, linkage: BTFLinkage)
        /// `params` ends with `BTFParam(name: "", type: 0)` for a variadic function.
        case functionProto(returns: UInt32, params: [BTFParam])
        case variable(type: UInt32, linkage: BTFLinkage)
        case datasec(size: Int, variables: [BTFVarSecInfo])
        case float(size: Int)
        /// `componentIndex` is -1 when the tag is on the type (or variable,
        /// function) itself, else the member or parameter index.
        case declTag(target: UInt32, componentIndex: Int32)
        case typeTag(UInt32)
        case enum64(size: Int, signed: Bool, values: [BTFEnumerator])
    }

    public var id: UInt32
    public var kind: BTFKind
    /// Empty for anonymous types ("(anon)" in bpftool).
    public var name: String
    /// The raw kind_flag bit: bitfield layout for STRUCT/UNION, signedness
    /// for ENUM/ENUM64, union for FWD, attribute-style tag for
    /// DECL_TAG/TYPE_TAG.
    public var kindFlag: Bool
    public var details: Details

    public init(id: UInt32, kind: BTFKind, name: String, kindFlag: Bool, details: Details) {
        self.id = id
        self.kind = kind
        self.name = name
        self.kindFlag = kindFlag
        self.details = details
    }

    /// The type this one refers to, for PTR, TYPEDEF, VOLATILE, CONST,
    /// RESTRICT, TYPE_TAG, FUNC, VAR and DECL_TAG.
    public var referencedType: UInt32? {
        switch details {
        case .ptr(let t), .typedef(let t), .volatile(let t), .const(let t), .restrict(let t), .typeTag(let t):
            t
        case .function(let t, _), .variable(let t, _), .declTag(let t, _):
            t
        default:
            nil
        }
    }

    /// Members of a STRUCT or UNION, else empty.
    public var members: [BTFMember] {
        switch details {
        case .struct(_, let members), .union(_, let members): members
        default: []
        }
    }
}

/// A parsed BTF blob: standalone, or split on a base (module BTF on vmlinux).
public struct BTF: Sendable {
    /// One blob: the base first, then at most a chain of split BTFs on it.
    struct Layer: Sendable {
        let bytes: [UInt8]
        /// Byte offset of each type's `struct btf_type`, for ids firstID….
        let offsets: [UInt32]
        let firstID: UInt32
        let strStart: Int
        let strLen: Int
        /// String offsets below this belong to earlier layers.
        let firstString: Int

        var endID: UInt32 { firstID + UInt32(offsets.count) }
        var endString: Int { firstString + strLen }
    }

    private let layers: [Layer]

    /// The kernel's id of this BTF object, when it came from `load(id:)`.
    public private(set) var id: UInt32?
    /// The object's name ("vmlinux", a module's name; empty for program BTF).
    public private(set) var objectName: String = ""
    /// Whether the kernel provides it (vmlinux, a module) rather than a loader.
    public private(set) var isKernel = false

    /// Parses a raw BTF blob. With `base`, the blob is split BTF: its type
    /// ids continue after the base's last id and its string offsets after the
    /// base's strings.
    public init(data: [UInt8], base: BTF? = nil) throws(BPFError) {
        let below = base?.layers ?? []
        let layer = try Self.parse(data, after: below.last)
        layers = below + [layer]
    }

    private init(layers: [Layer]) {
        self.layers = layers
    }

    /// Number of types, not counting void: valid ids are 0 (void) … count.
    public var count: Int { Int(layers.last!.endID) - 1 }

    /// The first id of the split part (1 for standalone BTF).
    public var firstID: UInt32 { layers.last!.firstID }

    /// The base this BTF is split on.
    public var base: BTF? {
        layers.count > 1 ? BTF(layers: Array(layers.dropLast())) : nil
    }

    // MARK: - Loading

    /// Reads BTF object `id` from the kernel (`BPF_BTF_GET_FD_BY_ID`, then
    /// `BPF_OBJ_GET_INFO_BY_FD` with `struct bpf_btf_info`). Module BTF is
    /// split on vmlinux: it is parsed on `base`, or on `vmlinux()` when no
    /// base is given. Program and map BTF is standalone.
    public static func load(id: UInt32, base: BTF? = nil) throws(BPFError) -> BTF {
        let fd = try BPFObjectKind.btf.open(id)
        let raw = fd.raw
        let first = try KernelInfo.get(raw, bpf_btf_info(), "get info of BTF", "id \(id)")
        let size = Int(first.value.btf_size)
        guard size > 0 else { throw BPFError("read BTF", "id \(id)", errno: ENODATA) }
        // name and kernel_btf came in 5.11: asking an older kernel for the
        // name (a non-zero field past its struct) would fail with E2BIG.
        let hasName = first.field(\.name_len) != nil
        var name = [CChar](repeating: 0, count: 128)
        // withUnsafeMutableBufferPointer rethrows untyped errors: carry a Result out.
        let second: KernelInfo<bpf_btf_info>
        var data: [UInt8]
        (second, data) = try name.withUnsafeMutableBufferPointer { namePtr in
            Result { () throws(BPFError) in
                try KernelInfo.get(raw, bpf_btf_info(), filling: size, of: UInt8.self, "read BTF", "id \(id)") { request, address, count in
                    request.btf = address
                    request.btf_size = count
                    if hasName {
                        request.name = UInt64(UInt(bitPattern: namePtr.baseAddress))
                        request.name_len = UInt32(namePtr.count)
                    }
                }
            }
        }.get()
        let info = second.value
        if Int(info.btf_size) < size { data.removeLast(size - Int(info.btf_size)) }
        let objectName = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let isKernel = (second.field(\.kernel_btf) ?? 0) != 0
        var splitBase: BTF?
        if isKernel && objectName != "vmlinux" {
            if let base { splitBase = base } else { splitBase = try vmlinux() }
        }
        var btf: BTF
        do {
            btf = try BTF(data: data, base: splitBase)
        } catch {
            throw BPFError(error.operation, "id \(id): \(error.subject)", errno: error.errno)
        }
        btf.id = id
        btf.objectName = objectName
        btf.isKernel = isKernel
        return btf
    }

    /// The running kernel's BTF, from /sys/kernel/btf/vmlinux.
    public static func vmlinux(path: String = "/sys/kernel/btf/vmlinux") throws(BPFError) -> BTF {
        let data = try readWholeFile(path)
        var btf: BTF
        do {
            btf = try BTF(data: data)
        } catch {
            throw BPFError(error.operation, "\(path): \(error.subject)", errno: error.errno)
        }
        btf.objectName = "vmlinux"
        btf.isKernel = true
        return btf
    }

    private static func readWholeFile(_ path: String) throws(BPFError) -> [UInt8] {
        let fd = try OwnedFD.open(path, flags: O_RDONLY, operation: "read BTF")
        var st = stat()
        try check("stat", path) { fstat(fd.raw, &st) }
        var data: [UInt8] = []
        var capacity = max(Int(st.st_size), 0) + 1
        data.reserveCapacity(capacity)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let raw = fd.raw
            let n = try check("read BTF", path) {
                chunk.withUnsafeMutableBytes { Int32(truncatingIfNeeded: read(raw, $0.baseAddress, $0.count)) }
            }
            if n == 0 { break }
            if data.count + Int(n) > capacity {
                capacity *= 2
                data.reserveCapacity(capacity)
            }
            data.append(contentsOf: chunk[0..<Int(n)])
        }
        return data
    }

    // MARK: - Parsing

    private static func invalid(_ what: String) -> BPFError {
        BPFError("parse BTF", what, errno: EINVAL)
    }

    /// Bytes of kind-specific data after `struct btf_type`, or nil for an
    /// unknown kind.
    @inline(__always)
    private static func extraBytes(kind: UInt32, vlen: Int) -> Int? {
        switch kind {
        case 1: 4                               // INT
        case 2, 7, 8, 9, 10, 11, 12, 16, 18: 0  // PTR FWD TYPEDEF VOLATILE CONST RESTRICT FUNC FLOAT TYPE_TAG
        case 3: 12                              // ARRAY
        case 4, 5: 12 * vlen                    // STRUCT UNION
        case 6: 8 * vlen                        // ENUM
        case 13: 8 * vlen                       // FUNC_PROTO
        case 14: 4                              // VAR
        case 15: 12 * vlen                      // DATASEC
        case 17: 4                              // DECL_TAG
        case 19: 12 * vlen                      // ENUM64
        default: nil
        }
    }

    private static func parse(_ data: [UInt8], after base: Layer?) throws(BPFError) -> Layer {
        let result: Result<Layer, BPFError> = data.withUnsafeBytes { raw in
            parse(raw, data: data, after: base)
        }
        return try result.get()
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, data: [UInt8], after base: Layer?) -> Result<Layer, BPFError> {
        let n = raw.count
        @inline(__always) func u32(_ at: Int) -> UInt32 { raw.loadUnaligned(fromByteOffset: at, as: UInt32.self) }

        guard n >= 24 else { return .failure(invalid("header (\(n) bytes, need 24)")) }
        let magic = raw.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
        guard magic == 0xEB9F else {
            return .failure(invalid(magic == 0x9FEB
                ? "header (BTF of the other byte order is not supported)"
                : "header (bad magic 0x\(String(magic, radix: 16)))"))
        }
        guard raw[2] == 1 else { return .failure(invalid("header (version \(raw[2]), expected 1)")) }
        let hdrLen = Int(u32(4))
        guard hdrLen >= 24, hdrLen <= n else {
            return .failure(invalid("header (header length \(hdrLen) of \(n) bytes)"))
        }
        let typeStart = hdrLen + Int(u32(8)), typeEnd = typeStart + Int(u32(12))
        let strStart = hdrLen + Int(u32(16)), strLen = Int(u32(20)), strEnd = strStart + strLen
        guard typeEnd <= n else {
            return .failure(invalid("type section (\(typeStart)..<\(typeEnd) past the end, \(n) bytes)"))
        }
        guard strEnd <= n else {
            return .failure(invalid("string section (\(strStart)..<\(strEnd) past the end, \(n) bytes)"))
        }
        if base == nil {
            guard strLen > 0, raw[strStart] == 0 else {
                return .failure(invalid("string section (does not start with an empty string)"))
            }
        }
        if strLen > 0, raw[strEnd - 1] != 0 {
            return .failure(invalid("string section (last string is not NUL-terminated)"))
        }
        let firstString = base?.endString ?? 0
        let endString = firstString + strLen
        guard endString <= Int(UInt32.max) else { return .failure(invalid("string section (too large)")) }
        let firstID = base?.endID ?? 1

        var offsets: [UInt32] = []
        offsets.reserveCapacity((typeEnd - typeStart) / 20)
        var maxRef: UInt32 = 0
        var refAt = 0
        var p = typeStart
        while p < typeEnd {
            let id = Int(firstID) + offsets.count
            guard p + 12 <= typeEnd else { return .failure(invalid("type [\(id)] (truncated)")) }
            let nameOff = u32(p), info = u32(p + 4), sizeType = u32(p + 8)
            let kind = (info >> 24) & 0x1f
            let vlen = Int(info & 0xffff)
            let kflag = info >> 31 != 0
            guard let extra = extraBytes(kind: kind, vlen: vlen) else {
                return .failure(invalid("type [\(id)] (unknown kind \(kind))"))
            }
            let d = p + 12
            guard d + extra <= typeEnd else {
                return .failure(invalid("type [\(id)] (\(BTFKind(rawValue: UInt8(kind))!) data runs past the type section)"))
            }
            guard Int(nameOff) < endString else {
                return .failure(invalid("type [\(id)] (name offset \(nameOff) past the strings)"))
            }
            @inline(__always) func ref(_ t: UInt32) {
                if t > maxRef { maxRef = t; refAt = id }
            }
            switch kind {
            case 1: // INT
                let v = u32(d)
                let bits = Int(v & 0xff), offset = Int((v >> 16) & 0xff), encoding = (v >> 24) & 0x0f
                guard [1, 2, 4, 8, 16].contains(sizeType), bits > 0, bits <= 128,
                      offset + bits <= Int(sizeType) * 8 else {
                    return .failure(invalid("type [\(id)] (INT of size \(sizeType) with \(bits) bits at \(offset))"))
                }
                guard encoding == 0 || encoding == 1 || encoding == 2 || encoding == 4 else {
                    return .failure(invalid("type [\(id)] (INT encoding \(encoding))"))
                }
            case 2, 8, 9, 10, 11, 12, 14, 18: // PTR TYPEDEF VOLATILE CONST RESTRICT FUNC VAR TYPE_TAG
                ref(sizeType)
            case 17: // DECL_TAG
                ref(sizeType)
                guard Int32(bitPattern: u32(d)) >= -1 else {
                    return .failure(invalid("type [\(id)] (DECL_TAG component index \(Int32(bitPattern: u32(d))))"))
                }
            case 3: // ARRAY
                ref(u32(d))
                ref(u32(d + 4))
            case 4, 5: // STRUCT UNION
                var m = d
                for _ in 0..<vlen {
                    guard Int(u32(m)) < endString else {
                        return .failure(invalid("type [\(id)] (member name offset \(u32(m)) past the strings)"))
                    }
                    ref(u32(m + 4))
                    if kflag, u32(m + 8) >> 24 > 128 {
                        return .failure(invalid("type [\(id)] (bitfield of \(u32(m + 8) >> 24) bits)"))
                    }
                    m += 12
                }
            case 6, 19: // ENUM ENUM64
                let step = kind == 6 ? 8 : 12
                var m = d
                for _ in 0..<vlen {
                    guard Int(u32(m)) < endString else {
                        return .failure(invalid("type [\(id)] (enumerator name offset \(u32(m)) past the strings)"))
                    }
                    m += step
                }
            case 13: // FUNC_PROTO
                ref(sizeType)
                var m = d
                for _ in 0..<vlen {
                    guard Int(u32(m)) < endString else {
                        return .failure(invalid("type [\(id)] (parameter name offset \(u32(m)) past the strings)"))
                    }
                    ref(u32(m + 4))
                    m += 8
                }
            case 15: // DATASEC
                var m = d
                for _ in 0..<vlen {
                    ref(u32(m))
                    m += 12
                }
            default: // FWD FLOAT
                break
            }
            offsets.append(UInt32(truncatingIfNeeded: p))
            p = d + extra
        }
        let endID = UInt64(firstID) + UInt64(offsets.count)
        guard endID <= UInt64(Int32.max) else {
            return .failure(invalid("type section (type count overflows)"))
        }
        guard UInt64(maxRef) < endID else {
            return .failure(invalid("type [\(refAt)] (refers to type \(maxRef), the last is \(endID - 1))"))
        }
        return .success(Layer(bytes: data, offsets: offsets, firstID: firstID,
                              strStart: strStart, strLen: strLen, firstString: firstString))
    }

    // MARK: - Raw access

    /// Where type `id`'s `struct btf_type` is: the layer and byte offset.
    @inline(__always)
    private func locate(_ id: UInt32) -> (layer: Int, offset: Int)? {
        var l = layers.count - 1
        while l >= 0 {
            let layer = layers[l]
            if id >= layer.firstID {
                let index = Int(id - layer.firstID)
                return index < layer.offsets.count ? (l, Int(layer.offsets[index])) : nil
            }
            l -= 1
        }
        return nil
    }

    @inline(__always)
    private func u32(_ layer: Int, _ at: Int) -> UInt32 {
        layers[layer].bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
    }

    /// The fixed part of a type: (name_off, info, size/type).
    private struct Header {
        let layer: Int
        let offset: Int
        let nameOff: UInt32
        let info: UInt32
        let sizeType: UInt32
        var kind: BTFKind { BTFKind(rawValue: UInt8((info >> 24) & 0x1f)) ?? .unknown }
        var vlen: Int { Int(info & 0xffff) }
        var kindFlag: Bool { info >> 31 != 0 }
        var data: Int { offset + 12 }
    }

    private func header(_ id: UInt32) -> Header? {
        guard id != 0, let (l, o) = locate(id) else { return nil }
        return layers[l].bytes.withUnsafeBytes { raw in
            Header(layer: l, offset: o,
                   nameOff: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self),
                   info: raw.loadUnaligned(fromByteOffset: o + 4, as: UInt32.self),
                   sizeType: raw.loadUnaligned(fromByteOffset: o + 8, as: UInt32.self))
        }
    }

    /// The string at `offset` in the string sections ("" when out of range).
    public func string(at offset: UInt32) -> String {
        let off = Int(offset)
        for layer in layers.reversed() where off >= layer.firstString {
            guard off < layer.endString else { return "" }
            return layer.bytes.withUnsafeBytes { raw in
                let start = layer.strStart + off - layer.firstString
                let end = layer.strStart + layer.strLen
                var i = start
                while i < end, raw[i] != 0 { i += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<i]), as: UTF8.self)
            }
        }
        return ""
    }

    /// Whether the string at `offset` is exactly `name` (without decoding it).
    private func string(at offset: UInt32, equals name: UnsafeBufferPointer<UInt8>) -> Bool {
        let off = Int(offset)
        for layer in layers.reversed() where off >= layer.firstString {
            guard off < layer.endString else { return false }
            let start = layer.strStart + off - layer.firstString
            guard start + name.count < layer.strStart + layer.strLen else { return false }
            return layer.bytes.withUnsafeBytes { raw in
                raw[start + name.count] == 0
                    && (name.isEmpty || memcmp(raw.baseAddress! + start, name.baseAddress!, name.count) == 0)
            }
        }
        return false
    }

    // MARK: - Types

    /// Kind of type `id` (`.unknown` for void and ids out of range).
    public func kind(_ id: UInt32) -> BTFKind {
        header(id)?.kind ?? .unknown
    }

    /// Name of type `id`; empty for anonymous types, void and bad ids.
    public func name(_ id: UInt32) -> String {
        guard let h = header(id) else { return "" }
        return string(at: h.nameOff)
    }

    /// Type `id` decoded; id 0 is void; nil past the last id.
    public func type(_ id: UInt32) -> BTFType? {
        if id == 0 { return BTFType(id: 0, kind: .unknown, name: "", kindFlag: false, details: .void) }
        guard let h = header(id) else { return nil }
        let l = h.layer, d = h.data
        let details: BTFType.Details
        switch h.kind {
        case .unknown:
            details = .void
        case .int:
            let v = u32(l, d)
            details = .int(BTFInt(size: Int(h.sizeType), encoding: .init(rawValue: UInt8((v >> 24) & 0x0f)),
                                  bitOffset: Int((v >> 16) & 0xff), bits: Int(v & 0xff)))
        case .ptr:
            details = .ptr(to: h.sizeType)
        case .array:
            details = .array(BTFArray(element: u32(l, d), index: u32(l, d + 4), count: u32(l, d + 8)))
        case .struct, .union:
            var members: [BTFMember] = []
            members.reserveCapacity(h.vlen)
            for i in 0..<h.vlen {
                let m = d + 12 * i
                let offset = u32(l, m + 8)
                members.append(BTFMember(
                    name: string(at: u32(l, m)), type: u32(l, m + 4),
                    bitOffset: Int(h.kindFlag ? offset & 0xff_ffff : offset),
                    bitfieldSize: h.kindFlag ? Int(offset >> 24) : 0))
            }
            details = h.kind == .struct ? .struct(size: Int(h.sizeType), members: members)
                : .union(size: Int(h.sizeType), members: members)
        case .enum:
            var values: [BTFEnumerator] = []
            values.reserveCapacity(h.vlen)
            for i in 0..<h.vlen {
                let m = d + 8 * i
                let raw = u32(l, m + 4)
                values.append(BTFEnumerator(
                    name: string(at: u32(l, m)),
                    value: h.kindFlag ? Int64(Int32(bitPattern: raw)) : Int64(raw)))
            }
            details = .enum(size: Int(h.sizeType), signed: h.kindFlag, values: values)
        case .enum64:
            var values: [BTFEnumerator] = []
            values.reserveCapacity(h.vlen)
            for i in 0..<h.vlen {
                let m = d + 12 * i
                let bits = UInt64(u32(l, m + 4)) | UInt64(u32(l, m + 8)) << 32
                values.append(BTFEnumerator(name: string(at: u32(l, m)), value: Int64(bitPattern: bits)))
            }
            details = .enum64(size: Int(h.sizeType), signed: h.kindFlag, values: values)
        case .fwd:
            details = .fwd(union: h.kindFlag)
        case .typedef:
            details = .typedef(h.sizeType)
        case .volatile:
            details = .volatile(h.sizeType)
        case .const:
            details = .const(h.sizeType)
        case .restrict:
            details = .restrict(h.sizeType)
        case .function:
            details = .function(proto: h.sizeType, linkage: BTFLinkage(raw: UInt32(h.vlen)))
        case .functionProto:
            var params: [BTFParam] = []
            params.reserveCapacity(h.vlen)
            for i in 0..<h.vlen {
                let m = d + 8 * i
                params.append(BTFParam(name: string(at: u32(l, m)), type: u32(l, m + 4)))
            }
            details = .functionProto(returns: h.sizeType, params: params)
        case .variable:
            details = .variable(type: h.sizeType, linkage: BTFLinkage(raw: u32(l, d)))
        case .datasec:
            var variables: [BTFVarSecInfo] = []
            variables.reserveCapacity(h.vlen)
            for i in 0..<h.vlen {
                let m = d + 12 * i
                variables.append(BTFVarSecInfo(type: u32(l, m), offset: Int(u32(l, m + 4)), size: Int(u32(l, m + 8))))
            }
            details = .datasec(size: Int(h.sizeType), variables: variables)
        case .float:
            details = .float(size: Int(h.sizeType))
        case .declTag:
            details = .declTag(target: h.sizeType, componentIndex: Int32(bitPattern: u32(l, d)))
        case .typeTag:
            details = .typeTag(h.sizeType)
        }
        return BTFType(id: id, kind: h.kind, name: string(at: h.nameOff), kindFlag: h.kindFlag, details: details)
    }

    /// The deepest chain of references followed (libbpf's MAX_RESOLVE_DEPTH).
    static let maxDepth = 32

    private static func isModifier(_ kind: BTFKind) -> Bool {
        switch kind {
        case .typedef, .volatile, .const, .restrict, .typeTag: true
        default: false
        }
    }

    /// Follows typedef, const, volatile, restrict and type_tag to the
    /// underlying type. A chain longer than 32 (a cycle) stops where it is.
    public func resolve(_ id: UInt32) -> UInt32 {
        var id = id
        for _ in 0..<Self.maxDepth {
            guard let h = header(id), Self.isModifier(h.kind) else { return id }
            id = h.sizeType
        }
        return id
    }

    /// Size in bytes of a value of type `id` (libbpf's btf__resolve_size):
    /// nil for void, functions, forward declarations and malformed chains.
    public func size(_ id: UInt32) -> Int? {
        var id = id
        var multiplier = 1
        for _ in 0..<Self.maxDepth {
            guard let h = header(id) else { return nil }
            switch h.kind {
            case .int, .enum, .enum64, .struct, .union, .datasec, .float:
                let (total, overflow) = multiplier.multipliedReportingOverflow(by: Int(h.sizeType))
                return overflow ? nil : total
            case .ptr:
                let (total, overflow) = multiplier.multipliedReportingOverflow(by: 8)
                return overflow ? nil : total
            case .typedef, .volatile, .const, .restrict, .typeTag, .variable, .declTag:
                id = h.sizeType
            case .array:
                let (m, overflow) = multiplier.multipliedReportingOverflow(by: Int(u32(h.layer, h.data + 8)))
                guard !overflow else { return nil }
                multiplier = m
                id = u32(h.layer, h.data)
            case .unknown, .fwd, .function, .functionProto:
                return nil
            }
        }
        return nil
    }

    /// The first type named `name`, of `kind` when given. Anonymous types
    /// are never found.
    public func find(named name: String, kind: BTFKind? = nil) -> UInt32? {
        guard !name.isEmpty else { return nil }
        var name = name
        return name.withUTF8 { utf8 -> UInt32? in
            for (l, layer) in layers.enumerated() {
                for (index, offset) in layer.offsets.enumerated() {
                    let o = Int(offset)
                    if let kind {
                        let info = u32(l, o + 4)
                        guard UInt8((info >> 24) & 0x1f) == kind.rawValue else { continue }
                    }
                    let nameOff = u32(l, o)
                    if nameOff != 0, string(at: nameOff, equals: utf8) {
                        return layer.firstID + UInt32(index)
                    }
                }
            }
            return nil
        }
    }

    /// A C-like spelling of type `id`: "struct foo", "char[16]", "u32 *",
    /// "enum color", "const char *", "int (*)(void *, long)".
    public func describe(_ id: UInt32) -> String {
        describe(id, depth: 0)
    }

    private func describe(_ id: UInt32, depth: Int) -> String {
        if id == 0 { return "void" }
        guard depth < Self.maxDepth, let h = header(id) else { return "?" }
        let name = string(at: h.nameOff)
        func tagged(_ keyword: String) -> String { "\(keyword) \(name.isEmpty ? "(anon)" : name)" }
        switch h.kind {
        case .unknown:
            return "void"
        case .int, .float, .typedef:
            return name
        case .struct:
            return tagged("struct")
        case .union:
            return tagged("union")
        case .enum, .enum64:
            return tagged("enum")
        case .fwd:
            return tagged(h.kindFlag ? "union" : "struct")
        case .ptr:
            if let target = header(h.sizeType), target.kind == .functionProto {
                return prototype(h.sizeType, name: "(*)", depth: depth + 1)
            }
            let inner = describe(h.sizeType, depth: depth + 1)
            return inner.hasSuffix("*") ? inner + "*" : inner + " *"
        case .array:
            var dims = ""
            var element = id
            var steps = 0
            while steps < Self.maxDepth, let a = header(element), a.kind == .array {
                dims += "[\(u32(a.layer, a.data + 8))]"
                element = u32(a.layer, a.data)
                steps += 1
            }
            return describe(element, depth: depth + 1) + dims
        case .const, .volatile, .restrict:
            let qualifier = h.kind == .const ? "const" : h.kind == .volatile ? "volatile" : "restrict"
            let inner = describe(h.sizeType, depth: depth + 1)
            if kind(resolve(h.sizeType)) == .ptr || h.kind == .restrict {
                return "\(inner) \(qualifier)"
            }
            return "\(qualifier) \(inner)"
        case .typeTag:
            let inner = describe(h.sizeType, depth: depth + 1)
            return "\(inner) __\(name)"
        case .function:
            return prototype(h.sizeType, name: name, depth: depth + 1)
        case .functionProto:
            return prototype(id, name: "", depth: depth + 1)
        case .variable:
            return "\(describe(h.sizeType, depth: depth + 1)) \(name)"
        case .datasec:
            return "datasec \(name)"
        case .declTag:
            return "\(describe(h.sizeType, depth: depth + 1)) __attribute__((btf_decl_tag(\"\(name)\")))"
        }
    }

    /// "ret name(params)" for a FUNC_PROTO.
    private func prototype(_ id: UInt32, name: String, depth: Int) -> String {
        guard depth < Self.maxDepth, let h = header(id), h.kind == .functionProto else { return "?" }
        var params: [String] = []
        for i in 0..<h.vlen {
            let m = h.data + 8 * i
            let paramName = string(at: u32(h.layer, m))
            let paramType = u32(h.layer, m + 4)
            if paramType == 0 && paramName.isEmpty && i == h.vlen - 1 {
                params.append("...")
            } else {
                let spelled = describe(paramType, depth: depth + 1)
                params.append(paramName.isEmpty ? spelled : spelled + (spelled.hasSuffix("*") ? "" : " ") + paramName)
            }
        }
        let returns = describe(h.sizeType, depth: depth + 1)
        let list = params.isEmpty ? "void" : params.joined(separator: ", ")
        return name.isEmpty ? "\(returns) (\(list))" : "\(returns) \(name)(\(list))"
    }
}

import CLibBPF

/// The types a BTF blob holds, as `BTF.type(_:)` returns them.

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
        public static let signed = Encoding(rawValue: UInt8(BTF_INT_SIGNED))
        public static let char = Encoding(rawValue: UInt8(BTF_INT_CHAR))
        public static let bool = Encoding(rawValue: UInt8(BTF_INT_BOOL))
        /// The encodings the kernel accepts, one at a time.
        static let known: [UInt8] = [signed.rawValue, char.rawValue, bool.rawValue]
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
        case BTF_FUNC_STATIC.rawValue: self = .static
        case BTF_FUNC_GLOBAL.rawValue: self = .global
        case BTF_FUNC_EXTERN.rawValue: self = .extern
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

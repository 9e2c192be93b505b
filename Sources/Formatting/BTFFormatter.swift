import BPFKit

/// A value read through BTF: what bpftool prints as a map entry's
/// `formatted` key or value.
public indirect enum BTFValue: Equatable, Sendable {
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case float(Double)
    case string(String)
    /// Bitfields and integers over 64 bits, as bpftool prints them: "0x…".
    case hexString(String)
    case enumerator(String)
    case array([BTFValue])
    /// Members in declaration order.
    case object([(String, BTFValue)])
    /// Bytes that could not be formatted (unsupported kind, short data).
    case raw([UInt8])

    public static func == (lhs: BTFValue, rhs: BTFValue) -> Bool {
        switch (lhs, rhs) {
        case let (.int(a), .int(b)): a == b
        case let (.uint(a), .uint(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case let (.float(a), .float(b)): a == b || (a.isNaN && b.isNaN)
        case let (.string(a), .string(b)): a == b
        case let (.hexString(a), .hexString(b)): a == b
        case let (.enumerator(a), .enumerator(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.raw(a), .raw(b)): a == b
        default: false
        }
    }
}

/// Formats bytes as values of a BTF type, following bpftool's btf_dumper
/// (tools/bpf/bpftool/btf_dumper.c), which `bpftool map dump` uses for its
/// `formatted` field.
///
/// `.bpftool` (the default) reproduces bpftool's output, quirks included:
/// - integers as numbers, signed or not by encoding; `_Bool` as true/false;
///   a CHAR-encoded int as a one-character string;
/// - bitfields, integers whose width is not 8/16/32/64 and 128-bit integers
///   as hex strings ("0x5"), never sign-extended;
/// - a char array (element `char` or CHAR-encoded, const/volatile skipped
///   but not typedefs) as a string when a NUL ends printable ASCII within
///   it, else as an array of numbers;
/// - enums by enumerator name; an enum value with no enumerator as a number
///   read sign-extended from the enum's size, whatever its signedness;
/// - pointers as unsigned numbers;
/// - typedef/const/volatile/restrict/type_tag resolved;
/// - anonymous struct/union members under the key "";
/// - a DATASEC (the value of .data/.bss/.rodata maps) as
///   `{"<section>": [{"<var>": value}, …]}`.
///
/// Differences from bpftool, where bpftool cannot produce valid JSON: floats
/// (which bpftool 7.x prints as a broken "(unsupported-kind", dropping the
/// rest of the struct) are numbers; a member that cannot be formatted
/// becomes `.raw` and the members after it are still formatted.
///
/// `.typed` is the same except for what a typed reader wants: bitfields and
/// odd-width integers as numbers (sign-extended when signed, enum names and
/// bools by their type), enum values with no enumerator by the enum's
/// signedness, anonymous struct/union members inlined into their parent,
/// "signed char"/"unsigned char" arrays read as strings too, and a DATASEC
/// as one object of variable name → value.
public enum BTFFormatter {
    public enum Style: Sendable {
        case bpftool
        case typed
    }

    public static func format(_ bytes: [UInt8], type: UInt32, btf: BTF, style: Style = .bpftool) -> BTFValue {
        Walker(btf: btf, bytes: bytes, style: style).value(type, at: 0, bitOffset: 0, depth: 0)
    }

    public static func format(_ bytes: UnsafeRawBufferPointer, type: UInt32, btf: BTF, style: Style = .bpftool) -> BTFValue {
        format(Array(bytes), type: type, btf: btf, style: style)
    }

    // MARK: - JSON

    /// Compact JSON, as `bpftool -j` writes it: `{"a":1,"b":[1,2]}`.
    /// Strings are escaped (control characters, and non-ASCII as \uXXXX so
    /// the text is ASCII); non-finite floats are the strings "nan", "inf",
    /// "-inf"; `.raw` bytes are an array of "0x12" strings like bpftool's
    /// hex dumps.
    public static func json(_ value: BTFValue) -> String {
        var out = ""
        writeJSON(value, to: &out)
        return out
    }

    private static func writeJSON(_ value: BTFValue, to out: inout String) {
        switch value {
        case .int(let v):
            out += String(v)
        case .uint(let v):
            out += String(v)
        case .bool(let v):
            out += v ? "true" : "false"
        case .float(let v):
            if v.isNaN {
                out += "\"nan\""
            } else if v.isInfinite {
                out += v < 0 ? "\"-inf\"" : "\"inf\""
            } else {
                out += String(describing: v)
            }
        case .string(let s), .hexString(let s), .enumerator(let s):
            writeJSONString(s, to: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                writeJSON(item, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (name, item)) in members.enumerated() {
                if i > 0 { out += "," }
                writeJSONString(name, to: &out)
                out += ":"
                writeJSON(item, to: &out)
            }
            out += "}"
        case .raw(let bytes):
            out += "["
            for (i, byte) in bytes.enumerated() {
                if i > 0 { out += "," }
                out += "\"0x"
                out += hexDigits(UInt64(byte), width: 2)
                out += "\""
            }
            out += "]"
        }
    }

    public static func writeJSONString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                let v = scalar.value
                if v >= 0x20 && v < 0x7f {
                    out.unicodeScalars.append(scalar)
                } else if v <= 0xffff {
                    out += "\\u" + hexDigits(UInt64(v), width: 4)
                } else {
                    let u = v - 0x10000
                    out += "\\u" + hexDigits(UInt64(0xd800 + (u >> 10)), width: 4)
                    out += "\\u" + hexDigits(UInt64(0xdc00 + (u & 0x3ff)), width: 4)
                }
            }
        }
        out += "\""
    }

    static func hexDigits(_ v: UInt64, width: Int) -> String {
        let digits = String(v, radix: 16)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// bpftool's btf_int128_print: "0x<upper, no padding><lower, 16 digits>",
    /// or "0x<lower>" when the upper half is zero.
    static func hex128(_ v: UInt128) -> String {
        let upper = UInt64(truncatingIfNeeded: v >> 64), lower = UInt64(truncatingIfNeeded: v)
        if upper == 0 { return "0x" + String(lower, radix: 16) }
        return "0x" + String(upper, radix: 16) + hexDigits(lower, width: 16)
    }
}

/// One formatting pass: the bytes, the style and a cache of decoded types.
private final class Walker {
    let btf: BTF
    let bytes: [UInt8]
    let style: BTFFormatter.Style
    private var types: [UInt32: BTFType] = [:]

    /// Deepest nesting followed; deeper (or cyclic) types become `.raw`.
    static let maxDepth = 64
    /// Elements of a zero-size type an array may list.
    static let maxEmptyElements = 4096
    /// Values one pass may produce: about one per bit of the value (every
    /// real value but zero-size members consumes bytes), so that a
    /// malformed type that nests arrays of empty structs many times over
    /// costs what the value's size allows, not 4096^depth. Past it, `.raw`.
    private var budget: Int

    init(btf: BTF, bytes: [UInt8], style: BTFFormatter.Style) {
        self.btf = btf
        self.bytes = bytes
        self.style = style
        budget = min(1 << 20, 1024 + 8 * bytes.count)
    }

    func type(_ id: UInt32) -> BTFType? {
        if let t = types[id] { return t }
        let t = btf.type(id)
        types[id] = t
        return t
    }

    /// The bytes from `at` on, at most `count` of them (what cannot be formatted).
    func rest(_ at: Int, _ count: Int? = nil) -> BTFValue {
        guard at >= 0, at < bytes.count else { return .raw([]) }
        let end = count.map { min(bytes.count, at + max($0, 0)) } ?? bytes.count
        return .raw(Array(bytes[at..<end]))
    }

    /// `count` (≤ 8) bytes at `at`, little-endian, zero-extended.
    func read(_ at: Int, _ count: Int) -> UInt64? {
        guard at >= 0, count >= 0, count <= 8, at + count <= bytes.count else { return nil }
        var v: UInt64 = 0
        for i in 0..<count { v |= UInt64(bytes[at + i]) << (8 * i) }
        return v
    }

    /// `bits` (≤ 128) bits starting `bitOffset` (0…7) bits into byte `at`.
    func readBits(_ at: Int, bitOffset: Int, bits: Int) -> UInt128? {
        let needed = (bitOffset + bits + 7) / 8
        guard bits > 0, bits <= 128, at >= 0, at + needed <= bytes.count else { return nil }
        var low: UInt128 = 0
        for i in 0..<min(needed, 16) { low |= UInt128(bytes[at + i]) << (8 * i) }
        var v = low >> bitOffset
        if needed > 16 { v |= UInt128(bytes[at + 16]) << (128 - bitOffset) }
        return bits == 128 ? v : v & ((1 << bits) - 1)
    }

    static func signExtend(_ v: UInt64, bits: Int) -> Int64 {
        guard bits > 0, bits < 64 else { return Int64(bitPattern: v) }
        let shift = UInt64(64 - bits)
        return Int64(bitPattern: v << shift) >> Int64(shift)
    }

    // MARK: - Values

    func value(_ id: UInt32, at: Int, bitOffset: Int, depth: Int) -> BTFValue {
        budget -= 1
        guard depth < Self.maxDepth, budget > 0, let t = type(id) else { return rest(at, btf.size(id) ?? 0) }
        switch t.details {
        case .void, .fwd, .function, .functionProto, .declTag:
            // bpftool: "(unknown)", "(fwd-kind-invalid)", "(unsupported-kind".
            return rest(at, btf.size(id) ?? 0)
        case .int(let int):
            return integer(int, at: at, bitOffset: bitOffset)
        case .ptr:
            guard let v = read(at, 8) else { return rest(at, 8) }
            return .uint(v)
        case .array(let array):
            return self.array(array, at: at, depth: depth)
        case .struct(_, let members), .union(_, let members):
            // A sized struct without members holds bytes no type describes:
            // libbpf loads a float as one on kernels without BTF floats
            // (before 5.13). Shown as bytes, not as an empty {}.
            if members.isEmpty, let size = btf.size(id), size > 0 { return rest(at, size) }
            return structure(members, at: at, depth: depth)
        case .enum(let size, let signed, let values):
            return enumeration(size: size, signed: signed, values: values, is64: false, at: at)
        case .enum64(let size, let signed, let values):
            return enumeration(size: size, signed: signed, values: values, is64: true, at: at)
        case .typedef(let next), .volatile(let next), .const(let next), .restrict(let next), .typeTag(let next):
            return value(next, at: at, bitOffset: bitOffset, depth: depth + 1)
        case .variable(let next, _):
            return .object([(t.name, value(next, at: at, bitOffset: bitOffset, depth: depth + 1))])
        case .datasec(_, let variables):
            return datasec(t.name, variables, at: at, depth: depth)
        case .float(let size):
            return float(size: size, at: at)
        }
    }

    func integer(_ int: BTFInt, at: Int, bitOffset: Int) -> BTFValue {
        let bits = int.bits
        // btf_dumper_int: a bitfield, or an odd width, goes to int_bits.
        if bitOffset != 0 || int.bitOffset != 0 || bits % 8 != 0 {
            let total = bitOffset + int.bitOffset
            return bitfield(bits: bits, at: at + total / 8, bitOffset: total % 8, as: int)
        }
        if bits == 128 {
            guard let v = readBits(at, bitOffset: 0, bits: 128) else { return rest(at, 16) }
            return .hexString(BTFFormatter.hex128(v))
        }
        if int.encoding.contains(.char) {
            guard let v = read(at, 1) else { return rest(at, 1) }
            return .string(String(Character(Unicode.Scalar(UInt8(v)))))
        }
        if int.encoding.contains(.bool) {
            guard let v = read(at, 1) else { return rest(at, 1) }
            return .bool(v != 0)
        }
        guard [8, 16, 32, 64].contains(bits) else {
            return bitfield(bits: bits, at: at, bitOffset: 0, as: int)
        }
        guard let v = read(at, bits / 8) else { return rest(at, bits / 8) }
        return int.isSigned ? .int(Self.signExtend(v, bits: bits)) : .uint(v)
    }

    /// A bitfield of an integer type (`int` for its encoding). bpftool prints
    /// it as an unsigned hex string; `.typed` as a number.
    func bitfield(bits: Int, at: Int, bitOffset: Int, as int: BTFInt?) -> BTFValue {
        guard let v = readBits(at, bitOffset: bitOffset, bits: bits) else {
            return rest(at, (bitOffset + bits + 7) / 8)
        }
        guard style == .typed, bits <= 64 else { return .hexString(BTFFormatter.hex128(v)) }
        let low = UInt64(truncatingIfNeeded: v)
        if let int, int.encoding.contains(.bool) { return .bool(low != 0) }
        if let int, int.isSigned { return .int(Self.signExtend(low, bits: bits)) }
        return .uint(low)
    }

    /// A bitfield member (kind_flag set): bpftool prints every one as hex
    /// whatever its type; `.typed` reads it as its type says.
    func bitfieldMember(type id: UInt32, bits: Int, at: Int, bitOffset: Int) -> BTFValue {
        guard style == .typed, bits <= 64 else { return bitfield(bits: bits, at: at, bitOffset: bitOffset, as: nil) }
        let resolved = type(btf.resolve(id))
        switch resolved?.details {
        case .int(let int)?:
            return bitfield(bits: bits, at: at, bitOffset: bitOffset, as: int)
        case .enum(_, let signed, let values)?, .enum64(_, let signed, let values)?:
            guard let v = readBits(at, bitOffset: bitOffset, bits: bits) else {
                return rest(at, (bitOffset + bits + 7) / 8)
            }
            let low = UInt64(truncatingIfNeeded: v)
            let number = signed ? Self.signExtend(low, bits: bits) : Int64(bitPattern: low)
            if let match = values.first(where: { $0.value == number }) { return .enumerator(match.name) }
            return signed ? .int(number) : .uint(low)
        default:
            return bitfield(bits: bits, at: at, bitOffset: bitOffset, as: nil)
        }
    }

    func float(size: Int, at: Int) -> BTFValue {
        switch size {
        case 4:
            guard let v = read(at, 4) else { return rest(at, 4) }
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: v))
            // The float's shortest decimal, so 0.1f reads 0.1 rather than
            // 0.10000000149011612. Float(thatDouble) gives back f exactly.
            return .float(f.isFinite ? Double(String(describing: f)) ?? Double(f) : Double(f))
        case 8:
            guard let v = read(at, 8) else { return rest(at, 8) }
            return .float(Double(bitPattern: v))
        default:
            return rest(at, size)
        }
    }

    func enumeration(size: Int, signed: Bool, values: [BTFEnumerator], is64: Bool, at: Int) -> BTFValue {
        guard [1, 2, 4, 8].contains(size), let raw = read(at, size) else { return rest(at, size) }
        if style == .bpftool {
            if !is64 {
                // btf_dumper_enum: the value read sign-extended from its size,
                // compared with each enumerator's s32.
                let v = Self.signExtend(raw, bits: size * 8)
                if let match = values.first(where: { Int64(Int32(truncatingIfNeeded: $0.value)) == v }) {
                    return .enumerator(match.name)
                }
                return .int(v)
            }
            // btf_dumper_enum64: 64 bits compared, printed signed.
            if let match = values.first(where: { UInt64(bitPattern: $0.value) == raw }) {
                return .enumerator(match.name)
            }
            return .int(Int64(bitPattern: raw))
        }
        let v = signed ? Self.signExtend(raw, bits: size * 8) : Int64(bitPattern: raw)
        if let match = values.first(where: { $0.value == v }) { return .enumerator(match.name) }
        return signed ? .int(v) : .uint(raw)
    }

    /// Whether an array of `element` at `at` is a string, bpftool's
    /// is_str_array: a 1-byte char element, and a NUL after only
    /// printable ASCII within the array.
    func stringLength(_ array: BTFArray, at: Int) -> Int? {
        guard array.count > 0 else { return nil }
        // Qualifiers are skipped, typedefs are not: a typedef of char does
        // not make a string.
        var element = array.element
        var isChar = false
        for _ in 0..<Walker.maxDepth {
            guard let t = type(element) else { return nil }
            switch t.details {
            case .volatile(let next), .const(let next), .restrict(let next), .typeTag(let next):
                element = next
                continue
            case .int(let int):
                let named = style == .typed ? ["char", "signed char", "unsigned char"].contains(t.name) : t.name == "char"
                isChar = int.size == 1 && (int.encoding.contains(.char) || named)
            default:
                return nil
            }
            break
        }
        guard isChar else { return nil }
        guard at >= 0 else { return nil }
        let end = min(bytes.count, at + Int(array.count))
        var i = at
        while i < end {
            let b = bytes[i]
            if b == 0 { return i - at }
            if b <= 0x1f || b >= 0x7f { return nil }
            i += 1
        }
        return nil
    }

    func array(_ array: BTFArray, at: Int, depth: Int) -> BTFValue {
        if let length = stringLength(array, at: at) {
            return .string(String(decoding: bytes[at..<(at + length)], as: UTF8.self))
        }
        guard let elementSize = btf.size(array.element) else { return rest(at, btf.size(array.element) ?? 0) }
        let count = Int(array.count)
        let (total, overflow) = elementSize.multipliedReportingOverflow(by: count)
        guard !overflow, at >= 0, at + total <= bytes.count,
              elementSize > 0 || count <= Self.maxEmptyElements else {
            return rest(at, overflow ? nil : total)
        }
        var items: [BTFValue] = []
        items.reserveCapacity(count)
        for i in 0..<count {
            items.append(value(array.element, at: at + i * elementSize, bitOffset: 0, depth: depth + 1))
        }
        return .array(items)
    }

    func structure(_ members: [BTFMember], at: Int, depth: Int) -> BTFValue {
        var pairs: [(String, BTFValue)] = []
        pairs.reserveCapacity(members.count)
        for member in members {
            let byte = at + member.bitOffset / 8, bit = member.bitOffset % 8
            let v: BTFValue = member.bitfieldSize > 0
                ? bitfieldMember(type: member.type, bits: member.bitfieldSize, at: byte, bitOffset: bit)
                : value(member.type, at: byte, bitOffset: bit, depth: depth + 1)
            if style == .typed, member.name.isEmpty, case .object(let inner) = v,
               [.struct, .union].contains(btf.kind(btf.resolve(member.type))) {
                pairs.append(contentsOf: inner)
            } else {
                pairs.append((member.name, v))
            }
        }
        return .object(pairs)
    }

    func datasec(_ name: String, _ variables: [BTFVarSecInfo], at: Int, depth: Int) -> BTFValue {
        if style == .bpftool {
            // btf_dumper_datasec: {"<section>": [<each var as {"name": value}>]}
            let items = variables.map { value($0.type, at: at + $0.offset, bitOffset: 0, depth: depth + 1) }
            return .object([(name, .array(items))])
        }
        var pairs: [(String, BTFValue)] = []
        for variable in variables {
            let t = type(variable.type)
            if case .variable(let inner, _)? = t?.details {
                pairs.append((t?.name ?? "", value(inner, at: at + variable.offset, bitOffset: 0, depth: depth + 1)))
            } else {
                pairs.append((t?.name ?? "", value(variable.type, at: at + variable.offset, bitOffset: 0, depth: depth + 1)))
            }
        }
        return .object(pairs)
    }
}

import BPFKit

/// One formatting pass: the bytes, the style and a cache of decoded types.
final class BTFWalker {
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
        for _ in 0..<BTFWalker.maxDepth {
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

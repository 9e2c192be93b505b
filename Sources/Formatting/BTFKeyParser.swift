import BPFKit

/// What a person types for a map's key, made into the key's bytes by its
/// BTF type: the browser's `=` lookup.
///
/// - hex bytes, always, when there are as many as the key has: `2a 00 00 00`;
/// - an integer (or enum, pointer, bool): `42`, `0x2a`, `-1`, an enumerator's name;
/// - a char array: its text, NUL-padded (`python3`, or `"python3"`);
/// - a struct or union: `member=value` pairs separated by commas, in any order,
///   members not named left zero (`pid=1,comm=bash`); dotted names reach
///   nested members (`in.a=1`); values without names fill the members in order;
///   `{"pid":1,"comm":"bash"}` as the table shows it works too;
/// - an array of other elements: `[1,2,3]` or `1,2,3`.
///
/// Without BTF a key of 1, 2, 4 or 8 bytes is an integer; any other, hex bytes.
public enum BTFKeyParser {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public static func parse(_ text: String, size: Int, type: UInt32, btf: BTF?) throws(Failure) -> [UInt8] {
        let text = trimmed(text)
        guard !text.isEmpty else { throw Failure("type a key: \(example(size: size, type: type, btf: btf))") }
        if let bytes = try hexBytes(text, size: size) { return bytes }
        guard let btf, type != 0 else {
            guard [1, 2, 4, 8].contains(size) else {
                throw Failure("the map has no key type (BTF): type the key's \(size) bytes in hex, as \(hexExample(size))")
            }
            var bytes = [UInt8](repeating: 0, count: size)
            try integer(text, size: size, what: "the key", into: &bytes, at: 0)
            return bytes
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var parser = Encoder(btf: btf, bytes: bytes)
        try parser.encode(text, type: type, at: 0, what: "the key", depth: 0)
        bytes = parser.bytes
        return bytes
    }

    /// `2a 00 00 00`: hex bytes separated by blanks, as many as the key has
    /// (one alone is a number). nil when the text is not hex bytes.
    static func hexBytes(_ text: String, size: Int) throws(Failure) -> [UInt8]? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard tokens.count > 1, tokens.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }) else { return nil }
        guard tokens.count == size else {
            throw Failure("\(tokens.count) hex bytes typed; the map's keys have \(size)")
        }
        return tokens.map { UInt8($0, radix: 16)! }
    }

    static func hexExample(_ size: Int) -> String {
        (["2a"] + Array(repeating: "00", count: max(0, min(size, 8) - 1))).joined(separator: " ") + (size > 8 ? " …" : "")
    }

    static func example(size: Int, type: UInt32, btf: BTF?) -> String {
        guard let btf, type != 0 else { return [1, 2, 4, 8].contains(size) ? "42, 0x2a or \(hexExample(size))" : hexExample(size) }
        switch btf.type(btf.resolve(type))?.details {
        case .struct(_, let members)?, .union(_, let members)?:
            return members.prefix(2).map { "\($0.name)=…" }.joined(separator: ",") + " or \(hexExample(size))"
        default:
            return "a \(btf.describe(type)) (42, 0x2a) or \(hexExample(size))"
        }
    }

    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        var s = Substring(text)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }

    static func unquoted(_ text: String) -> String {
        if text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    /// Splits at commas outside quotes, brackets and braces.
    static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil }
                current.append(c)
                continue
            }
            switch c {
            case "\"", "'": quote = c
            case "[", "{": depth += 1
            case "]", "}": depth -= 1
            case "," where depth == 0:
                parts.append(trimmed(current))
                current = ""
                continue
            default: break
            }
            current.append(c)
        }
        parts.append(trimmed(current))
        return parts
    }

    /// `text` without one pair of enclosing `open`/`close`.
    static func enclosed(_ text: String, _ open: Character, _ close: Character) -> String? {
        guard text.first == open, text.last == close, text.count >= 2 else { return nil }
        return trimmed(text.dropFirst().dropLast())
    }

    /// An integer of `size` bytes written little-endian at `at`.
    static func integer(_ text: String, size: Int, what: String, into bytes: inout [UInt8], at: Int) throws(Failure) {
        let bits = size * 8
        let value = try number(text, what: what)
        let fits: Bool
        switch value {
        case .negative(let v):
            // Unsigned types take negative numbers as two's complement (-1: all ones).
            fits = bits >= 64 || v >= -(Int64(1) << (bits - 1))
        case .positive(let v):
            fits = bits >= 64 || v < (UInt64(1) << bits)
        }
        guard fits else { throw Failure("\(text) does not fit \(what) (\(size) bytes)") }
        let raw: UInt64
        switch value {
        case .negative(let v): raw = UInt64(bitPattern: v)
        case .positive(let v): raw = v
        }
        for i in 0..<min(size, 8) { bytes[at + i] = UInt8(truncatingIfNeeded: raw >> (8 * i)) }
    }

    enum Number {
        case positive(UInt64)
        case negative(Int64)
    }

    static func number(_ text: String, what: String) throws(Failure) -> Number {
        var digits = Substring(unquoted(text))
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits.removeFirst() }
        var radix = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits.removeFirst(2)
            radix = 16
        }
        guard let magnitude = UInt64(digits.replacing("_", with: ""), radix: radix) else {
            throw Failure("'\(text)' is not a number for \(what) (42, 0x2a, -1)")
        }
        guard negative, magnitude != 0 else { return .positive(magnitude) }
        guard magnitude <= UInt64(Int64.max) + 1 else { throw Failure("\(text) does not fit \(what)") }
        return .negative(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
    }

    /// Writes values into a key's bytes by their BTF types.
    struct Encoder {
        let btf: BTF
        var bytes: [UInt8]

        mutating func encode(_ text: String, type id: UInt32, at: Int, what: String, depth: Int) throws(Failure) {
            guard depth < 32, let t = btf.type(id) else { throw Failure("\(what) has a type bpfnav cannot read") }
            switch t.details {
            case .typedef(let next), .volatile(let next), .const(let next), .restrict(let next), .typeTag(let next):
                try encode(text, type: next, at: at, what: what, depth: depth + 1)
            case .int(let int):
                try encodeInt(text, int, at: at, what: what)
            case .ptr:
                try integer(text, size: 8, what: what, into: &bytes, at: at)
            case .enum(let size, let signed, let values), .enum64(let size, let signed, let values):
                if let match = values.first(where: { $0.name == unquoted(text) }) {
                    try integer(String(match.value), size: size, what: what, into: &bytes, at: at)
                } else {
                    do {
                        try integer(text, size: size, what: what, into: &bytes, at: at)
                    } catch {
                        let names = values.prefix(4).map(\.name).joined(separator: ", ")
                        throw Failure("'\(text)' is neither a number nor an enumerator of \(what) (\(names))")
                    }
                }
            case .float(let size):
                guard let v = Double(unquoted(text)) else { throw Failure("'\(text)' is not a number for \(what)") }
                let raw: UInt64 = size == 4 ? UInt64(Float(v).bitPattern) : v.bitPattern
                for i in 0..<min(size, 8) { bytes[at + i] = UInt8(truncatingIfNeeded: raw >> (8 * i)) }
            case .array(let array):
                try encodeArray(text, array, at: at, what: what, depth: depth)
            case .struct(_, let members), .union(_, let members):
                try encodeMembers(text, members, at: at, what: what, depth: depth)
            default:
                throw Failure("\(what) is a \(btf.describe(id)), which cannot be typed: type the key's bytes in hex")
            }
        }

        mutating func encodeInt(_ text: String, _ int: BTFInt, at: Int, what: String) throws(Failure) {
            let plain = unquoted(text)
            if int.encoding.contains(.bool) {
                switch plain.lowercased() {
                case "true": bytes[at] = 1; return
                case "false": bytes[at] = 0; return
                default: break
                }
            }
            if int.size == 1, int.encoding.contains(.char), plain.utf8.count == 1,
               !(plain.first?.isNumber ?? false) || text.hasPrefix("'") || text.hasPrefix("\"") {
                bytes[at] = plain.utf8.first!
                return
            }
            if int.bits % 8 != 0 || int.bitOffset != 0 {
                try encodeBits(text, bits: int.bits, at: at, bitOffset: int.bitOffset, signed: int.isSigned, what: what)
                return
            }
            try integer(text, size: int.size > 8 ? 8 : int.size, what: what, into: &bytes, at: at)
        }

        mutating func encodeBits(_ text: String, bits: Int, at: Int, bitOffset: Int, signed: Bool, what: String) throws(Failure) {
            var scratch = [UInt8](repeating: 0, count: 8)
            try integer(text, size: 8, what: what, into: &scratch, at: 0)
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(scratch[i]) << (8 * i) }
            let isNegative = Int64(bitPattern: v) < 0
            let limit: UInt64 = bits >= 64 ? .max : (UInt64(1) << bits) - 1
            if bits < 64 {
                let fits = isNegative ? signed && Int64(bitPattern: v) >= -(Int64(1) << (bits - 1)) : v <= limit
                guard fits else { throw Failure("\(text) does not fit \(what) (\(bits) bits)") }
            }
            v &= limit
            for bit in 0..<bits where v & (UInt64(1) << bit) != 0 {
                let position = bitOffset + bit
                guard at + position / 8 < bytes.count else { break }
                bytes[at + position / 8] |= UInt8(1) << (position % 8)
            }
        }

        mutating func encodeArray(_ text: String, _ array: BTFArray, at: Int, what: String, depth: Int) throws(Failure) {
            let count = Int(array.count)
            if let element = btf.type(btf.resolve(array.element)), case .int(let int) = element.details, int.size == 1,
               enclosed(text, "[", "]") == nil {
                // A char array: the text, NUL-padded.
                let utf8 = Array(unquoted(text).utf8)
                guard utf8.count <= count else {
                    throw Failure("'\(unquoted(text))' is \(utf8.count) bytes; \(what) holds \(count)")
                }
                for (i, byte) in utf8.enumerated() { bytes[at + i] = byte }
                return
            }
            guard let size = btf.size(array.element) else { throw Failure("\(what) has elements of no known size") }
            let items = split(enclosed(text, "[", "]") ?? text).filter { !$0.isEmpty }
            guard items.count <= count else { throw Failure("\(items.count) elements typed; \(what) holds \(count)") }
            for (i, item) in items.enumerated() {
                try encode(item, type: array.element, at: at + i * size, what: "\(what)[\(i)]", depth: depth + 1)
            }
        }

        mutating func encodeMembers(_ text: String, _ members: [BTFMember], at: Int, what: String, depth: Int) throws(Failure) {
            let body = enclosed(text, "{", "}") ?? text
            var positional = 0
            for part in split(body) where !part.isEmpty {
                guard let separator = assignment(part) else {
                    guard positional < members.count else {
                        throw Failure("more values than \(what) has members (\(members.map(\.name).joined(separator: ", ")))")
                    }
                    try encodeMember(part, members[positional], at: at, what: what, depth: depth)
                    positional += 1
                    continue
                }
                let name = unquoted(trimmed(part[..<separator]))
                let value = trimmed(part[part.index(after: separator)...])
                var path = name.split(separator: ".", maxSplits: 1).map(String.init)
                guard let member = members.first(where: { $0.name == path.first }) else {
                    let names = members.map(\.name).filter { !$0.isEmpty }.joined(separator: ", ")
                    throw Failure("\(what) has no member '\(path.first ?? name)' (it has \(names))")
                }
                if path.count == 2 {
                    // in.a=1: the rest of the path inside the member.
                    let inner = path.removeLast()
                    try encodeMember("\(inner)=\(value)", member, at: at, what: what, depth: depth)
                } else {
                    try encodeMember(value, member, at: at, what: what, depth: depth)
                }
            }
        }

        /// Where `name=value` or `"name":value` splits, outside quotes.
        func assignment(_ part: String) -> String.Index? {
            var quote: Character?
            for index in part.indices {
                let c = part[index]
                if let q = quote {
                    if c == q { quote = nil }
                    continue
                }
                if c == "\"" || c == "'" { quote = c; continue }
                if c == "[" || c == "{" { return nil }
                if c == "=" || c == ":" { return index }
            }
            return nil
        }

        mutating func encodeMember(_ value: String, _ member: BTFMember, at: Int, what: String, depth: Int) throws(Failure) {
            let name = member.name.isEmpty ? what : member.name
            let byte = at + member.bitOffset / 8
            if member.bitfieldSize > 0 {
                let signed: Bool
                if case .int(let int)? = btf.type(btf.resolve(member.type))?.details { signed = int.isSigned } else { signed = false }
                try encodeBits(value, bits: member.bitfieldSize, at: byte, bitOffset: member.bitOffset % 8,
                               signed: signed, what: name)
                return
            }
            try encode(value, type: member.type, at: byte, what: name, depth: depth + 1)
        }
    }
}

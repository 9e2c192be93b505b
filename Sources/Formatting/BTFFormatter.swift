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
        BTFWalker(btf: btf, bytes: bytes, style: style).value(type, at: 0, bitOffset: 0, depth: 0)
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

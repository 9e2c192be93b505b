import Foundation
import XCTest

// JSON readers for checking bpfnav's output: where Foundation's parser is
// enough it is used; where it loses something (the order and repeats of
// keys, bytes escaped as \udcXX) these read the text itself.

/// The keys at the top level of one JSON object, in order, duplicates kept
/// (JSONSerialization would silently keep only one of a duplicate).
public func topLevelKeys(_ json: [UInt8]) -> [String] {
    var keys: [String] = []
    var depth = 0
    var i = 0
    var expectKey = false
    while i < json.count {
        let b = json[i]
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            expectKey = b == UInt8(ascii: "{") && depth == 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
        case UInt8(ascii: ","):
            expectKey = depth == 1
        case UInt8(ascii: "\""):
            var j = i + 1
            while j < json.count, json[j] != UInt8(ascii: "\"") { j += json[j] == 0x5c ? 2 : 1 }
            if expectKey { keys.append(String(decoding: json[(i + 1)..<j], as: UTF8.self)) }
            expectKey = false
            i = j
        default:
            break
        }
        i += 1
    }
    return keys
}

/// Parses one JSON object with Foundation, failing the test if it does not.
public func parseObject(_ json: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
    do {
        let value = try JSONSerialization.jsonObject(with: Data(json), options: [])
        guard let object = value as? [String: Any] else {
            XCTFail("not a JSON object: \(String(decoding: json, as: UTF8.self))", file: file, line: line)
            return [:]
        }
        return object
    } catch {
        XCTFail("JSONSerialization rejects \(String(decoding: json, as: UTF8.self)): \(error)", file: file, line: line)
        return [:]
    }
}

/// Reads bpfnav's JSON strings back to their exact bytes, including the
/// `\udcXX` escapes it uses for bytes that are not UTF-8 (Python's
/// surrogateescape), which Foundation's parser does not accept.
public enum JSONText {
    /// The bytes of the string value of `"key":` in a flat JSON object.
    public static func stringField(_ key: String, in object: [UInt8]) -> [UInt8]? {
        let needle = Array("\"\(key)\":\"".utf8)
        guard let start = object.firstRange(of: needle)?.upperBound else { return nil }
        return unescape(object, from: start)
    }

    /// Decodes the string body starting at `index` (after the quote), as
    /// decode() does; nil where that fails or the string does not end.
    public static func unescape(_ bytes: [UInt8], from index: Int) -> [UInt8]? {
        var i = index
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
        guard index > 0, i < bytes.count else { return nil }
        return try? decode(Array(bytes[(index - 1)...i]))
    }

    /// A whole document, which may hold bytes of paths and names that are
    /// not UTF-8 (`\udc80`…`\udcff`), parsed by Foundation: each such escape
    /// is read as U+0080…U+00FF (bpfnav writes no surrogate pairs: other
    /// characters are raw UTF-8), so that a dump of the whole system parses
    /// whatever the machine has open, while every other error still fails.
    public static func parse(_ document: some Collection<UInt8>) throws -> Any {
        var bytes = Array(document)
        var i = 0
        while i + 5 < bytes.count {
            guard bytes[i] == UInt8(ascii: "\\") else { i += 1; continue }
            if bytes[i + 1] == UInt8(ascii: "u"), bytes[i + 2] | 0x20 == UInt8(ascii: "d"),
               bytes[i + 3] | 0x20 == UInt8(ascii: "c"), (bytes[i + 4] | 0x20) >= UInt8(ascii: "8") {
                bytes[i + 2] = UInt8(ascii: "0")
                bytes[i + 3] = UInt8(ascii: "0")
            }
            i += 2
        }
        return try JSONSerialization.jsonObject(with: Data(bytes))
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Unescapes one JSON string literal (quotes included) to bytes, with
    /// surrogateescape: \udc80...\udcff is the byte 0x80...0xff; any other
    /// lone surrogate, bad escape, raw control byte or raw quote is an error.
    public static func decode(_ s: [UInt8]) throws -> [UInt8] {
        guard s.count >= 2, s.first == 0x22, s.last == 0x22 else { throw Failure("not quoted") }
        var out: [UInt8] = []
        var i = 1
        let end = s.count - 1
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= end else { throw Failure("short \\u escape") }
            var v: UInt32 = 0
            for b in s[at..<(at + 4)] {
                let d: UInt32
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x61...0x66: d = UInt32(b - 0x61 + 10)
                case 0x41...0x46: d = UInt32(b - 0x41 + 10)
                default: throw Failure("bad hex digit")
                }
                v = v << 4 | d
            }
            return v
        }
        func appendScalar(_ v: UInt32) throws {
            guard let scalar = Unicode.Scalar(v) else { throw Failure("bad scalar \(v)") }
            out += Array(String(Character(scalar)).utf8)
        }
        while i < end {
            let b = s[i]
            if b == 0x22 { throw Failure("unescaped quote at \(i)") }
            if b < 0x20 { throw Failure("raw control byte at \(i)") }
            if b != 0x5c { out.append(b); i += 1; continue }
            guard i + 1 < end else { throw Failure("dangling backslash") }
            let e = s[i + 1]
            i += 2
            switch e {
            case 0x22: out.append(0x22)
            case 0x5c: out.append(0x5c)
            case 0x2f: out.append(0x2f)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let u = try hex4(i)
                i += 4
                switch u {
                case 0xd800...0xdbff:
                    guard i + 6 <= end, s[i] == 0x5c, s[i + 1] == UInt8(ascii: "u") else {
                        throw Failure("lone high surrogate")
                    }
                    let low = try hex4(i + 2)
                    guard (0xdc00...0xdfff).contains(low) else { throw Failure("high surrogate without low") }
                    i += 6
                    try appendScalar(0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00))
                case 0xdc80...0xdcff:
                    out.append(UInt8(u - 0xdc00))
                case 0xdc00...0xdfff:
                    throw Failure("lone low surrogate \\u\(String(u, radix: 16)) is not a surrogateescape byte")
                default:
                    try appendScalar(u)
                }
            default:
                throw Failure("bad escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        return out
    }
}

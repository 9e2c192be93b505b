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

    /// Decodes the string body starting at `index` (after the quote).
    public static func unescape(_ bytes: [UInt8], from index: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var i = index
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            return UInt32(String(decoding: bytes[at..<(at + 4)], as: UTF8.self), radix: 16)
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { return out }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            guard i + 1 < bytes.count else { return nil }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i) else { return nil }
                i += 4
                if (0xdc80...0xdcff).contains(scalar) {
                    out.append(UInt8(scalar & 0xff))
                    continue
                }
                if (0xd800...0xdbff).contains(scalar), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                   let low = hex4(i + 2) {
                    scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                    i += 6
                }
                guard let u = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: out.append(e)
            }
        }
        return nil
    }
}

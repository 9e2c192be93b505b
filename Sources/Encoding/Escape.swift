/// Encodings of strings the kernel hands over as raw bytes (comm, paths).
///
/// Those bytes belong to whoever named the process or the file: they may be
/// invalid UTF-8 or contain terminal escape sequences. JSON keeps them exact;
/// text for a terminal shows them escaped.
public enum Escape {
    /// Length of the valid UTF-8 sequence at `i`, or 0 if the byte there
    /// does not start one (overlong forms and surrogates are invalid).
    @inline(__always)
    public static func utf8Length(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int {
        let b0 = bytes[i]
        let remaining = bytes.count - i
        func cont(_ k: Int) -> UInt8? { k < remaining && bytes[i + k] & 0xc0 == 0x80 ? bytes[i + k] : nil }
        switch b0 {
        case 0xc2...0xdf:
            return cont(1) != nil ? 2 : 0
        case 0xe0...0xef:
            guard let b1 = cont(1), cont(2) != nil else { return 0 }
            if b0 == 0xe0 && b1 < 0xa0 { return 0 }   // overlong
            if b0 == 0xed && b1 >= 0xa0 { return 0 }  // UTF-16 surrogate
            return 3
        case 0xf0...0xf4:
            guard let b1 = cont(1), cont(2) != nil, cont(3) != nil else { return 0 }
            if b0 == 0xf0 && b1 < 0x90 { return 0 }   // overlong
            if b0 == 0xf4 && b1 >= 0x90 { return 0 }  // above U+10FFFF
            return 4
        default:
            return 0
        }
    }

    /// Appends `bytes` as a JSON string, quotes included.
    ///
    /// Valid UTF-8 is copied; `"`, `\` and control characters are escaped.
    /// A byte that is not part of valid UTF-8 becomes `\udcXX` (XX its
    /// value), the lone low surrogate that Python's "surrogateescape" uses:
    /// `s.encode("utf-8", "surrogateescape")` gives back the exact bytes.
    public static func appendJSONString(_ bytes: UnsafeRawBufferPointer, to out: Output) {
        out.append(byte: UInt8(ascii: "\""))
        var i = 0
        let n = bytes.count
        while i < n {
            // Runs of plain ASCII (nearly every path) are copied at once.
            var run = i
            while run < n {
                let c = bytes[run]
                guard c >= 0x20, c < 0x7f, c != UInt8(ascii: "\""), c != UInt8(ascii: "\\") else { break }
                run += 1
            }
            if run > i {
                out.append(bytes: UnsafeRawBufferPointer(rebasing: bytes[i..<run]))
                i = run
                continue
            }
            let b = bytes[i]
            if b < 0x80 {
                switch b {
                case UInt8(ascii: "\""): out.append("\\\"")
                case UInt8(ascii: "\\"): out.append("\\\\")
                case 0x0a: out.append("\\n")
                case 0x09: out.append("\\t")
                case 0x0d: out.append("\\r")
                case 0x08: out.append("\\b")
                case 0x0c: out.append("\\f")
                default:
                    out.append("\\u00")
                    out.append(hex: UInt64(b), width: 2)
                }
                i += 1
                continue
            }
            let length = utf8Length(bytes, at: i)
            if length == 0 {
                out.append("\\udc")
                out.append(hex: UInt64(b), width: 2)
                i += 1
            } else if length == 3, b == 0xef, bytes[i + 1] == 0xbb, bytes[i + 2] == 0xbf {
                // U+FEFF raw is valid JSON, but some parsers (Foundation on
                // Linux) drop it as a byte order mark; escaped it survives.
                out.append("\\ufeff")
                i += 3
            } else {
                for k in 0..<length { out.append(byte: bytes[i + k]) }
                i += length
            }
        }
        out.append(byte: UInt8(ascii: "\""))
    }

    public static func appendJSONString(_ bytes: [UInt8], to out: Output) {
        bytes.withUnsafeBytes { appendJSONString($0, to: out) }
    }

    /// Appends `bytes` for a terminal: printable text as is, everything that
    /// could move the cursor, change colours or reorder text escaped.
    ///
    /// `\\` for a backslash, `\n` `\t` `\r`, `\xNN` for other control bytes,
    /// DEL and invalid UTF-8, `\u{NNNN}` for C1 controls and the bidi
    /// overrides ("Trojan Source"), which would reorder the rest of the line.
    public static func appendTerminal(_ bytes: UnsafeRawBufferPointer, to out: Output) {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b >= 0x20 && b < 0x7f {
                if b == UInt8(ascii: "\\") { out.append("\\\\") } else { out.append(byte: b) }
                i += 1
                continue
            }
            if b < 0x80 {
                switch b {
                case 0x0a: out.append("\\n")
                case 0x09: out.append("\\t")
                case 0x0d: out.append("\\r")
                default:
                    out.append("\\x")
                    out.append(hex: UInt64(b), width: 2)
                }
                i += 1
                continue
            }
            let length = utf8Length(bytes, at: i)
            if length == 0 {
                out.append("\\x")
                out.append(hex: UInt64(b), width: 2)
                i += 1
                continue
            }
            let scalar = decodeScalar(bytes, at: i, length: length)
            if (0x80...0x9f).contains(scalar) || (0x202a...0x202e).contains(scalar)
                || (0x2066...0x2069).contains(scalar) || scalar == 0x200e || scalar == 0x200f || scalar == 0x061c {
                out.append("\\u{")
                out.append(hex: UInt64(scalar), width: 4)
                out.append("}")
            } else {
                for k in 0..<length { out.append(byte: bytes[i + k]) }
            }
            i += length
        }
    }

    public static func appendTerminal(_ bytes: [UInt8], to out: Output) {
        bytes.withUnsafeBytes { appendTerminal($0, to: out) }
    }

    /// `bytes` escaped for a terminal, as a String (tables, messages).
    public static func terminal(_ bytes: [UInt8]) -> String {
        let out = Output(fd: -1, bufferLimit: Int.max)
        appendTerminal(bytes, to: out)
        return String(decoding: out.buffer, as: UTF8.self)
    }

    /// JSON text (a formatted BTF value) made safe for a terminal and still
    /// JSON: what `appendTerminal` would escape becomes a JSON `\uXXXX`
    /// escape, and backslashes stay single. Escaping the JSON as plain text
    /// would double every backslash JSON already wrote.
    public static func terminalJSON(_ json: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            let v = scalar.value
            guard v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v) || (0x202a...0x202e).contains(v)
                || (0x2066...0x2069).contains(v) || v == 0x200e || v == 0x200f || v == 0x061c else {
                out.append(scalar)
                continue
            }
            let hex = String(v, radix: 16)
            out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
        }
        return String(out)
    }

    /// A message escaped a line at a time: what it quotes cannot reach the
    /// terminal raw, and its own line breaks (a hint's) stay.
    public static func terminalLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { terminal(Array($0.utf8)) }.joined(separator: "\n")
    }

    public static func decodeScalar(_ bytes: UnsafeRawBufferPointer, at i: Int, length: Int) -> UInt32 {
        switch length {
        case 2: return UInt32(bytes[i] & 0x1f) << 6 | UInt32(bytes[i + 1] & 0x3f)
        case 3: return UInt32(bytes[i] & 0x0f) << 12 | UInt32(bytes[i + 1] & 0x3f) << 6 | UInt32(bytes[i + 2] & 0x3f)
        default:
            return UInt32(bytes[i] & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3f) << 12
                | UInt32(bytes[i + 2] & 0x3f) << 6 | UInt32(bytes[i + 3] & 0x3f)
        }
    }
}

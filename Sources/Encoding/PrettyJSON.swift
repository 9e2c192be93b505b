/// Compact JSON reformatted as it streams by, for `-p`/`--pretty`: one
/// member or element per line, indented by four spaces as bpftool's
/// `-p` does, empty objects and arrays kept as `{}` and `[]`, each
/// top-level value ending in a newline. Strings pass through untouched;
/// white space between tokens is dropped and rewritten. State carries
/// over between `feed` calls, so output can be flushed at any byte.
public struct PrettyJSON: Sendable {
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// An opening bracket was written; its line break waits for the next
    /// token, which may close it at once (`[]`).
    private var opened = false

    public init() {}

    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2)
        func newline(_ out: inout [UInt8], _ depth: Int) {
            out.append(0x0a)
            out.append(contentsOf: repeatElement(0x20, count: 4 * depth))
        }
        for byte in bytes {
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case 0x20, 0x0a, 0x09, 0x0d:
                continue
            default:
                break
            }
            let closing = byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
            if opened {
                opened = false
                if !closing { newline(&out, depth) }
            } else if closing {
                newline(&out, depth - 1)
            }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                depth += 1
                opened = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                out.append(byte)
                depth = max(0, depth - 1)
                if depth == 0 { out.append(0x0a) }
            case UInt8(ascii: ","):
                out.append(byte)
                newline(&out, depth)
            case UInt8(ascii: ":"):
                out.append(contentsOf: [byte, 0x20])
            case UInt8(ascii: "\""):
                out.append(byte)
                inString = true
            default:
                out.append(byte)
            }
        }
        return out
    }
}

/// Makes a stream of bytes safe for a terminal, chunk by chunk: what
/// `bpfnav cat` writes of a pinned iterator, whoever made the pin.
///
/// Text, line breaks and tabs pass as they are; every other control byte
/// (ESC, BEL, CR, …), DEL, C1 controls (U+0080..U+009F, as `\xc2\xNN`),
/// the bidi controls that reorder a line (U+202E as `\xe2\x80\xae`) and
/// every byte that is not part of valid UTF-8 (overlong forms, surrogates
/// and code points past U+10FFFF included) become `\xNN`. A backslash is
/// left alone: the output is someone else's format, only made harmless.
/// bpfnav's own text programs escape in the kernel already, so their output
/// passes unchanged, but for bidi controls, which the kernel side leaves
/// as they are (they reorder how a line reads, never what it holds).
///
/// A UTF-8 sequence split between chunks is held (at most 3 bytes) until
/// the next chunk decides it; `finish` escapes what is left at the end.
public struct TerminalFilter {
    /// Bytes of a sequence begun but not complete yet.
    private var held: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private var heldCount = 0
    /// Length of the sequence being held.
    private var expected = 0
    /// Output of one chunk; reused, so memory stays at 4x the largest chunk.
    private var out: [UInt8] = []

    public init() {}

    /// Filters `chunk` and hands the result to `emit` (not called when
    /// nothing is ready).
    public mutating func filter(_ chunk: UnsafeRawBufferPointer,
                                _ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(chunk.count * 4 + 16)
        for byte in chunk { take(byte) }
        try flush(emit)
    }

    public mutating func filter(_ chunk: [UInt8], _ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try chunk.withUnsafeBytes { try filter($0, emit) }
    }

    /// Ends the stream: a sequence still held is not valid UTF-8.
    public mutating func finish(_ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        out.removeAll(keepingCapacity: true)
        escapeHeld()
        try flush(emit)
    }

    /// The whole of `bytes`, filtered (tests, short strings).
    public static func filtered(_ bytes: [UInt8]) -> [UInt8] {
        var filter = TerminalFilter()
        var result: [UInt8] = []
        filter.filter(bytes) { result.append(contentsOf: $0) }
        filter.finish { result.append(contentsOf: $0) }
        return result
    }

    private mutating func flush(_ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard !out.isEmpty else { return }
        try out.withUnsafeBytes { try emit($0) }
    }

    private mutating func take(_ b: UInt8) {
        if heldCount > 0 {
            if continues(b) {
                if heldCount + 1 == expected { complete(with: b) } else { hold(b) }
                return
            }
            // Not a sequence after all: its bytes are escaped, and this
            // byte starts afresh.
            escapeHeld()
        }
        switch b {
        case 0x0a, 0x09, 0x20..<0x7f:
            out.append(b)
        case 0xc2...0xdf:
            expected = 2
            hold(b)
        case 0xe0...0xef:
            expected = 3
            hold(b)
        case 0xf0...0xf4:
            expected = 4
            hold(b)
        default:
            // Other C0 controls, DEL, stray continuation bytes, C0/C1 and
            // F5..FF (never in UTF-8).
            escape(b)
        }
    }

    /// Whether `b` is a valid next byte of the held sequence.
    private func continues(_ b: UInt8) -> Bool {
        guard b & 0xc0 == 0x80 else { return false }
        guard heldCount == 1 else { return true }
        switch held.0 {
        case 0xe0: return b >= 0xa0   // overlong
        case 0xed: return b < 0xa0    // UTF-16 surrogate
        case 0xf0: return b >= 0x90   // overlong
        case 0xf4: return b < 0x90    // past U+10FFFF
        default: return true
        }
    }

    private mutating func hold(_ b: UInt8) {
        switch heldCount {
        case 0: held.0 = b
        case 1: held.1 = b
        default: held.2 = b
        }
        heldCount += 1
    }

    /// The held bytes and `last` make a whole sequence: copied, unless it
    /// is a C1 control or a bidi control.
    private mutating func complete(with last: UInt8) {
        if heldCount == 1 && held.0 == 0xc2 && last < 0xa0 {
            escape(held.0)
            escape(last)
        } else if isBidiControl(last) {
            escapeHeld()
            escape(last)
            return
        } else {
            out.append(held.0)
            if heldCount > 1 { out.append(held.1) }
            if heldCount > 2 { out.append(held.2) }
            out.append(last)
        }
        heldCount = 0
    }

    /// Whether the held bytes and `last` encode a bidi control: U+061C,
    /// U+200E/U+200F, U+202A..U+202E, U+2066..U+2069 — they reorder the
    /// rest of the line ("Trojan Source"), as `Escape.terminal` knows.
    private func isBidiControl(_ last: UInt8) -> Bool {
        switch heldCount {
        case 1: return held.0 == 0xd8 && last == 0x9c
        case 2:
            guard held.0 == 0xe2 else { return false }
            if held.1 == 0x80 { return last == 0x8e || last == 0x8f || (0xaa...0xae).contains(last) }
            return held.1 == 0x81 && (0xa6...0xa9).contains(last)
        default: return false
        }
    }

    private mutating func escapeHeld() {
        if heldCount > 0 { escape(held.0) }
        if heldCount > 1 { escape(held.1) }
        if heldCount > 2 { escape(held.2) }
        heldCount = 0
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func escape(_ b: UInt8) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        out.append(TerminalFilter.hexDigits[Int(b >> 4)])
        out.append(TerminalFilter.hexDigits[Int(b & 15)])
    }
}

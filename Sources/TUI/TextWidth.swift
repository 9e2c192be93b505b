import CCurses
import Glibc

/// Display widths of text in terminal cells (wcwidth), and text cut or
/// padded to a width without splitting a wide character.
public enum TextWidth {
    /// Cells `scalar` takes: 0 for combining marks, 2 for wide (CJK,
    /// emoji), 1 otherwise. Control characters, which the browser never
    /// draws raw, count 1: a screen draws them as "?".
    public static func width(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x7f { return 1 }
        if isControl(scalar) { return 1 }
        let w = Int(wcwidth(Int32(bitPattern: value)))
        return w >= 0 ? w : fallbackWidth(value)
    }

    public static func width(_ text: String) -> Int {
        var total = 0
        for scalar in text.unicodeScalars { total += width(scalar) }
        return total
    }

    /// Cells a grapheme cluster takes (a base and its combining marks).
    public static func width(_ character: Character) -> Int {
        var total = 0
        for scalar in character.unicodeScalars { total += width(scalar) }
        return min(total, 2)
    }

    /// C0, DEL and C1 controls.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }

    /// The longest prefix of `text` that fits in `width` cells, and its width.
    public static func prefix(_ text: String, fitting width: Int) -> (String, Int) {
        var out = ""
        var used = 0
        for character in text {
            let w = self.width(character)
            if used + w > width { break }
            out.append(character)
            used += w
        }
        return (out, used)
    }

    /// `text` dropping its first `cells` cells (horizontal scrolling). A
    /// wide character cut in half becomes a space.
    public static func dropping(_ cells: Int, of text: String) -> String {
        guard cells > 0 else { return text }
        var skipped = 0
        var index = text.startIndex
        while index < text.endIndex, skipped < cells {
            skipped += width(text[index])
            index = text.index(after: index)
        }
        let rest = String(text[index...])
        return skipped > cells ? " " + rest : rest
    }

    public enum Alignment: Sendable { case left, right }

    /// Exactly `width` cells: padded with spaces, or cut with "…".
    public static func fit(_ text: String, _ width: Int, align: Alignment = .left) -> String {
        guard width > 0 else { return "" }
        let w = self.width(text)
        if w <= width {
            let pad = String(repeating: " ", count: width - w)
            return align == .left ? text + pad : pad + text
        }
        let (cut, used) = prefix(text, fitting: width - 1)
        return cut + "…" + String(repeating: " ", count: width - 1 - used)
    }

    /// Exactly `width` cells: cut without a mark, or padded.
    public static func clip(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let (cut, used) = prefix(text, fitting: width)
        return cut + String(repeating: " ", count: width - used)
    }

    /// `text` cut with "…" if wider than `width`, never padded.
    public static func truncate(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        if self.width(text) <= width { return text }
        return prefix(text, fitting: width - 1).0 + "…"
    }

    // glibc's wcwidth (through the CCurses shim). It knows only the current
    // LC_CTYPE: outside a UTF-8 locale it says -1 for every non-ASCII
    // character, and the fallback below answers instead.
    private static func wcwidth(_ c: Int32) -> Int32 { bpfnav_wcwidth(c) }

    /// Wide and zero-width ranges for when wcwidth cannot say.
    static func fallbackWidth(_ value: UInt32) -> Int {
        switch value {
        case 0x0300...0x036f, 0x1ab0...0x1aff, 0x1dc0...0x1dff, 0x200b...0x200f, 0x20d0...0x20ff, 0xfe00...0xfe0f,
             0xfe20...0xfe2f:
            return 0
        case 0x1100...0x115f, 0x2e80...0x303e, 0x3041...0x33ff, 0x3400...0x4dbf, 0x4e00...0x9fff, 0xa000...0xa4cf,
             0xac00...0xd7a3, 0xf900...0xfaff, 0xfe30...0xfe4f, 0xff00...0xff60, 0xffe0...0xffe6,
             0x1f300...0x1f64f, 0x1f900...0x1f9ff, 0x20000...0x3fffd:
            return 2
        default:
            return 1
        }
    }
}

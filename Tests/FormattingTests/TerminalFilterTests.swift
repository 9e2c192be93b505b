import Encoding
import XCTest

/// `TerminalFilter`: what `bpfnav cat` does to any pin's output.
final class TerminalFilterTests: XCTestCase {
    private func filtered(_ bytes: [UInt8]) -> String {
        String(decoding: TerminalFilter.filtered(bytes), as: UTF8.self)
    }

    /// Every split of `bytes` into two chunks gives what one chunk gives.
    private func assertSplitsAgree(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let whole = TerminalFilter.filtered(bytes)
        for cut in 0...bytes.count {
            var filter = TerminalFilter()
            var out: [UInt8] = []
            filter.filter(Array(bytes[..<cut])) { out.append(contentsOf: $0) }
            filter.filter(Array(bytes[cut...])) { out.append(contentsOf: $0) }
            filter.finish { out.append(contentsOf: $0) }
            XCTAssertEqual(out, whole, "split at \(cut)", file: file, line: line)
        }
        // And one byte at a time.
        var filter = TerminalFilter()
        var out: [UInt8] = []
        for b in bytes { filter.filter([b]) { out.append(contentsOf: $0) } }
        filter.finish { out.append(contentsOf: $0) }
        XCTAssertEqual(out, whole, "byte by byte", file: file, line: line)
    }

    func testTextLinesAndTabsPass() {
        let text = "    PID COMM\n   12\tbash \\ a path\\with backslashes\n"
        XCTAssertEqual(filtered(Array(text.utf8)), text)
    }

    func testValidUTF8Passes() {
        let text = "é € 😀 日本 \u{7ff} \u{800} \u{ffff} \u{10000} \u{10ffff} \u{a0}"
        XCTAssertEqual(filtered(Array(text.utf8)), text)
    }

    func testTerminalSequencesAreMadeVisible() {
        let comm: [UInt8] = [0x1b] + Array("]2;pwned".utf8) + [0x07, 0x1b] + Array("[31m".utf8) + [0x0d, 0x00, 0x7f, 0x08]
        XCTAssertEqual(filtered(comm), "\\x1b]2;pwned\\x07\\x1b[31m\\x0d\\x00\\x7f\\x08")
    }

    func testC1ControlsAreEscaped() {
        // U+0085 (NEL), U+009B (CSI), U+0080, U+009F: valid UTF-8, but
        // terminals act on them.
        XCTAssertEqual(filtered([0xc2, 0x85, 0x41, 0xc2, 0x9b, 0xc2, 0x80, 0xc2, 0x9f]),
                       "\\xc2\\x85A\\xc2\\x9b\\xc2\\x80\\xc2\\x9f")
        // U+00A0 is the first that is not.
        XCTAssertEqual(filtered([0xc2, 0xa0]), "\u{a0}")
    }

    /// Bidi controls reorder the rest of a line ("Trojan Source"): U+202E,
    /// U+2066..U+2069, U+200E/U+200F and U+061C are escaped; their
    /// neighbours (U+202F, U+2065, U+206A, U+061B) are not.
    func testBidiControlsAreEscaped() {
        XCTAssertEqual(filtered(Array("a\u{202e}b\u{2066}c\u{2069}d\u{200f}e\u{061c}f".utf8)),
                       "a\\xe2\\x80\\xaeb\\xe2\\x81\\xa6c\\xe2\\x81\\xa9d\\xe2\\x80\\x8fe\\xd8\\x9cf")
        let neighbours = "\u{202f}\u{2065}\u{206a}\u{061b}\u{2010}"
        XCTAssertEqual(filtered(Array(neighbours.utf8)), neighbours)
    }

    func testInvalidUTF8IsEscapedByte() {
        XCTAssertEqual(filtered([0xff, 0xfe, 0xf5, 0xc0, 0xc1]), "\\xff\\xfe\\xf5\\xc0\\xc1")
        // Stray continuation bytes.
        XCTAssertEqual(filtered([0x80, 0xbf, 0x41]), "\\x80\\xbfA")
        // Overlong forms, a surrogate, past U+10FFFF.
        XCTAssertEqual(filtered([0xc0, 0xaf]), "\\xc0\\xaf")
        XCTAssertEqual(filtered([0xe0, 0x80, 0xaf]), "\\xe0\\x80\\xaf")
        XCTAssertEqual(filtered([0xf0, 0x80, 0x80, 0xaf]), "\\xf0\\x80\\x80\\xaf")
        XCTAssertEqual(filtered([0xed, 0xa0, 0x80]), "\\xed\\xa0\\x80")
        XCTAssertEqual(filtered([0xf4, 0x90, 0x80, 0x80]), "\\xf4\\x90\\x80\\x80")
        // A sequence cut short by another character, or by the end.
        XCTAssertEqual(filtered([0xe2, 0x82, 0x41]), "\\xe2\\x82A")
        XCTAssertEqual(filtered([0xe2, 0x82, 0x0a]), "\\xe2\\x82\n")
        XCTAssertEqual(filtered([0xe2, 0xe2, 0x82, 0xac]), "\\xe2€")
        XCTAssertEqual(filtered([0xf0, 0x9f, 0x98]), "\\xf0\\x9f\\x98")
    }

    func testChunkSplitsAtEveryPosition() {
        let mixed: [UInt8] = Array("a€".utf8) + [0xc2, 0x85] + Array("😀".utf8) + [0x1b, 0xff, 0xe2, 0x82]
            + Array("\n\tz".utf8) + [0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x8f, 0xbf, 0xbf, 0xe2, 0x82]
        assertSplitsAgree(mixed)
        XCTAssertEqual(filtered(mixed),
                       "a€\\xc2\\x85😀\\x1b\\xff\\xe2\\x82\n\tz😀\\xed\\xa0\\x80\u{10ffff}\\xe2\\x82")
    }

    /// Random bytes: the output is valid UTF-8 with no control byte but
    /// newline and tab, whatever the chunking.
    func testRandomInputGivesSafeOutput() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in
                // Mostly high bytes, where UTF-8 is decided.
                Bool.random(using: &rng) ? UInt8.random(in: 0x80...0xff, using: &rng) : UInt8.random(in: 0...0xff, using: &rng)
            }
            let out = TerminalFilter.filtered(bytes)
            XCTAssertNotNil(String(validating: out, as: UTF8.self), "\(bytes)")
            XCTAssertFalse(out.contains { ($0 < 0x20 && $0 != 0x0a && $0 != 0x09) || $0 == 0x7f }, "\(bytes)")
            XCTAssertFalse(String(decoding: out, as: UTF8.self).unicodeScalars.contains { (0x80...0x9f).contains($0.value) })
            assertSplitsAgree(bytes)
        }
    }

    func testOutputDoesNotGrowWithTheStream() {
        var filter = TerminalFilter()
        var largest = 0
        let chunk = [UInt8](repeating: 0x1b, count: 4096)
        for _ in 0..<100 { filter.filter(chunk) { largest = max(largest, $0.count) } }
        XCTAssertEqual(largest, 4 * 4096)
    }
}

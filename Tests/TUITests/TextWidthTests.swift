import XCTest
@testable import TUI

final class TextWidthTests: XCTestCase {
    func testWidths() {
        XCTAssertEqual(TextWidth.width("abc"), 3)
        XCTAssertEqual(TextWidth.width("名前"), 4)
        XCTAssertEqual(TextWidth.width("ｆ"), 2)
        XCTAssertEqual(TextWidth.width("e\u{301}"), 1, "a combining accent takes no cell")
        XCTAssertEqual(TextWidth.width("…▲›"), 3)
        XCTAssertEqual(TextWidth.fallbackWidth(0x4e2d), 2)
        XCTAssertEqual(TextWidth.fallbackWidth(0x0301), 0)
        XCTAssertEqual(TextWidth.fallbackWidth(0xe9), 1)
    }

    func testFitTruncateClip() {
        XCTAssertEqual(TextWidth.fit("ab", 4), "ab  ")
        XCTAssertEqual(TextWidth.fit("ab", 4, align: .right), "  ab")
        XCTAssertEqual(TextWidth.fit("abcdef", 4), "abc…")
        // A wide character that does not fit whole leaves a space.
        XCTAssertEqual(TextWidth.fit("名前テ", 4), "名… ")
        XCTAssertEqual(TextWidth.width(TextWidth.fit("名前テ", 4)), 4)
        XCTAssertEqual(TextWidth.truncate("名前テスト", 5), "名前…")
        XCTAssertEqual(TextWidth.truncate("short", 10), "short")
        XCTAssertEqual(TextWidth.clip("abcdef", 3), "abc")
        XCTAssertEqual(TextWidth.fit("x", 0), "")
        XCTAssertEqual(TextWidth.dropping(2, of: "abcd"), "cd")
        XCTAssertEqual(TextWidth.dropping(1, of: "名前"), " 前", "half a wide character becomes a space")
    }

    func testMemoryScreenKeepsWideCharactersWhole() {
        let screen = MemoryScreen(rows: 1, cols: 5)
        screen.draw("ab名前", row: 0, col: 0, style: .normal)
        XCTAssertEqual(screen.line(0), "ab名", "前 would cross the edge")
        XCTAssertEqual(screen.width(ofRow: 0), 4)
        screen.draw("x", row: 0, col: 3, style: .normal)
        XCTAssertEqual(screen.line(0), "ab x", "overwriting half of 名 blanks the other half")
        screen.draw("zz", row: 0, col: -1, style: .normal)
        XCTAssertEqual(screen.line(0), "zb x")
        screen.draw("offscreen", row: 3, col: 0, style: .normal)
    }

    func testColumnLayout() {
        let columns = [Column(title: "ID", width: 5), Column(title: "NAME", width: 10, flex: true),
                       Column(title: "TAG", width: 16, priority: 5), Column(title: "N", width: 3, priority: 1)]
        let wide = ColumnLayout.fit(columns, width: 60)
        XCTAssertEqual(wide.map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(wide.map(\.width), [5, 10, 16, 3], "a flexible column in the middle does not push the rest apart")
        let last = ColumnLayout.fit(Array(columns.prefix(2)), width: 60)
        XCTAssertEqual(last.map(\.width), [5, 54], "the last column, flexible, takes what is left")
        let narrow = ColumnLayout.fit(columns, width: 25)
        XCTAssertEqual(narrow.map(\.index), [0, 1, 3], "the lowest priority goes first")
        XCTAssertEqual(narrow.last!.x + narrow.last!.width, 20)
        let tiny = ColumnLayout.fit(columns, width: 3)
        XCTAssertEqual(tiny.map(\.index), [3], "what fits, by priority")
        let none = ColumnLayout.fit(columns, width: 2)
        XCTAssertEqual(none.map(\.index), [0], "nothing fits: the first, cut")
        XCTAssertEqual(none[0].width, 2)
    }
}

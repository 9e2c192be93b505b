import CCurses
import XCTest
@testable import TUI

/// Sizes, the help, and text that could break the screen.
final class TerminalTests: XCTestCase {
    func testTooSmallTerminalGetsACenteredMessage() {
        let h = Harness(sampleSnapshot(), rows: 10, cols: 40)
        let lines = h.lines
        XCTAssertEqual(lines.filter { !$0.isEmpty }.count, 3, h.text)
        let row = h.row("Terminal too small: 40x10")
        XCTAssertTrue((3...4).contains(row), "vertically centred: row \(row)")
        let line = lines[row]
        let leading = line.prefix { $0 == " " }.count
        let trailing = 40 - TextWidth.width(line)
        XCTAssertLessThanOrEqual(abs(leading - trailing), 1, "horizontally centred: '\(line)'")
        XCTAssertTrue(h.screen.contains("bpfnav needs at least 60x16"), h.text)
        XCTAssertFalse(h.screen.contains("Programs"), "no half-drawn frame:\n\(h.text)")
        // Still answers keys, and comes back when there is room.
        h.resize(rows: 20, cols: 60)
        XCTAssertTrue(h.screen.contains("1 Programs"), h.text)
        h.resize(rows: 3, cols: 12)
        XCTAssertTrue(h.lines.allSatisfy { TextWidth.width($0) <= 12 })
        XCTAssertEqual(h.press(.char("q")), .quit)
    }

    func testSixtyByTwentyShowsEverythingEssential() {
        let programs = (1...30).map { program(UInt32($0), "prog_\($0)", maps: [20]) }
        var data = sampleSnapshot()
        data.programs = programs
        let h = Harness(data, rows: 20, cols: 60)
        let header = h.screen.line(0)
        // No cryptic letters: the counts go to the tabs where they fit (at 80).
        for text in ["6.18.0-test", "refresh 2s", "stats off"] {
            XCTAssertTrue(header.contains(text), "header lacks '\(text)': \(header)")
        }
        for text in ["1 Programs", "2 Maps", "3 Links", "4 Pins", "5 Tasks", "1/30"] {
            XCTAssertTrue(h.screen.line(1).contains(text), "navigator lacks '\(text)': \(h.screen.line(1))")
        }
        XCTAssertTrue(h.screen.line(2).contains("ID"), h.screen.line(2))
        XCTAssertTrue(h.screen.line(2).contains("NAME"), h.screen.line(2))
        XCTAssertTrue(h.screen.contains("prog_1 "), h.text)
        XCTAssertTrue(h.screen.contains("Program 1 prog_1"), "the preview has room:\n\(h.text)")
        let footer = h.screen.line(19)
        for text in ["Enter open", "? help", "q quit"] {
            XCTAssertTrue(footer.contains(text), "footer lacks '\(text)': \(footer)")
        }
        XCTAssertTrue(h.lines.allSatisfy { TextWidth.width($0) <= 60 }, h.text)
        // Every view and a page fit too.
        for key in [Key.char("2"), .char("3"), .char("4"), .char("5"), .char("1"), .enter] {
            h.press(key)
            XCTAssertTrue(h.screen.line(19).contains("q quit"), "\(key):\n\(h.text)")
            XCTAssertTrue(h.lines.allSatisfy { TextWidth.width($0) <= 60 }, h.text)
        }
        h.press(.char("?"))
        XCTAssertTrue(h.screen.contains("bpfnav keys"), h.text)
        XCTAssertTrue(h.screen.contains("quit"), h.text)
    }

    func testHelpOverlay() {
        let h = Harness(sampleSnapshot())
        h.press(.char("?"))
        XCTAssertTrue(h.app.showHelp)
        for text in ["bpfnav keys", "move", "filter as you type", "sort by the next", "hex", "run-time stats", "quit",
                     "any key closes", "F6", "jump: :map 42", "z", "q  F10"] {
            XCTAssertTrue(h.screen.contains(text), "help lacks '\(text)':\n\(h.text)")
        }
        XCTAssertEqual(h.press(.char("q")), .keepGoing, "q closes the help, it does not quit")
        XCTAssertFalse(h.app.showHelp)
        XCTAssertFalse(h.screen.contains("bpfnav keys"))
        h.press(.function(1))
        XCTAssertTrue(h.app.showHelp, "F1 too")
        h.press(.escape)
        XCTAssertFalse(h.app.showHelp)
        XCTAssertTrue(h.app.stack.isEmpty, "the key that closes the help does nothing else")
    }

    func testResizeRedrawsAtTheNewSize() {
        let h = Harness(sampleSnapshot(), rows: 24, cols: 100)
        h.resize(rows: 40, cols: 120)
        XCTAssertTrue(h.screen.line(39).contains("q quit"), h.text)
        h.resize(rows: 20, cols: 60)
        XCTAssertTrue(h.screen.line(19).contains("q quit"), h.text)
        XCTAssertTrue(h.screen.contains("counter"), h.text)
    }

    func testControlCharactersInNamesAreEscaped() {
        let evil = "evil\u{1b}[2J\nname\u{9b}"
        var data = sampleSnapshot()
        data.programs[0] = program(10, evil, maps: [20])
        data.maps[0] = map(20, "tab\there")
        data.tasks[0].comm = Array("bad\u{7}\r".utf8) + [0xff]
        let h = Harness(data)
        XCTAssertTrue(h.screen.contains("evil\\x1b[2J\\nname\\u{009b}"), h.text)
        for key in [Key.enter, .escape, .char("2"), .char("5"), .enter] {
            h.press(key)
            for row in h.screen.cells {
                for cell in row {
                    XCTAssertFalse(cell.text.unicodeScalars.contains(where: TextWidth.isControl),
                                   "\(key): a raw control character reached the screen:\n\(h.text)")
                }
            }
        }
        XCTAssertTrue(h.screen.contains("bad\\x07\\r\\xff"), h.text)
        h.press(.char("2"))
        XCTAssertTrue(h.screen.contains("tab\\there"), h.text)
    }

    func testAScreenNeverDrawsRawControlCharacters() {
        let screen = MemoryScreen(rows: 2, cols: 20)
        screen.draw("a\u{1b}b\nc", row: 0, col: 0, style: .normal)
        XCTAssertEqual(screen.line(0), "a?b?c")
    }

    func testWideCharactersKeepColumnsAligned() {
        var data = sampleSnapshot()
        data.programs = [program(1, "名前テスト", maps: [20]), program(2, "ascii_name", maps: [20]),
                         program(3, "ｆｕｌｌｗｉｄｔｈ_and_more_than_the_column_holds_名前", maps: [20])]
        let h = Harness(data, cols: 100)
        // The TAG column starts at the same display column on every row.
        let tags = ["0011223344556611", "0011223344556622", "0011223344556633"].map { h.screen.find($0)! }
        XCTAssertEqual(Set(tags.map(\.col)).count, 1, "\(tags)\n\(h.text)")
        for row in 3..<6 { XCTAssertEqual(h.screen.width(ofRow: row) <= 100, true) }
        XCTAssertTrue(h.screen.contains("名前テスト"), h.text)
        XCTAssertTrue(h.screen.contains("…"), "a name too wide is cut with …:\n\(h.text)")
    }

    func testColoursFollowNoColorAndTheTerminal() {
        XCTAssertTrue(CursesScreen.wantsColor(noColor: nil, terminalHasColors: true))
        XCTAssertTrue(CursesScreen.wantsColor(noColor: "", terminalHasColors: true), "an empty NO_COLOR is unset")
        XCTAssertFalse(CursesScreen.wantsColor(noColor: "1", terminalHasColors: true))
        XCTAssertFalse(CursesScreen.wantsColor(noColor: nil, terminalHasColors: false))
        // Without colours every style still stands out by its attributes.
        let attributes = CursesScreen.monochromeAttributes()
        for style in [Style.header, .navigatorActive, .columnHeader, .selected, .selectedInactive, .title, .heading,
                      .link, .error, .footerKey] {
            XCTAssertNotEqual(attributes[style] ?? 0, 0, "\(style) looks like plain text without colour")
        }
        XCTAssertNotEqual(attributes[.selected], attributes[.selectedInactive])
    }

    func testCursesKeyCodes() {
        XCTAssertEqual(CursesScreen.functionKey(KEY_UP), .up)
        XCTAssertEqual(CursesScreen.functionKey(KEY_NPAGE), .pageDown)
        XCTAssertEqual(CursesScreen.functionKey(KEY_RESIZE), .resize)
        XCTAssertEqual(CursesScreen.functionKey(KEY_BTAB), .backTab)
        XCTAssertEqual(CursesScreen.functionKey(KEY_F0 + 5), .function(5))
        XCTAssertEqual(CursesScreen.key(character: 0x0d), .enter)
        XCTAssertEqual(CursesScreen.key(character: 0x7f), .backspace)
        XCTAssertEqual(CursesScreen.key(character: 0x1b), .escape)
        XCTAssertEqual(CursesScreen.key(character: 0x540d), .char("名"))
    }
}

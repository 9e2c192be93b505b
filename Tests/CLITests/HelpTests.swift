import TestSupport
import XCTest
@testable import BPFNavCLI

final class HelpTests: XCTestCase {
    private let indent = String(repeating: " ", count: 26)

    /// The lines of `text` from the line after `heading` to the next blank line.
    private func section(_ heading: String, of text: String) -> [Substring] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: Substring(heading)) else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
    }

    func testThereAreCommandsToCheck() {
        let names = CLI.commands.map(\.name)
        for name in ["tasks", "files", "vmas", "maps", "pin", "unpin", "pins", "cat"] {
            XCTAssertTrue(names.contains(name), "\(name) missing from \(names)")
        }
        XCTAssertEqual(Set(CLI.commands.map(\.name)).count, CLI.commands.count, "command names are unique")
    }

    func testTextListsEveryOption() {
        for spec in CLI.commands {
            let text = Help.text(spec)
            XCTAssertTrue(text.hasPrefix(Help.wrap(spec.abstract) + "\n"), "\(spec.name): starts with its abstract")
            XCTAssertTrue(text.contains("USAGE: bpfnav \(spec.name)"), spec.name)
            let options = section("OPTIONS:", of: text)
            XCTAssertFalse(options.isEmpty, "\(spec.name): no OPTIONS section")
            let optionText = options.joined(separator: "\n")
            for option in spec.options {
                let left = option.value.map { "  --\(option.name) <\($0)>" } ?? "  --\(option.name)"
                XCTAssertTrue(options.contains { $0 == left || $0.hasPrefix(left + " ") },
                              "\(spec.name): no row for --\(option.name) in\n\(optionText)")
                let usage = option.value.map { "[--\(option.name) \($0)]" } ?? "[--\(option.name)]"
                XCTAssertTrue(Help.usage(spec).contains(usage), "\(spec.name): usage lacks \(usage)")
                // Every word of the option's help is there, in order.
                let words = optionText.split(whereSeparator: { $0 == " " || $0 == "\n" })
                let helpWords = option.help.split(separator: " ")
                XCTAssertNotNil(words.firstRange(of: helpWords), "\(spec.name): help of --\(option.name) incomplete")
            }
            XCTAssertTrue(options.contains { $0.hasPrefix("  -h, --help ") }, "\(spec.name): no -h, --help")
            // Rows: one option row per option plus -h, nothing else at column 2.
            let rowStarts = options.filter { $0.hasPrefix("  -") }
            XCTAssertEqual(rowStarts.count, spec.options.count + 1, "\(spec.name): \(rowStarts)")
            if let positionals = spec.positionals {
                let arguments = section("ARGUMENTS:", of: text)
                XCTAssertTrue(arguments.first?.hasPrefix("  <\(positionals)>") ?? false, "\(spec.name): \(arguments)")
                XCTAssertTrue(Help.usage(spec).contains("[\(positionals)…]"))
            } else {
                XCTAssertFalse(text.contains("ARGUMENTS:"), spec.name)
            }
            // The discussion is there word for word (wrapped at 80 columns).
            let words = { (s: String) in s.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
            if !spec.discussion.isEmpty { XCTAssertTrue(words(text).contains(words(spec.discussion)), spec.name) }
            for line in text.split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, 80, "\(spec.name): '\(line)'")
            }
        }
    }

    func testOptionAndArgumentRowsFitIn80Columns() {
        for spec in CLI.commands {
            let text = Help.text(spec)
            for line in section("OPTIONS:", of: text) + section("ARGUMENTS:", of: text) {
                XCTAssertLessThanOrEqual(line.count, 80, "\(spec.name): '\(line)'")
                XCTAssertFalse(line.hasSuffix(" "), "\(spec.name): trailing space in '\(line)'")
            }
        }
    }

    /// A discussion's rows wrap under their own column, their indented
    /// continuations join them, and prose lines run together into one
    /// paragraph (`map --help` wrapped a row and cut sentences in two).
    func testDiscussionRowsAndProse() {
        let words = Array(repeating: "word", count: 16).joined(separator: " ")
        let text = Help.discussion("""
        bpfnav x ID          \(words)
                             more
        Prose that goes on
        and on.

        Next.
        """)
        XCTAssertEqual(text, """
        bpfnav x ID          word word word word word word word word word word word word
                             word word word word more

        Prose that goes on and on.

        Next.
        """)
        let map = Help.text(MapCommand.spec)
        let lines = map.split(separator: "\n")
        let row = lines.firstIndex { $0.hasPrefix("bpfnav map dump ID|PIN") }!
        XCTAssertTrue(lines[row + 1].hasPrefix(String(repeating: " ", count: 32)) && lines[row + 1].dropFirst(32).first != " ",
                      "under its column:\n\(map)")
        XCTAssertTrue(map.contains("where the map type\nallows, else key by key.") || map.contains("where the map type allows,"),
                      "a sentence is not cut at the source's line breaks:\n\(map)")
    }

    /// -v, -p, --color and --version in every command's help.
    func testGlobalOptionsInEveryHelp() {
        for spec in CLI.commands {
            let global = section("GLOBAL OPTIONS:", of: Help.text(spec)).joined(separator: "\n")
            for option in ["-v, --verbose", "-p, --pretty", "--color <WHEN>", "-V, --version"] {
                XCTAssertTrue(global.contains("  \(option) "), "\(spec.name): \(option)")
            }
        }
    }

    func testOverviewListsEveryCommand() {
        let overview = Help.overview(CLI.commands)
        let commands = section("COMMANDS:", of: overview)
        for spec in CLI.commands {
            XCTAssertTrue(commands.contains { $0.hasPrefix("  \(spec.name) ") }, "overview lacks \(spec.name)")
            let words = commands.joined(separator: " ").split(separator: " ")
            XCTAssertNotNil(words.firstRange(of: spec.abstract.split(separator: " ")), "abstract of \(spec.name)")
        }
        for line in commands { XCTAssertLessThanOrEqual(line.count, 80, "'\(line)'") }
    }

    // MARK: - Help.row

    func testRowPadsShortLeftToColumn26() {
        XCTAssertEqual(Help.row("--json", "Print JSON."), "  --json" + String(repeating: " ", count: 18) + "Print JSON.\n")
        // 23 characters: "  " + 23 = 25, one space to column 26.
        let left = String(repeating: "l", count: 23)
        XCTAssertEqual(Help.row(left, "h"), "  \(left) h\n")
    }

    func testRowPutsHelpOfLongLeftOnNextLine() {
        // 24 characters would touch the help text: it goes on the next line.
        let left = String(repeating: "l", count: 24)
        XCTAssertEqual(Help.row(left, "help text"), "  \(left)\n\(indent)help text\n")
    }

    func testRowFillsExactly80Columns() {
        let a = String(repeating: "a", count: 26), b = String(repeating: "b", count: 27)
        // 26 + 26 + 1 + 27 = 80: fits.
        XCTAssertEqual(Help.row("x", "\(a) \(b)"), "  x" + String(repeating: " ", count: 23) + "\(a) \(b)\n")
        // One more character and the second word moves to the next line.
        XCTAssertEqual(Help.row("x", "\(a) \(b)b"), "  x" + String(repeating: " ", count: 23) + "\(a)\n\(indent)\(b)b\n")
    }

    func testRowWrapsLongHelp() {
        var rng = SplitMix64(seed: 80)
        for _ in 0..<300 {
            let words = (0..<Int(1 + rng.next() % 40)).map { _ in
                String(repeating: "w", count: Int(1 + rng.next() % 20))
            }
            let left = String(repeating: "-", count: Int(1 + rng.next() % 30))
            let help = words.joined(separator: " ")
            let row = Help.row(left, help)
            XCTAssertTrue(row.hasSuffix("\n"))
            let lines = row.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
            for line in lines {
                XCTAssertLessThanOrEqual(line.count, 80, "'\(line)' in\n\(row)")
                XCTAssertFalse(line.hasSuffix(" "), "trailing space: '\(line)'")
            }
            XCTAssertTrue(lines[0].hasPrefix("  " + left))
            // Continuation lines start at column 26, on a word.
            for line in lines.dropFirst() {
                XCTAssertTrue(line.hasPrefix(indent) && line.dropFirst(26).first != " ", "'\(line)'")
            }
            // Nothing lost or reordered.
            let helpPart = lines.enumerated().map { i, line in
                i == 0 ? String(line.dropFirst(2 + left.count)) : String(line)
            }.joined(separator: " ")
            XCTAssertEqual(helpPart.split(separator: " ").map(String.init), words)
            // Greedy: a line is only broken when its next word would not fit.
            let helpLines = lines.enumerated().filter { i, _ in i > 0 || left.count + 2 < 26 }.map(\.element)
            for (line, next) in zip(helpLines, helpLines.dropFirst()) {
                let nextWord = next.dropFirst(26).split(separator: " ").first!
                XCTAssertGreaterThan(line.count + 1 + nextWord.count, 80, "'\(line)' could hold '\(nextWord)'")
            }
        }
    }
}

import BPFKit
import Glibc
import Iterators
import XCTest
@testable import BPFNavCLI

/// The typed option keys: each conversion with today's messages, and the
/// keys as the command table declares them.
final class OptionTests: XCTestCase {
    /// The usage error `key`'s conversion makes of `text`.
    private func message<Value>(_ key: Option<Value>, _ text: String,
                                file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            let value = try key.convert(text)
            XCTFail("--\(key.spec.name) '\(text)' accepted as \(value)", file: file, line: line)
            return nil
        } catch {
            return error.message
        }
    }

    func testTaskIDs() throws {
        XCTAssertEqual(try Option.pid.convert("42"), 42)
        XCTAssertEqual(try Option.tid.convert("007"), 7)
        XCTAssertEqual(message(.pid, "0"), "--pid takes a positive number, not '0'")
        XCTAssertEqual(message(.tid, "-1"), "--tid takes a positive number, not '-1'")
        XCTAssertEqual(message(.tid, "4294967296"), "--tid takes a positive number, not '4294967296'")
    }

    func testTaskParams() throws {
        func params(_ args: [String]) throws -> IterParams {
            try Parser.parse(args, for: TasksCommand.spec).taskParams()
        }
        XCTAssertEqual(try params([]), .all)
        XCTAssertEqual(try params(["--pid", "12"]), .pid(12))
        XCTAssertEqual(try params(["--tid=13"]), .tid(13))
        XCTAssertThrowsError(try params(["--pid", "1", "--tid", "x"])) {
            XCTAssertEqual(($0 as? UsageError)?.message, "--pid and --tid cannot be used together", "exclusive first")
        }
        XCTAssertThrowsError(try params(["--tid", "0"])) {
            XCTAssertEqual(($0 as? UsageError)?.message, "--tid takes a positive number, not '0'")
        }
        // pin declares the same keys, with its own help.
        XCTAssertEqual(try Parser.parse(["files", "--pid", "5"], for: PinCommand.spec).taskParams(), .pid(5))
    }

    func testMode() throws {
        XCTAssertEqual(try Option.mode.convert("600"), 0o600)
        XCTAssertEqual(try Option.mode.convert("0640"), 0o640)
        XCTAssertEqual(try Option.mode.convert("666"), 0o666)
        for bad in ["", "abc", "755", "00600", "1600", "8", "-600", "+600", " 600", "６００"] {
            XCTAssertEqual(message(.mode, bad), "--mode takes octal read/write bits such as 600, 640 or 644, not '\(bad)'")
        }
        for ownerless in ["400", "200", "044", "0"] {
            XCTAssertEqual(message(.mode, ownerless), "--mode must leave the owner read and write access (6xx)")
        }
    }

    func testGroup() throws {
        XCTAssertEqual(try Option.group.convert("0"), 0)
        XCTAssertEqual(try Option.group.convert("1234"), 1234)
        XCTAssertEqual(try Option.group.convert("+7"), 7)
        XCTAssertEqual(try Option.group.convert("4294967294"), gid_t.max - 1)
        let range = "ids go from 0 to 4294967294 (4294967295, which is -1, tells chown to leave the group unchanged)"
        XCTAssertEqual(message(.group, "-1"), "--group -1 is not a group id: \(range)")
        XCTAssertEqual(message(.group, "4294967295"), "--group 4294967295 is not a group id: \(range)")
        XCTAssertEqual(message(.group, "99999999999999999999999"), "--group 99999999999999999999999 is not a group id: \(range)")
        XCTAssertEqual(message(.group, "no group:by this name"),
                       "no group named 'no group:by this name' in /etc/group (give a group from a directory service by number)")
    }

    func testLimit() throws {
        XCTAssertEqual(try Option.limit.convert("0"), 0)
        XCTAssertEqual(try Option.limit.convert("250"), 250)
        for bad in ["", "-1", "+1", "x", "1.5", "99999999999999999999"] {
            XCTAssertEqual(message(.limit, bad), "--limit takes a number of entries, not '\(bad)'")
        }
    }

    func testDelay() throws {
        XCTAssertEqual(try Option.delay.convert("5"), 5)
        XCTAssertEqual(try Option.delay.convert("0.5"), 0.5)
        XCTAssertEqual(try Option.delay.convert("0"), 0, "0: only on r")
        XCTAssertEqual(try Option.delay.convert("0.01"), 0.2, "no faster than 0.2 s")
        for bad in ["", "x", "-1", "+1", "inf", "nan", "1s"] {
            XCTAssertEqual(message(.delay, bad), "--delay takes a number of seconds (2, 0.5; 0 refreshes only on r), not '\(bad)'")
        }
        let args = try Parser.parse(BrowseCommand.expandingShortOptions(["-d3"]), for: BrowseCommand.spec)
        XCTAssertEqual(try args[.delay], 3)
        XCTAssertNil(try Arguments(BrowseCommand.spec)[.delay])
    }

    /// Run-time statistics are on in the browser unless --no-stats, which
    /// its help explains.
    func testNoStats() throws {
        XCTAssertFalse(Arguments(BrowseCommand.spec)[.noStats], "on by default")
        let args = try Parser.parse(BrowseCommand.expandingShortOptions(["-d1", "--no-stats"]), for: BrowseCommand.spec)
        XCTAssertTrue(args[.noStats])
        XCTAssertEqual(try args[.delay], 1)
        let help = Help.text(BrowseCommand.spec)
        let words = help.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        XCTAssertTrue(help.contains("  --no-stats "), help)
        XCTAssertTrue(words.contains("Leave run-time statistics off at start (S turns them on)."), help)
        XCTAssertTrue(words.contains("on from the start unless --no-stats"), help)
    }

    func testTextOptionsAreTakenAsTheyAre() throws {
        for text in ["", "-", "a b", "--json", "\u{1b}[2J"] {
            XCTAssertEqual(try Option.dir.convert(text), text)
            XCTAssertEqual(try Option.name.convert(text), text)
        }
        let pins = try Parser.parse(["--dir", "/tmp/x/", "--shared"], for: UnpinCommand.spec).pins
        XCTAssertEqual(pins.requested, "/tmp/x")
        XCTAssertTrue(pins.shared)
        let defaults = try Arguments(CatCommand.spec).pins
        XCTAssertEqual(defaults.requested, IterPins.defaultDirectory)
        XCTAssertFalse(defaults.shared)
    }

    func testGivenDoesNotConvert() throws {
        let args = try Parser.parse(["1", "--limit", "x"], for: MapCommand.spec)
        XCTAssertTrue(args.given(.limit))
        XCTAssertFalse(args.given(.ndjson))
        XCTAssertThrowsError(try args[.limit])
    }

    func testDeclares() {
        let args = Arguments(TasksCommand.spec)
        XCTAssertTrue(args.declares(.pid))
        XCTAssertTrue(args.declares(.json))
        XCTAssertFalse(args.declares(.dir))
        XCTAssertFalse(args.declares(.pids))
        // The same name as a flag is another key.
        XCTAssertFalse(args.declares(Flag("pid", "")))
        XCTAssertFalse(args.declares(Option<String>("json", "X", "")))
    }

    /// A name means one key everywhere: a flag in one command is not an
    /// option with a value in another, so that one key reads them all.
    func testOneNameOneKind() {
        var placeholders: [String: String?] = [:]
        for spec in CLI.commands {
            XCTAssertEqual(Set(spec.options.map(\.name)).count, spec.options.count, "\(spec.name): an option twice")
            for option in spec.options {
                if let known = placeholders[option.name] {
                    XCTAssertEqual(known, option.value, "\(spec.name): --\(option.name)")
                } else {
                    placeholders[option.name] = option.value
                }
            }
        }
    }

    func testCommandsOwnHelpKeepsTheKey() {
        let pinPID = PinCommand.spec.options.first { $0.name == "pid" }
        let tasksPID = TasksCommand.spec.options.first { $0.name == "pid" }
        XCTAssertEqual(pinPID?.value, "PID")
        XCTAssertEqual(tasksPID?.help, Option.pid.spec.help)
        XCTAssertNotEqual(pinPID?.help, tasksPID?.help)
    }
}

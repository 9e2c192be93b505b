import Foundation
import TestSupport
import XCTest
@testable import BPFNavCLI

final class ParserTests: XCTestCase {
    /// Flags and valued options.
    static let options: [any OptionKey] = [
        .json.with(help: "JSON."), .all.with(help: "All."),
        .pid.with(help: "A pid."), .name.with(help: "A name."),
    ]
    /// A command with flags, valued options and positionals.
    static let demo = CommandSpec(name: "demo", abstract: "Demo.", options: options, positionals: "ITEM", run: { _ in })
    /// The same options, but no positional arguments.
    static let plain = CommandSpec(name: "plain", abstract: "Plain.", options: options, run: { _ in })

    private func parse(_ args: [String], _ spec: CommandSpec = demo,
                       file: StaticString = #filePath, line: UInt = #line) -> Arguments? {
        do {
            return try Parser.parse(args, for: spec)
        } catch {
            XCTFail("\(args) rejected: \(error.message)", file: file, line: line)
            return nil
        }
    }

    /// The message of the usage error `args` must cause.
    private func usageError(_ args: [String], _ spec: CommandSpec = demo,
                            file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let parsed = try Parser.parse(args, for: spec)
            XCTFail("\(args) accepted: \(parsed)", file: file, line: line)
            return ""
        } catch {
            return error.message
        }
    }

    // MARK: - Accepted command lines

    func testEmpty() throws {
        let a = try XCTUnwrap(parse([]))
        XCTAssertEqual(a.command, "demo")
        XCTAssertTrue(a.flags.isEmpty)
        XCTAssertTrue(a.values.isEmpty)
        XCTAssertTrue(a.positionals.isEmpty)
    }

    func testFlags() throws {
        let a = try XCTUnwrap(parse(["--json", "--all"]))
        XCTAssertEqual(a.flags, ["json", "all"])
        XCTAssertTrue(a[.json])
        XCTAssertTrue(a[.all])
        XCTAssertTrue(a.values.isEmpty)
        XCTAssertTrue(a.positionals.isEmpty)

        let b = try XCTUnwrap(parse(["--all"]))
        XCTAssertFalse(b[.json])
        XCTAssertNil(b.values["json"], "a flag is not a value")
    }

    func testOptionWithSeparateValue() throws {
        let a = try XCTUnwrap(parse(["--pid", "42", "--name", "x y"]))
        XCTAssertEqual(a.values, ["pid": "42", "name": "x y"])
        XCTAssertEqual(a.values["pid"], "42")
        XCTAssertTrue(a.flags.isEmpty, "a valued option is not a flag")
        XCTAssertFalse(a.flags.contains("pid"))
        XCTAssertTrue(a.positionals.isEmpty, "the value is not a positional")
    }

    func testOptionWithInlineValue() throws {
        XCTAssertEqual(parse(["--pid=42"])?.values, ["pid": "42"])
        XCTAssertEqual(parse(["--name=a=b"])?.values, ["name": "a=b"], "only the first '=' separates")
        XCTAssertEqual(parse(["--name="])?.values, ["name": ""], "an empty inline value is a value")
        XCTAssertEqual(parse(["--name=--json"])?.values, ["name": "--json"])
        XCTAssertEqual(parse(["--name=--json"])?.flags, [])
    }

    func testSeparateValueMayStartWithADash() throws {
        // "-" and negative numbers are values when an option expects one.
        XCTAssertEqual(parse(["--name", "-"])?.values, ["name": "-"])
        XCTAssertEqual(parse(["--pid", "-1"])?.values, ["pid": "-1"])
    }

    func testDoubleDashEndsOptions() throws {
        let a = try XCTUnwrap(parse(["--json", "--", "--pid", "-x", "--", "b"]))
        XCTAssertEqual(a.flags, ["json"])
        XCTAssertTrue(a.values.isEmpty)
        XCTAssertEqual(a.positionals, ["--pid", "-x", "--", "b"])
    }

    func testPositionalsAmongOptions() throws {
        let a = try XCTUnwrap(parse(["a", "--json", "b", "--pid", "3", "-", "c"]))
        XCTAssertEqual(a.positionals, ["a", "b", "-", "c"], "order kept; a lone '-' is a positional")
        XCTAssertEqual(a.flags, ["json"])
        XCTAssertEqual(a.values, ["pid": "3"])
    }

    func testRealCommandSpecs() throws {
        let a = try XCTUnwrap(parse(["--pid", "7", "--ndjson"], TasksCommand.spec))
        XCTAssertEqual(a.command, "tasks")
        XCTAssertEqual(try a[.pid], 7)
        XCTAssertTrue(a[.ndjson])
        XCTAssertEqual(usageError(["--pid", "1"], MapsCommand.spec), "unknown option '--pid' for 'maps'")
        XCTAssertEqual(usageError(["x"], MapsCommand.spec), "'maps' takes no arguments, but got 'x'")
        XCTAssertEqual(parse(["tasks", "maps"], PinCommand.spec)?.positionals, ["tasks", "maps"])
    }

    // MARK: - Usage errors

    func testUnknownOption() {
        XCTAssertEqual(usageError(["--bogus"]), "unknown option '--bogus' for 'demo'")
        XCTAssertEqual(usageError(["--bogus=1"]), "unknown option '--bogus' for 'demo'")
        XCTAssertEqual(usageError(["--json", "--JSON"]), "unknown option '--JSON' for 'demo'", "names are case-sensitive")
        XCTAssertEqual(usageError(["--pi", "1"]), "unknown option '--pi' for 'demo'", "no prefix matching")
        XCTAssertEqual(usageError(["-x"]), "unknown option '-x' for 'demo'")
        XCTAssertEqual(usageError(["-pid", "1"]), "unknown option '-pid' for 'demo'", "single dash long options are not accepted")
        XCTAssertEqual(usageError(["--=1"]), "unknown option '--' for 'demo'")
    }

    func testMissingValue() {
        XCTAssertEqual(usageError(["--pid"]), "--pid needs a value (PID)")
        XCTAssertEqual(usageError(["--json", "--name"]), "--name needs a value (NAME)")
    }

    func testValueGivenTwice() {
        XCTAssertEqual(usageError(["--pid", "1", "--pid", "2"]), "--pid was given twice")
        XCTAssertEqual(usageError(["--pid=1", "--pid", "1"]), "--pid was given twice")
        XCTAssertEqual(usageError(["--name=", "--name="]), "--name was given twice", "an empty value counts")
    }

    func testFlagGivenAValue() {
        XCTAssertEqual(usageError(["--json=1"]), "--json takes no value")
        XCTAssertEqual(usageError(["--json="]), "--json takes no value")
        XCTAssertEqual(usageError(["--ndjson=true"], TasksCommand.spec), "--ndjson takes no value")
    }

    func testPositionalsToACommandThatTakesNone() {
        XCTAssertEqual(usageError(["x"], ParserTests.plain), "'plain' takes no arguments, but got 'x'")
        XCTAssertEqual(usageError(["--json", "x"], ParserTests.plain), "'plain' takes no arguments, but got 'x'")
        XCTAssertEqual(usageError(["-"], ParserTests.plain), "'plain' takes no arguments, but got '-'")
        XCTAssertEqual(usageError(["--", "--json"], ParserTests.plain), "'plain' takes no arguments, but got '--json'")
        // A lone "--" with nothing after it is fine.
        XCTAssertEqual(parse(["--json", "--"], ParserTests.plain)?.flags, ["json"])
    }

    // MARK: - --pid: a positive id

    private func id(_ text: String) throws -> UInt32? {
        try Arguments(ParserTests.demo, values: ["pid": text])[.pid]
    }

    func testIdAcceptsPositiveDecimals() throws {
        XCTAssertEqual(try id("42"), 42)
        XCTAssertEqual(try id("1"), 1)
        XCTAssertEqual(try id("007"), 7, "leading zeros are still decimal")
        XCTAssertEqual(try id("4294967295"), UInt32.max)
        XCTAssertNil(try Arguments(ParserTests.demo)[.pid], "absent is nil, not an error")
    }

    func testIdRejects() {
        for bad in ["0", "00", "-1", "+5", "abc", "12x", "x12", "1 2", " 5", "5 ", "0x10", "1e3", "1.5", "",
                    "99999999999", "4294967296", "١٢", "４２"] {
            XCTAssertThrowsError(try id(bad), "'\(bad)' accepted") { error in
                XCTAssertEqual((error as? UsageError)?.message, "--pid takes a positive number, not '\(bad)'")
            }
        }
    }

    // MARK: - Arguments.exclusive

    private static let a = Flag("a", "A."), b = Option<String>("b", "B", "B."), c = Flag("c", "C.")
    /// Options to exclude one another.
    private static let exclusiveSpec = CommandSpec(
        name: "demo", abstract: "Demo.", options: [.json, .ndjson, .pid, .tid, .name, .all, a, b, c], run: { _ in })

    private func arguments(flags: Set<String> = [], values: [String: String] = [:]) -> Arguments {
        Arguments(ParserTests.exclusiveSpec, flags: flags, values: values)
    }

    func testExclusive() throws {
        XCTAssertNoThrow(try arguments().exclusive(.pid, .tid))
        XCTAssertNoThrow(try arguments(values: ["pid": "1"]).exclusive(.pid, .tid))
        XCTAssertNoThrow(try arguments(flags: ["json"], values: ["pid": "1"]).exclusive(.pid, .tid),
                         "options not named do not count")

        XCTAssertThrowsError(try arguments(values: ["pid": "1", "tid": "2"]).exclusive(.pid, .tid)) {
            XCTAssertEqual(($0 as? UsageError)?.message, "--pid and --tid cannot be used together")
        }
        XCTAssertThrowsError(try arguments(flags: ["json", "ndjson"]).exclusive(.json, .ndjson)) {
            XCTAssertEqual(($0 as? UsageError)?.message, "--json and --ndjson cannot be used together")
        }
        // A flag and a valued option, in the order the names were given.
        XCTAssertThrowsError(try arguments(flags: ["all"], values: ["name": "x"]).exclusive(.name, .all)) {
            XCTAssertEqual(($0 as? UsageError)?.message, "--name and --all cannot be used together")
        }
        XCTAssertThrowsError(try arguments(flags: ["a", "c"], values: ["b": ""]).exclusive(Self.a, Self.b, Self.c)) {
            XCTAssertEqual(($0 as? UsageError)?.message, "--a and --b and --c cannot be used together")
        }
    }

    func testExclusiveAfterParsing() throws {
        let a = try XCTUnwrap(parse(["--pid", "1", "--tid=1"], TasksCommand.spec))
        XCTAssertThrowsError(try a.exclusive(.pid, .tid))
        let b = try XCTUnwrap(parse(["--json", "--ndjson"], TasksCommand.spec))
        XCTAssertThrowsError(try DumpFormat(b))
        XCTAssertEqual(try DumpFormat(XCTUnwrap(parse(["--ndjson"], TasksCommand.spec))), .ndjson)
        XCTAssertEqual(try DumpFormat(XCTUnwrap(parse(["--json"], TasksCommand.spec))), .json)
        XCTAssertEqual(try DumpFormat(XCTUnwrap(parse([], TasksCommand.spec))), .table)
    }
    /// bpftool's -j is --json wherever the command has --json, and an
    /// unknown option (with the suggestion) where it has not.
    func testDashJIsJSON() throws {
        XCTAssertEqual(parse(["-j", "x"])?.flags, ["json"])
        let noJSON = CommandSpec(name: "nojson", abstract: "No JSON.", options: [.all.with(help: "All.")], run: { _ in })
        XCTAssertTrue(usageError(["-j"], noJSON).contains("unknown option '-j'"))
    }

    /// bpftool's spellings of objects: `show id N`, `list id N`, `id N`,
    /// `pinned PATH`, several of them; anything else is left for the usual checks.
    func testBpftoolFormsOfOneObject() {
        XCTAssertEqual(ObjectCommands.bpftoolForms(["show", "id", "42"]), ["42"])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["list", "id", "42"]), ["42"])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["id", "42"]), ["42"])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["pinned", "/sys/fs/bpf/x"]), ["/sys/fs/bpf/x"])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["42"]), ["42"])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["show"]), [])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["id", "1", "2"]), ["1", "2"])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["show", "id", "1", "id", "2", "pinned", "/p"]), ["1", "2", "/p"])
        XCTAssertEqual(ObjectCommands.bpftoolForms(["id"]), ["id"], "a lone 'id' is refused as an ID later")
    }

}

/// Random command lines against every command's table: the parser returns
/// or throws a UsageError, never traps, and what it accepts it accepts
/// consistently.
final class ParserFuzzTests: XCTestCase {
    func testRandomCommandLines() {
        var rng = SplitMix64(seed: fuzzSeed(0xa5a5_f00d))
        let pool = ["--json", "--ndjson", "--pid", "--tid", "--dir", "--name", "--mode", "--group", "--limit",
                    "--all", "--mount", "--xlated", "--delay", "--", "-", "-h", "--pid=", "--json=1", "=",
                    "0", "1", "4294967296", "-1", "abc", "tasks", "files", "vmas", "maps", "dump",
                    "\u{1b}[2J", "a\nb", "\u{202e}", "", " ", "--\u{00e9}", "ñ"]
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 7)
            var args: [String] = []
            for _ in 0..<count {
                if rng.next() % 5 == 0 {
                    let bytes = (0..<Int(rng.next() % 6)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    args.append(String(decoding: bytes, as: UTF8.self))
                } else {
                    args.append(pool[Int(rng.next() % UInt64(pool.count))])
                }
            }
            for spec in CLI.commands {
                let first = try? Parser.parse(args, for: spec)
                let second = try? Parser.parse(args, for: spec)
                XCTAssertEqual(first?.positionals, second?.positionals)
                if let parsed = first {
                    for name in parsed.values.keys {
                        XCTAssertTrue(spec.options.contains { $0.name == name && $0.value != nil }, "\(spec.name): \(args)")
                    }
                    for name in parsed.flags {
                        XCTAssertTrue(spec.options.contains { $0.name == name && $0.value == nil }, "\(spec.name): \(args)")
                    }
                    if parsed.declares(.pid) { _ = try? parsed[.pid] }
                }
            }
        }
    }

}

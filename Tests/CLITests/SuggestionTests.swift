import Foundation
import TestSupport
import XCTest
@testable import BPFNavCLI

/// "did you mean …?" for unknown commands and options.
final class SuggestionTests: XCTestCase {
    private let commands = CLI.commands.map(\.name) + ["help"]

    private func distance(_ a: String, _ b: String) -> Int {
        Suggestion.distance(Array(a), Array(b))
    }

    func testDistance() {
        XCTAssertEqual(distance("", ""), 0)
        XCTAssertEqual(distance("", "abc"), 3)
        XCTAssertEqual(distance("abc", ""), 3)
        XCTAssertEqual(distance("progs", "progs"), 0)
        XCTAssertEqual(distance("prgs", "progs"), 1, "a letter left out")
        XCTAssertEqual(distance("progss", "progs"), 1, "a letter too many")
        XCTAssertEqual(distance("prigs", "progs"), 1, "a letter changed")
        XCTAssertEqual(distance("shraed", "shared"), 1, "two neighbours swapped")
        XCTAssertEqual(distance("ca", "abc"), 3, "optimal string alignment: no edit of a swapped pair")
        XCTAssertEqual(distance("kitten", "sitting"), 3)
        XCTAssertEqual(distance("ab", "ba"), 1)
        XCTAssertEqual(distance("abc", "bca"), 2)
    }

    func testCommandHits() {
        XCTAssertEqual(Suggestion.best(for: "prgs", among: commands), "progs")
        XCTAssertEqual(Suggestion.best(for: "mpas", among: commands), "maps")
        XCTAssertEqual(Suggestion.best(for: "featurs", among: commands), "features")
        XCTAssertEqual(Suggestion.best(for: "Tasks", among: commands), "tasks", "case is ignored")
        XCTAssertEqual(Suggestion.best(for: "unpins", among: commands), "unpin", "the closest of two")
        XCTAssertEqual(Suggestion.best(for: "hlep", among: commands), "help")
    }

    func testCommandUniquePrefix() {
        XCTAssertEqual(Suggestion.best(for: "fe", among: commands), "features")
        XCTAssertEqual(Suggestion.best(for: "br", among: commands), "browse")
        XCTAssertEqual(Suggestion.best(for: "de", among: commands), "demo")
    }

    func testCommandAmbiguousOrFar() {
        XCTAssertNil(Suggestion.best(for: "pr", among: commands), "prog and progs")
        XCTAssertNil(Suggestion.best(for: "p", among: commands))
        XCTAssertNil(Suggestion.best(for: "pinn", among: commands), "pin and pins, one edit each")
        XCTAssertNil(Suggestion.best(for: "progz", among: commands), "prog and progs, one edit each")
        XCTAssertNil(Suggestion.best(for: "bogus", among: commands))
        XCTAssertNil(Suggestion.best(for: "ps", among: commands), "two letters get no edits")
        XCTAssertNil(Suggestion.best(for: "xyz", among: commands))
        XCTAssertNil(Suggestion.best(for: "", among: commands), "nothing typed begins every name")
        XCTAssertNil(Suggestion.best(for: "\u{1b}[2J", among: commands))
        XCTAssertNil(Suggestion.best(for: "prgs", among: []))
    }

    func testSizeOfTheTypo() {
        XCTAssertEqual(Suggestion.best(for: "jsn", among: ["json", "xlated"]), "json", "3 letters: one edit")
        XCTAssertNil(Suggestion.best(for: "jn", among: ["json", "xlated"]), "2 letters: none")
        XCTAssertNil(Suggestion.best(for: "mnt", among: ["mount", "dir"]), "3 letters: not two edits")
        XCTAssertEqual(Suggestion.best(for: "shrd", among: ["shared", "dir"]), nil, "4 letters: not two edits")
        XCTAssertEqual(Suggestion.best(for: "shaerdd", among: ["shared", "dir"]), "shared", "7 letters: two edits")
        XCTAssertNil(Suggestion.best(for: "shaerddd", among: ["shared", "dir"]), "never three")
    }

    // MARK: - Options, through the parser

    /// The hint of the usage error `args` cause for `spec`.
    private func hint(_ args: [String], _ spec: CommandSpec,
                      file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            _ = try Parser.parse(args, for: spec)
            XCTFail("\(args) accepted", file: file, line: line)
            return nil
        } catch {
            XCTAssertTrue(error.message.hasPrefix("unknown option '"), error.message, file: file, line: line)
            return error.hint
        }
    }

    func testOptionHits() {
        XCTAssertEqual(hint(["1", "--jsn"], ProgCommand.spec), "did you mean '--json'?")
        XCTAssertEqual(hint(["--prety"], TasksCommand.spec), "did you mean '--pretty'?", "a global option")
        XCTAssertEqual(hint(["--colr=never"], TasksCommand.spec), "did you mean '--color'?")
        XCTAssertEqual(hint(["--shraed"], PinCommand.spec), "did you mean '--shared'?")
        XCTAssertEqual(hint(["--jsno=1"], TasksCommand.spec), "did you mean '--json'?", "inline value")
        XCTAssertEqual(hint(["--JSON"], TasksCommand.spec), "did you mean '--json'?")
        XCTAssertEqual(hint(["-pid", "1"], TasksCommand.spec), "did you mean '--pid'?", "one dash")
        XCTAssertEqual(hint(["--no"], FeaturesCommand.spec), "did you mean '--no-cache'?", "unique prefix")
        XCTAssertEqual(hint(["--x"], ProgCommand.spec), "did you mean '--xlated'?", "unique prefix")
        XCTAssertEqual(hint(["--n"], PinsCommand.spec), "did you mean '--ndjson'?", "unique prefix")
        XCTAssertEqual(hint(["--hlep"], TasksCommand.spec), "did you mean '--help'?")
        // An option of another command: only what is close to one of this one's.
        XCTAssertEqual(hint(["--pid", "1"], MapsCommand.spec), "did you mean '--pids'?", "one letter from --pids")
        XCTAssertNil(hint(["--mode", "600"], UnpinCommand.spec))
        XCTAssertNil(hint(["--xlated"], LinkCommand.spec))
    }

    func testOptionMisses() {
        XCTAssertNil(hint(["--bogus"], TasksCommand.spec))
        XCTAssertNil(hint(["-x"], TasksCommand.spec))
        XCTAssertNil(hint(["--=1"], BrowseCommand.spec), "an empty name suggests nothing")
        XCTAssertNil(hint(["--json"], CatCommand.spec.withoutOptions), "nothing close but --help")
    }

    // MARK: - What is printed

    private func run(_ args: [String]) -> (status: Int32, stdout: String, stderr: String) {
        captureStandardStreams { CLI.run(args) }
    }

    private var commandList: String {
        "Commands: \(CLI.commands.map(\.name).joined(separator: ", ")); see 'bpfnav --help'.\n"
    }

    func testUnknownCommandMessage() {
        for args in [["prgs"], ["help", "prgs"], ["prgs", "--json"], ["prgs", "--help"]] {
            let r = run(args)
            XCTAssertEqual(r.status, 64, "\(args)")
            XCTAssertEqual(r.stdout, "", "\(args)")
            XCTAssertEqual(r.stderr, "bpfnav: unknown command 'prgs'\n  did you mean 'progs'?\n" + commandList, "\(args)")
        }
        XCTAssertEqual(run(["bogus"]).stderr, "bpfnav: unknown command 'bogus'\n" + commandList)
        XCTAssertEqual(run(["pr"]).stderr, "bpfnav: unknown command 'pr'\n" + commandList, "ambiguous")
    }

    func testUnknownOptionMessage() {
        let r = run(["prog", "--jsn"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "bpfnav: unknown option '--jsn' for 'prog'\n  did you mean '--json'?\nSee 'bpfnav prog --help'.\n")
        XCTAssertEqual(run(["pin", "--shraed"]).stderr,
                       "bpfnav: unknown option '--shraed' for 'pin'\n  did you mean '--shared'?\nSee 'bpfnav pin --help'.\n")
        XCTAssertEqual(run(["maps", "--pid", "1"]).stderr,
                       "bpfnav: unknown option '--pid' for 'maps'\n  did you mean '--pids'?\nSee 'bpfnav maps --help'.\n")
        XCTAssertEqual(run(["cat", "--mode", "600"]).stderr,
                       "bpfnav: unknown option '--mode' for 'cat'\nSee 'bpfnav cat --help'.\n")
    }

    func testUnknownOptionWithJSON() {
        // As a hint is: in the message, on a line of its own.
        let r = run(["prog", "--json", "--jsn"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(parseObject(Array(r.stdout.utf8))["error"] as? String,
                       "unknown option '--jsn' for 'prog'\n  did you mean '--json'?")
        let n = run(["files", "--ndjson", "--bogus"])
        XCTAssertEqual(parseObject(Array(n.stdout.utf8))["error"] as? String, "unknown option '--bogus' for 'files'")
    }
}

private extension CommandSpec {
    /// The same command with no options at all.
    var withoutOptions: CommandSpec {
        CommandSpec(name: name, abstract: abstract, run: run)
    }
}

import BPFKit
import Foundation
import TestSupport
import XCTest
@testable import BPFNavCLI

/// How a refused program reaches the user: the message names the program and
/// the verifier's reason, the file with the whole log, never "run as root";
/// libbpf's messages only with -v/--verbose; with --json a "log" field.
final class VerboseReportTests: XCTestCase {
    private static let verifierLog = (0..<300).map { "\($0): (07) r1 += 1\n" }.joined()
        + "R0 invalid mem access 'map_value_or_null'\nprocessed 301 insns (limit 1000000)\n"

    private static var rejection: BPFError {
        var e = BPFError("the kernel's verifier rejected", "bpfnav_vma_text", errno: EACCES, hint: "in BPF object task_vma",
                         log: "libbpf: prog 'bpfnav_vma_text': -- BEGIN PROG LOAD LOG --\n\(verifierLog)-- END PROG LOAD LOG --\n")
        e.cause = "R0 invalid mem access 'map_value_or_null'"
        e.logPath = "/tmp/bpfnav-verifier-bpfnav_vma_text-Ab12Cd.log"
        return e
    }

    private func report(_ error: any Error, json: Bool = false, verbose: Bool = false) -> (stdout: String, stderr: String) {
        let r = captureStandardStreams {
            CLI.report(error, json: json, verbose: verbose)
            return 0
        }
        return (r.stdout, r.stderr)
    }

    func testRejectionByDefault() {
        let r = report(Self.rejection)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, """
            bpfnav: the kernel's verifier rejected bpfnav_vma_text: R0 invalid mem access 'map_value_or_null' (EACCES)
              in BPF object task_vma
              the verifier's whole log is in /tmp/bpfnav-verifier-bpfnav_vma_text-Ab12Cd.log

            """)
        XCTAssertFalse(r.stderr.contains("run as root"))
    }

    func testVerbosePrintsTheWholeLog() {
        let r = report(Self.rejection, verbose: true)
        XCTAssertTrue(r.stderr.hasPrefix("bpfnav: the kernel's verifier rejected bpfnav_vma_text: "), r.stderr)
        XCTAssertTrue(r.stderr.contains(Self.verifierLog), "the whole log")
        XCTAssertTrue(r.stderr.hasSuffix("-- END PROG LOAD LOG --\n"), r.stderr)
    }

    func testJSONNamesTheLogFile() throws {
        let r = report(Self.rejection, json: true)
        XCTAssertEqual(r.stderr, "")
        let object = parseObject(Array(r.stdout.utf8))
        XCTAssertEqual(object["errno"] as? String, "EACCES")
        XCTAssertEqual(object["log"] as? String, "/tmp/bpfnav-verifier-bpfnav_vma_text-Ab12Cd.log")
        XCTAssertTrue((object["error"] as? String)?.hasPrefix("the kernel's verifier rejected bpfnav_vma_text: R0 invalid mem access") ?? false)
        // --json --verbose: the JSON object on stdout, the log on stderr.
        let both = report(Self.rejection, json: true, verbose: true)
        XCTAssertEqual(parseObject(Array(both.stdout.utf8))["log"] as? String, "/tmp/bpfnav-verifier-bpfnav_vma_text-Ab12Cd.log")
        XCTAssertTrue(both.stderr.contains(Self.verifierLog))
    }

    func testOtherErrorsHaveNoLogField() {
        let r = report(BPFError("find process", "99999", errno: ESRCH), json: true)
        XCTAssertEqual(topLevelKeys(Array(r.stdout.utf8)), ["error", "errno"])
    }

    /// libbpf's warnings follow the message only with --verbose, escaped:
    /// without it they buried the message ("Failed to bump RLIMIT_MEMLOCK").
    func testWarningsOnlyWithVerbose() {
        let e = BPFError("open BPF object", "x", errno: EINVAL, log: "libbpf: elf: \u{1b}[2J bad\n")
        XCTAssertEqual(report(e).stderr, "bpfnav: open BPF object x: Invalid argument (EINVAL)\n")
        XCTAssertEqual(report(e, verbose: true).stderr,
                       "bpfnav: open BPF object x: Invalid argument (EINVAL)\nlibbpf: elf: \\x1b[2J bad\n")
    }

    /// A refused program whose log no file could hold (out of file
    /// descriptors): the message says how to see it, and --verbose prints it.
    func testRejectionWithoutALogFile() {
        var e = Self.rejection
        e.logPath = nil
        let plain = report(e)
        XCTAssertFalse(plain.stderr.contains("libbpf:"), plain.stderr)
        XCTAssertTrue(plain.stderr.hasSuffix("  the verifier's log: run again with --verbose\n"), plain.stderr)
        XCTAssertTrue(report(e, verbose: true).stderr.contains(Self.verifierLog))
    }

    // MARK: - The global option

    func testVerboseIsTakenFromAnywhereBeforeDoubleDash() {
        XCTAssertTrue(CLI.extractingVerbose(["-v"]) == ([], true))
        XCTAssertTrue(CLI.extractingVerbose(["--verbose", "tasks", "--json"]) == (["tasks", "--json"], true))
        XCTAssertTrue(CLI.extractingVerbose(["pin", "files", "-v", "--pid", "1"]) == (["pin", "files", "--pid", "1"], true))
        XCTAssertTrue(CLI.extractingVerbose(["tasks"]) == (["tasks"], false))
        // An option's value and what follows -- are not the option.
        XCTAssertTrue(CLI.extractingVerbose(["pin", "--dir", "-v"]) == (["pin", "--dir", "-v"], false))
        XCTAssertTrue(CLI.extractingVerbose(["cat", "--", "-v"]) == (["cat", "--", "-v"], false))
        XCTAssertTrue(CLI.extractingVerbose(["-d", "-v"]) == (["-d", "-v"], false))
    }

    func testVerboseWithEveryCommand() {
        let help = captureStandardStreams { CLI.run(["tasks", "-v", "--help"]) }
        XCTAssertEqual(help.status, 0)
        XCTAssertEqual(help.stdout, Help.text(TasksCommand.spec))
        XCTAssertTrue(help.stdout.contains("GLOBAL OPTIONS:\n  -v, --verbose"), help.stdout)
        XCTAssertTrue(Help.overview(CLI.commands).contains("GLOBAL OPTIONS:\n  -v, --verbose"))
        // Still a usage error where the command's own words are wrong.
        let bad = captureStandardStreams { CLI.run(["tasks", "--verbose", "--bogus"]) }
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("unknown option '--bogus'"), bad.stderr)
    }
}

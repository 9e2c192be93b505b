import Foundation
import TestSupport
import XCTest
@testable import BPFNavCLI

/// Exit statuses and where the messages go. Every command line here fails
/// (or prints help) before anything is loaded into the kernel.
final class CLIRunTests: XCTestCase {
    private func run(_ args: [String]) -> (status: Int32, stdout: String, stderr: String) {
        captureStandardStreams { CLI.run(args) }
    }

    func testNoArgumentsPrintsTheOverview() {
        let r = run([])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, Help.overview(CLI.commands))
        XCTAssertEqual(r.stderr, "")
    }

    func testHelpFlagsPrintTheOverview() {
        for args in [["--help"], ["-h"], ["help"], ["--help", "tasks"]] {
            let r = run(args)
            XCTAssertEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stdout, Help.overview(CLI.commands), "\(args)")
            XCTAssertEqual(r.stderr, "", "\(args)")
        }
    }

    func testUnknownCommand() {
        let r = run(["bogus"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.hasPrefix("bpfnav: unknown command 'bogus'\n"), r.stderr)
        for spec in CLI.commands { XCTAssertTrue(r.stderr.contains(spec.name), "stderr lists \(spec.name)") }
        XCTAssertEqual(run(["--tasks"]).status, 64)
        XCTAssertEqual(run(["help", "bogus"]).status, 64)
        XCTAssertEqual(run(["Tasks"]).status, 64)
    }

    func testCommandHelp() {
        for args in [["help", "tasks"], ["tasks", "--help"], ["tasks", "-h"], ["tasks", "--pid", "0", "--help"],
                     ["tasks", "--bogus", "-h"]] {
            let r = run(args)
            XCTAssertEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stdout, Help.text(TasksCommand.spec), "\(args)")
            XCTAssertEqual(r.stderr, "", "\(args)")
        }
        for spec in CLI.commands {
            let r = run(["help", spec.name])
            XCTAssertEqual(r.status, 0, spec.name)
            XCTAssertEqual(r.stdout, Help.text(spec), spec.name)
        }
    }

    func testHelpAfterDoubleDashIsAPositional() {
        // "tasks -- --help": --help is a positional, and tasks takes none.
        let r = run(["tasks", "--", "--help"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdout, "")
        XCTAssertTrue(r.stderr.contains("'tasks' takes no arguments, but got '--help'"), r.stderr)
    }

    func testPidAndTidTogether() {
        let r = run(["tasks", "--pid", "1", "--tid", "1"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "bpfnav: --pid and --tid cannot be used together\nSee 'bpfnav tasks --help'.\n")
        for command in ["files", "vmas"] {
            XCTAssertEqual(run([command, "--tid=2", "--pid=1"]).status, 64, command)
        }
    }

    func testUnknownOption() {
        let r = run(["tasks", "--bogus"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(r.stderr, "bpfnav: unknown option '--bogus' for 'tasks'\nSee 'bpfnav tasks --help'.\n")
    }

    func testOtherUsageErrorsBeforeAnythingIsLoaded() {
        for args in [["tasks", "--pid", "0"], ["tasks", "--pid", "abc"], ["files", "--tid", "-1"],
                     ["tasks", "--pid"], ["tasks", "--json", "--ndjson"], ["maps", "extra"],
                     // Each of these has a second mistake after the first, so that a
                     // regression in one check still cannot start a real dump.
                     ["maps", "--pid", "1", "extra"], ["vmas", "--json=1", "--pid", "0"],
                     ["tasks", "--pid", "0", "--pid", "x"]] {
            let r = run(args)
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
            if args.contains("--json") || args.contains("--ndjson") {
                // With --json the error is the JSON document on stdout.
                XCTAssertEqual(r.stderr, "", "\(args)")
                XCTAssertNotNil(parseObject(Array(r.stdout.utf8))["error"] as? String, "\(args): \(r.stdout)")
            } else {
                XCTAssertTrue(r.stderr.hasPrefix("bpfnav: "), "\(args): \(r.stderr)")
                XCTAssertEqual(r.stdout, "", "\(args)")
            }
        }
    }

    func testUsageErrorWithJSONIsAJSONObjectOnStdout() throws {
        let r = run(["tasks", "--json", "--pid", "0"])
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.stderr, "")
        XCTAssertTrue(r.stdout.hasSuffix("}\n"), r.stdout)
        let object = parseObject(Array(r.stdout.utf8))
        XCTAssertEqual(object.keys.sorted(), ["error"])
        XCTAssertEqual(object["error"] as? String, "--pid takes a positive number, not '0'")

        let n = run(["files", "--ndjson", "--bogus"])
        XCTAssertEqual(n.status, 64)
        XCTAssertEqual(parseObject(Array(n.stdout.utf8))["error"] as? String, "unknown option '--bogus' for 'files'")
    }

    func testUsageErrorMessageWithControlBytesStaysValidJSON() {
        let r = run(["tasks", "--json", "--pid", "1\u{1b}[2J\"\\"])
        XCTAssertEqual(r.status, 64)
        let object = parseObject(Array(r.stdout.utf8))
        XCTAssertEqual(object["error"] as? String, "--pid takes a positive number, not '1\u{1b}[2J\"\\'")
        XCTAssertFalse(r.stdout.utf8.contains(0x1b), "raw ESC in JSON output")
    }
}

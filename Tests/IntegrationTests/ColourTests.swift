import CLibBPF
import Foundation
import XCTest

/// Colour in tables: on a terminal (a pty, through script(1)), never in a
/// pipe, never with NO_COLOR; --color=always|never decides instead.
final class ColourTests: BPFTestCase {
    private let bold = "\u{1b}[1m"

    /// `bpfnav ARGS` on a pty: what the terminal received.
    private func onTerminal(_ arguments: String, noColor: String? = nil) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        environment["NO_COLOR"] = noColor
        let r = try runCommand("/usr/bin/script", ["-q", "-e", "-c", "\(bpfnavBinary) \(arguments)", "/dev/null"],
                               environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.text
    }

    func testTablesAreColouredOnlyOnATerminal() throws {
        // A row to colour, whatever else the machine has loaded.
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: "bpfnav_colour")
        defer { withExtendedLifetime(program) {} }
        let terminal = try onTerminal("progs")
        XCTAssertTrue(terminal.contains(bold + "ID" + "\u{1b}[0m"), "a bold header on a terminal:\n\(terminal.debugDescription)")
        XCTAssertTrue(terminal.contains("\u{1b}[36m"), "ids in colour")
        let piped = try bpfnav("progs")
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertFalse(piped.text.contains("\u{1b}["), "no escapes in a pipe")
        XCTAssertFalse(try onTerminal("progs", noColor: "1").contains("\u{1b}["), "none with NO_COLOR")
        XCTAssertFalse(try onTerminal("progs --color=never").contains("\u{1b}["))
        XCTAssertTrue(try bpfnav("--color=always", "progs").text.contains(bold + "ID"), "--color=always in a pipe")
        // A streamed table (tasks) has its header bold too.
        XCTAssertTrue(try onTerminal("tasks --pid \(getpid())").contains(bold + "    PID"))
    }
}

import Foundation
import Glibc
import TestSupport
import XCTest

/// The tmux driver's own test (TestSupport's TmuxSession). It drives a
/// shell, not bpfnav, and needs no privileges; it stays with the end-to-end
/// tests it serves so that the kernel matrix checks the driver in its
/// guests too.
final class TmuxSessionTests: XCTestCase {
    private let script = """
        printf hello; read x; echo "got:$x"; echo "env:$LANG $TERM $EXTRA"
        read y; stty size; exit 3
        """

    private func session() throws -> TmuxSession {
        do {
            return try TmuxSession(["sh", "-c", script], columns: 60, rows: 10, environment: ["EXTRA": "given"])
        } catch let failure as TmuxSession.Failure where failure.description.contains("not installed") {
            throw XCTSkip(failure.description)
        }
    }

    func testDrivesACommandAndReadsItsScreen() throws {
        let tmux = try session()
        XCTAssertTrue(tmux.waitFor { $0.hasPrefix("hello") })
        XCTAssertFalse(tmux.paneDead)
        XCTAssertNil(tmux.exitStatus)

        // Literal text: "Enter" typed, not pressed; then the key itself.
        tmux.sendText("a b Enter")
        tmux.sendKeys("Enter")
        XCTAssertTrue(tmux.waitFor { $0.contains("got:a b Enter\n") })
        XCTAssertTrue(tmux.waitFor { $0.contains("env:C.UTF-8 xterm-256color given") })
        let lines = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.first, "helloa b Enter", "the typed text is echoed after the prompt")
        XCTAssertLessThanOrEqual(lines.count, 11, "one line per row")

        tmux.resize(cols: 40, rows: 8)
        tmux.sendKeys("Enter")
        XCTAssertTrue(tmux.waitFor { $0.contains("8 40") }, "stty size sees the new size")
        XCTAssertEqual(tmux.waitForExit(), 3)
        XCTAssertTrue(tmux.paneDead, "remain-on-exit keeps the pane")
        XCTAssertTrue(tmux.capture().contains("8 40"), "the last screen stays readable")
    }

    func testKeyNamesAndKill() throws {
        let tmux = try session()
        XCTAssertTrue(tmux.waitFor { $0.hasPrefix("hello") })
        let pid = try XCTUnwrap(tmux.panePID)
        XCTAssertEqual(kill(pid, 0), 0)
        tmux.sendKeys("C-c")
        XCTAssertEqual(tmux.waitForExit(), 128 + SIGINT, "C-c ends sh with SIGINT")
        XCTAssertTrue(tmux.paneDead)

        let again = try session()
        XCTAssertTrue(again.waitFor { $0.hasPrefix("hello") })
        let running = try XCTUnwrap(again.panePID)
        again.kill()
        // Ended: gone, or a zombie nobody has reaped yet (the init of a
        // virtme-ng guest reaps orphans late).
        XCTAssertTrue(waitUntil {
            kill(running, 0) != 0
                || ((try? String(contentsOfFile: "/proc/\(running)/stat", encoding: .utf8)) ?? "").contains(") Z ")
        }, "kill-server ends the pane's command")
        XCTAssertEqual(again.capture(), "", "no server any more")
    }

    func testSocketDirectoryIsRemoved() throws {
        var directory = ""
        do {
            let tmux = try session()
            XCTAssertTrue(tmux.waitFor { $0.hasPrefix("hello") })
            directory = try XCTUnwrap(Mirror(reflecting: tmux).children.first { $0.label == "directory" }?.value as? String)
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/socket"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory), "deinit removes \(directory)")
    }
}

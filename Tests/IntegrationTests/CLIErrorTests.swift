import BPFKit
import CLibBPF
import Foundation
import Iterators
import TestSupport
import XCTest

/// Bad input: a clear message naming what is wrong, a non-zero exit, and
/// nothing changed in bpffs.
final class CLIErrorTests: BPFTestCase {
    private func assertFails(_ arguments: [String], mentions expected: [String],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try BPFFS.entries(of: pinDirectory)
        let result = try bpfnav(arguments)
        XCTAssertNotEqual(result.status, 0, "bpfnav \(arguments) succeeded", file: file, line: line)
        XCTAssertTrue(result.stdout.isEmpty, "stdout: \(result.text)", file: file, line: line)
        for text in expected {
            XCTAssertTrue(result.stderr.contains(text), "stderr lacks '\(text)':\n\(result.stderr)", file: file, line: line)
        }
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), before, "bpffs changed", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr, file: file, line: line)
    }

    func testDirectoryNotOnBPFFS() throws {
        let dir = NSTemporaryDirectory() + "bpfnav-not-bpffs-\(getpid())"
        try assertFails(["pin", "--dir", dir], mentions: ["is not on a bpffs", "mount -t bpf", "ENODEV"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
    }

    func testPidThatDoesNotExist() throws {
        // A pid above pid_max cannot exist.
        let pidMax = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = "\((Int(pidMax) ?? 4_194_304) + 1)"
        try assertFails(["pin", "files", "--pid", pid, "--dir", pinDirectory], mentions: ["process \(pid)", "ESRCH"])
        try assertFails(["pin", "tasks", "--tid", pid, "--dir", pinDirectory], mentions: ["thread \(pid)", "ESRCH"])
    }

    func testThreadGivenAsPid() throws {
        let (tid, release) = try parkThread()
        defer { release() }
        try assertFails(["pin", "tasks", "--pid", "\(tid)", "--dir", pinDirectory],
                        mentions: ["is a thread of process \(getpid())", "--tid \(tid)"])
    }

    func testUnknownKindAndConflictingOptions() throws {
        try assertFails(["pin", "sockets", "--dir", pinDirectory], mentions: ["unknown kind 'sockets'", "tasks, files, vmas or maps"])
        try assertFails(["pin", "--pid", "1", "--tid", "1", "--dir", pinDirectory], mentions: ["--pid and --tid"])
        try assertFails(["pin", "maps", "--pid", "\(getpid())", "--dir", pinDirectory], mentions: ["maps"])
        try assertFails(["pin", "tasks", "files", "--name", "x", "--dir", pinDirectory], mentions: ["--name needs exactly one KIND"])
        try assertFails(["pin", "tasks", "--name", "a.b", "--dir", pinDirectory], mentions: ["cannot contain '.'"])
        try assertFails(["unpin", "--dir", pinDirectory], mentions: ["--all"])
        try assertFails(["unpin", "nothing-here", "--dir", pinDirectory], mentions: ["no such pin", "ENOENT"])
        try assertFails(["cat", "nothing-here", "--dir", pinDirectory], mentions: ["nothing-here", "ENOENT", "nothing is pinned there"])
    }

    /// Paths in messages can be other users' names: escaped on stderr, the
    /// hint still on its own line.
    func testMessagesEscapeWhatTheyQuote() throws {
        let hostile = pinDirectory + "/a\u{1b}[2J\u{202e}b"
        let result = try bpfnav("cat", hostile)
        XCTAssertEqual(result.status, 1)
        XCTAssertFalse(result.stderr.contains("\u{1b}") || result.stderr.contains("\u{202e}"), result.stderr)
        XCTAssertTrue(result.stderr.contains("a\\x1b[2J\\u{202e}b"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 2, result.stderr)
    }

    /// `cat` reads pinned iterators only: a directory, an ordinary file and
    /// a pinned map are refused with what they are.
    func testCatOfWhatIsNotAPinnedIterator() throws {
        try assertFails(["cat", pinDirectory], mentions: ["EISDIR", "bpfnav pins \(pinDirectory)"])
        try assertFails(["cat", "/proc/self/status"], mentions: ["EINVAL", "not on a bpffs"])
        let map = try BPFMap(type: .array, name: "bpfnav_catmap", keySize: 4, valueSize: 4, maxEntries: 1)
        try map.pin(at: pinDirectory + "/a-map")
        let result = try bpfnav("cat", pinDirectory + "/a-map")
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stdout.isEmpty)
        XCTAssertTrue(result.stderr.hasPrefix("bpfnav: open pinned iterator \(pinDirectory)/a-map: "), result.stderr)
    }

    func testExistingForeignPinIsNotReplaced() throws {
        let map = try BPFMap(type: .array, name: uniqueName("nav_own"), keySize: 4, valueSize: 4, maxEntries: 1)
        try map.pin(at: pins.path("tasks"))
        try assertFails(["pin", "tasks", "--dir", pinDirectory], mentions: ["pinned map", "bpfnav did not create it", "EEXIST"])
        XCTAssertEqual(try PinnedObject(path: pins.path("tasks")).kind, .map)
    }

    func testUnprivilegedUserIsToldWhichCapabilities() throws {
        // setpriv drops to nobody with no capabilities at all.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs setpriv (util-linux)")
        }
        // nobody must be able to run the binary: it lives under the build
        // directory, which may not be world-readable; copy it.
        let copy = NSTemporaryDirectory() + "bpfnav-unpriv-\(getpid())"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: bpfnavBinary, toPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        chmod(copy, 0o755)
        let before = try BPFFS.entries(of: pinDirectory)
        let result = try runCommand("/usr/bin/setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups",
                                                  "--inh-caps=-all", copy, "pin", "--dir", pinDirectory])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("CAP_BPF") && result.stderr.contains("CAP_PERFMON"), result.stderr)
        XCTAssertTrue(result.stderr.contains("EPERM"), result.stderr)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), before)
    }
}

import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

/// Messages that used to mislead: each names the operation, the object and
/// the errno, says what to do, and exits non-zero (64 for usage errors).
final class ErrorMessageTests: BPFTestCase {
    /// The test's pins, without the program cache bpfnav keeps beside them
    /// (and the manifest that records the cache's programs).
    private func pinNames() throws -> [String] {
        try BPFFS.entries(of: pinDirectory).filter { !$0.hasPrefix("progs-") && $0 != PinManifest.pinName }
    }

    private func assertFails(_ arguments: [String], status: Int32 = 1, mentions expected: [String],
                             notMentioning unwanted: [String] = [],
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try pinNames()
        let result = try bpfnav(arguments)
        XCTAssertEqual(result.status, status, "bpfnav \(arguments): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stdout.isEmpty, "stdout: \(result.text)", file: file, line: line)
        for text in expected {
            XCTAssertTrue(result.stderr.contains(text), "stderr lacks '\(text)':\n\(result.stderr)", file: file, line: line)
        }
        for text in unwanted {
            XCTAssertFalse(result.stderr.contains(text), "stderr has '\(text)':\n\(result.stderr)", file: file, line: line)
        }
        XCTAssertEqual(try pinNames(), before, "bpffs changed", file: file, line: line)
    }

    // MARK: - A pid the kernel's task walk does not show

    /// bpfnav in a pid namespace of its own, with /proc still the parent's:
    /// /proc lists this test's pid, but the kernel looks it up in bpfnav's
    /// namespace and walks nothing. Every command must refuse, not print an
    /// empty table and exit 0.
    func testPidFromAnotherNamespaceIsRefused() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            throw XCTSkip("needs unshare (util-linux)")
        }
        let pid = "\(getpid())"
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        for arguments in [["tasks", "--pid", pid], ["files", "--pid", pid, "--json"], ["tasks", "--tid", pid],
                          ["pin", "tasks", "--pid", pid, "--dir", pinDirectory]] {
            let result = try runCommand("/usr/bin/unshare", ["--pid", "--fork", bpfnavBinary] + arguments,
                                        environment: environment)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.text) \(result.stderr)")
            let message = arguments.contains("--json") ? result.text : result.stderr
            XCTAssertTrue(message.contains("in the kernel's task walk"), "\(arguments): \(message)")
            XCTAssertTrue(message.contains("ESRCH"), message)
            XCTAssertTrue(message.contains("pid namespace"), message)
            if !arguments.contains("--json") { XCTAssertTrue(result.stdout.isEmpty, result.text) }
        }
        XCTAssertFalse(try BPFFS.entries(of: pinDirectory).contains("tasks-pid-\(pid)"))
    }

    /// PID 1: shown when the kernel's task walk shows it, refused with the
    /// reason when it does not (some kernels hide their init from BPF).
    /// Which one holds is asked of the kernel here, not assumed.
    func testPidOneIsShownOrRefused() throws {
        let seen = try IterLoader().records(TaskRecord.self, .task, params: .pid(1))
        guard TaskParams.threadGroup(of: 1) == 1 else { throw XCTSkip("/proc has no process 1") }
        if seen.isEmpty {
            try assertFails(["tasks", "--pid", "1"], mentions: ["find process 1 in the kernel's task walk", "ESRCH", "skips it"])
            try assertFails(["files", "--pid", "1"], mentions: ["process 1", "ESRCH"])
            try assertFails(["pin", "--pid", "1", "--dir", pinDirectory], mentions: ["process 1", "ESRCH", "skips it"])
        } else {
            let result = try bpfnav("tasks", "--pid", "1")
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.text.split(separator: "\n").dropFirst().allSatisfy { $0.split(separator: " ").first == "1" },
                          result.text)
            XCTAssertGreaterThan(result.text.split(separator: "\n").count, 1, result.text)
        }
    }

    // MARK: - Paths that are not pins

    func testMapDumpOfAFileThatIsNotAPin() throws {
        try assertFails(["map", "dump", "/etc/passwd"], mentions: ["dump map /etc/passwd", "EINVAL", "not on a bpffs"],
                        notMentioning: ["EACCES", "read access"])
        let missing = pinDirectory + "/no-such-map"
        try assertFails(["map", "dump", missing], mentions: ["dump map \(missing)", "ENOENT", "nothing is there"],
                        notMentioning: ["EACCES"])
    }

    func testCatOfAMapPinSuggestsMapDump() throws {
        let map = try BPFMap(type: .hash, name: uniqueName("nav_cat"), keySize: 4, valueSize: 4, maxEntries: 4)
        let path = pinDirectory + "/a-map"
        try map.pin(at: path)
        try assertFails(["cat", path], mentions: ["open pinned iterator \(path)", "a pinned map, not an iterator",
                                                  "bpfnav map dump \(path)", "(EIO)"])
    }

    func testPinsOfAPathThatDoesNotExist() throws {
        let missing = "/nonexistent-bpfnav-\(getpid())"
        try assertFails(["pins", missing], mentions: ["walk \(missing)", "ENOENT", "No such file or directory"],
                        notMentioning: ["is not on a bpffs", "ENODEV"])
        // Under a bpffs, a directory bpfnav has not created yet is empty.
        let result = try bpfnav("pins", pinDirectory + "/not-yet")
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    // MARK: - Usage errors: exit 64

    func testBadPinNamesAreUsageErrors() throws {
        try assertFails(["pin", "tasks", "--name", "", "--dir", pinDirectory], status: 64,
                        mentions: ["pin name ''", "EINVAL", "cannot be empty", "bpfnav pin --help"])
        try assertFails(["pin", "tasks", "--name", "a/b", "--dir", pinDirectory], status: 64,
                        mentions: ["pin name 'a/b'", "EINVAL", "cannot contain '/'"])
        try assertFails(["cat", ""], status: 64, mentions: ["pin name ''", "EINVAL", "cannot be empty"])
        try assertFails(["unpin", "a.b", "--dir", pinDirectory], status: 64, mentions: ["pin name 'a.b'", "EINVAL"])
        let json = try bpfnav("pin", "tasks", "--name", "", "--json", "--dir", pinDirectory)
        XCTAssertEqual(json.status, 64)
    }

    /// (gid_t)-1 tells chown to leave the group alone: accepting it shared
    /// nothing and said nothing.
    func testGroupMinusOneAndOutOfRangeAreRefused() throws {
        for group in ["4294967295", "-1", "4294967296", "99999999999999999999"] {
            try assertFails(["pin", "tasks", "--group", group, "--mode", "640", "--dir", pinDirectory], status: 64,
                            mentions: ["--group \(group) is not a group id", "4294967294"])
        }
        // A valid number absent from /etc/group is a legitimate group.
        let result = try bpfnav("pin", "tasks", "--group", "54321", "--mode", "640", "--dir", pinDirectory)
        XCTAssertEqual(result.status, 0, result.stderr)
        var st = stat()
        XCTAssertEqual(stat(pins.path("tasks"), &st), 0)
        XCTAssertEqual(st.st_gid, 54321)
    }

    // MARK: - libbpf's own lines only with --verbose

    /// Out of file descriptors, libbpf fails at different points (its
    /// probes, a map, a program, the verifier's log) and prints its own
    /// lines; they followed bpfnav's message and buried it.
    func testLibbpfLinesOnlyWithVerbose() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        environment["BPFNAV_LIBBPF_DEBUG"] = nil
        var verboseShowedLibbpf = false
        for limit in 4...9 {
            let plain = try runCommand("/bin/sh", ["-c", "ulimit -n \(limit); exec \"$0\" tasks", bpfnavBinary],
                                       environment: environment)
            XCTAssertNotEqual(plain.status, 0, "ulimit -n \(limit): \(plain.stderr)")
            XCTAssertTrue(plain.stderr.hasPrefix("bpfnav: "), plain.stderr)
            XCTAssertFalse(plain.stderr.contains("libbpf:"), "ulimit -n \(limit):\n\(plain.stderr)")
            XCTAssertFalse(plain.stderr.contains("RLIMIT_MEMLOCK"), plain.stderr)
            XCTAssertTrue(plain.stderr.contains("ulimit -n"), plain.stderr)
            let verbose = try runCommand("/bin/sh", ["-c", "ulimit -n \(limit); exec \"$0\" --verbose tasks", bpfnavBinary],
                                         environment: environment)
            if verbose.stderr.contains("libbpf: ") { verboseShowedLibbpf = true }
        }
        XCTAssertTrue(verboseShowedLibbpf, "--verbose never showed libbpf's messages")
    }

    // MARK: - SIGINT in the middle of a JSON dump

    func testSIGINTDuringMapDumpClosesTheJSON() throws {
        let entries: UInt32 = 100_000
        let map = try BPFMap(type: .hash, name: uniqueName("nav_int"), keySize: 4, valueSize: 8,
                             maxEntries: entries)
        for i in 0..<entries {
            var key = i, value = UInt64(i) * 3
            XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, &value, 0), 0)
        }
        let path = pinDirectory + "/big"
        try map.pin(at: path)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: bpfnavBinary)
        process.arguments = ["map", "dump", path, "--json"]
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read a little, slowly: the dump fills the pipe and waits on it.
        var received = Data()
        let reader = out.fileHandleForReading
        while received.count < 16 * 1024 {
            let chunk = reader.readData(ofLength: 4096)
            if chunk.isEmpty { break }
            received.append(chunk)
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGINT)
        received.append(reader.readDataToEndOfFile())
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationReason, .exit, "killed by the signal instead of ending the document")
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(stderr.contains("interrupted by SIGINT"), stderr)
        let document = try JSONSerialization.jsonObject(with: received) as? [Any]
        let count = try XCTUnwrap(document, "not a JSON array").count
        XCTAssertGreaterThan(count, 0)
        XCTAssertLessThan(count, Int(entries), "the dump ended before the signal: make the map larger")
        XCTAssertTrue(stderr.contains("after \(count) entries"), stderr)
    }
}

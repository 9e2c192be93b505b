import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

final class UnpinTests: BPFTestCase {
    func testUnpinAllLeavesForeignPinsAlone() throws {
        let foreign = try BPFMap(type: .array, name: uniqueName("nav_frn"), keySize: 4, valueSize: 4, maxEntries: 1)
        try foreign.pin(at: pins.path("foreign"))
        let child = spawn(try Child(shell: "exec sleep 1000"))
        XCTAssertTrue(child.waitForExec("sleep"))

        let created = try bpfnav("pin", "--dir", pinDirectory)
        XCTAssertEqual(created.status, 0, created.stderr)
        let forPid = try bpfnav("pin", "--pid", "\(child.pid)", "--dir", pinDirectory)
        XCTAssertEqual(forPid.status, 0, forPid.stderr)
        let expected = onThisKernel(["tasks", "files", "vmas", "maps",
                                     "tasks-pid-\(child.pid)", "files-pid-\(child.pid)", "vmas-pid-\(child.pid)"])
        XCTAssertEqual(Set(try pins.list().map(\.name)), Set(expected))

        let listed = try bpfnav("pins", "--dir", pinDirectory)
        XCTAssertEqual(listed.status, 0, listed.stderr)
        // PATH KIND ID NAME OWNER DETAIL: bpfnav's pin with its target and
        // parameters; the foreign pin listed, but not as bpfnav's.
        let rows = listed.text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let own = try XCTUnwrap(rows.first { $0.first == pins.path("files-pid-\(child.pid)") }, listed.text)
        XCTAssertEqual(own[1], "link", listed.text)
        XCTAssertEqual(own[3], "bpfnav_file_txt", listed.text)
        XCTAssertEqual(own[4], "bpfnav", listed.text)
        XCTAssertEqual(own.dropFirst(5).joined(separator: " "), "iter task_file pid \(child.pid)", listed.text)
        let other = try XCTUnwrap(rows.first { $0.first == pins.path("foreign") }, listed.text)
        XCTAssertEqual(other[1], "map", listed.text)
        XCTAssertEqual(other[4], "-", listed.text)

        // The foreign pin cannot be unpinned or overwritten by name.
        let refused = try bpfnav("unpin", "foreign", "--dir", pinDirectory)
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("not created by bpfnav"), refused.stderr)
        let clobber = try bpfnav("pin", "tasks", "--name", "foreign", "--dir", pinDirectory)
        XCTAssertNotEqual(clobber.status, 0)
        XCTAssertTrue(clobber.stderr.contains("bpfnav did not create it"), clobber.stderr)

        let removed = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(try pins.list(), [])
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest", "foreign"], "the manifest stays")
        let still = try PinnedObject(path: pins.path("foreign"))
        XCTAssertEqual(still.kind, .map)
    }

    func testPinningAgainReplacesAtomically() throws {
        try pins.create([PinSpec(kind: .task, params: .all)])
        let first = try XCTUnwrap(try pins.list().first)
        try pins.create([PinSpec(kind: .task, params: .all)])
        let second = try XCTUnwrap(try pins.list().first)
        XCTAssertEqual(try pins.list().count, 1)
        XCTAssertNotEqual(first.linkID, second.linkID)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest", "tasks"], "no temporary pins left")
    }
}

final class PinSignalTests: BPFTestCase {
    /// SIGINT at any moment of `pin` leaves the complete set of pins or
    /// none, and never a temporary name.
    func testInterruptedPinLeavesAllOrNothing() throws {
        let kinds = onThisKernel(["tasks", "files", "vmas", "maps"])
        for attempt in 0..<12 {
            // Each attempt pins into a fresh subdirectory of the test's own.
            let dir = "\(pinDirectory)/run\(attempt)"
            var environment = ProcessInfo.processInfo.environment
            environment["BPFNAV_NO_CACHE"] = "1"  // every run loads: a wide window
            let process = Process()
            process.executableURL = URL(fileURLWithPath: bpfnavBinary)
            process.arguments = ["pin", "--dir", dir]
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(attempt) * 8_000)
            // Ctrl-C, kill, a closed terminal: in turn.
            kill(process.processIdentifier, [SIGINT, SIGTERM, SIGHUP][attempt % 3])
            process.waitUntilExit()
            let names = BPFFS.isDirectory(dir) ? try BPFFS.entries(of: dir).filter { $0 != "bpfnav-manifest" } : []
            XCTAssertTrue(names.isEmpty || Set(names) == Set(kinds),
                          "attempt \(attempt) (status \(process.terminationStatus)): \(names)")
            XCTAssertFalse(names.contains { $0.hasPrefix("bpfnav-new-") }, "temporary pins left: \(names)")
            for name in names + ["bpfnav-manifest"] { unlink("\(dir)/\(name)") }
            if BPFFS.isDirectory(dir) { rmdir(dir) }
        }
    }
}

final class PinConcurrencyTests: BPFTestCase {
    /// Two bpfnav processes pinning the same names at once: the second waits
    /// for the first (the directory's lock), then replaces its set; both
    /// succeed and the pins left are complete and readable.
    func testConcurrentPinsOfTheSameNames() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_NO_CACHE"] = "1"  // a wide window: every run loads
        for attempt in 0..<6 {
            let processes = (0..<2).map { _ in Process() }
            let errors = processes.map { _ in Pipe() }
            for (process, error) in zip(processes, errors) {
                process.executableURL = URL(fileURLWithPath: bpfnavBinary)
                process.arguments = ["pin", "--dir", pinDirectory]
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                process.standardError = error
                try process.run()
            }
            for process in processes { process.waitUntilExit() }
            for (process, error) in zip(processes, errors) {
                let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                XCTAssertEqual(process.terminationStatus, 0, "attempt \(attempt): \(text)")
            }
            XCTAssertEqual(Set(try BPFFS.entries(of: pinDirectory)),
                           Set(onThisKernel(["tasks", "files", "vmas", "maps"]) + ["bpfnav-manifest"]))
            for name in ["tasks", "maps"] {
                let out = try runCommand("/bin/cat", [pins.path(name)])
                XCTAssertEqual(out.status, 0)
                XCTAssertTrue(out.text.contains(name == "tasks" ? "COMM" : "MAX_ENTRIES"))
            }
        }
    }

    /// Reading a pinned iterator while it is replaced again and again: every
    /// read is whole (a header and rows), never an error.
    func testReadingWhileReplaced() throws {
        try pins.create([PinSpec(kind: .task, params: .pid(UInt32(getpid())))])
        let name = "tasks-pid-\(getpid())"
        let done = DispatchSemaphore(value: 0)
        let directory = pinDirectory
        let replacer = Thread {
            for _ in 0..<20 {
                _ = try? IterPins(directory: directory).create([PinSpec(kind: .task, params: .pid(UInt32(getpid())))])
            }
            done.signal()
        }
        replacer.start()
        var reads = 0
        while done.wait(timeout: .now()) == .timedOut {
            let bytes = try IterReader(pinnedAt: pins.path(name), bufferSize: 512).readAll()
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            XCTAssertTrue(lines.first?.contains("COMM") == true, "no header: \(lines)")
            XCTAssertGreaterThan(lines.count, 1, "no rows")
            reads += 1
        }
        XCTAssertGreaterThan(reads, 0)
    }
}

import BPFKit
import Foundation
import Iterators
import TestSupport
import XCTest

/// The variants older or stricter kernels get, forced on whatever kernel
/// runs the test and compared with /proc: the in-program pid/tid filter of
/// kernels before 6.1, and paths of mapped files without bpf_d_path()
/// (refused by 6.18.44).
final class PortabilityTests: BPFTestCase {
    /// Knobs this kernel takes, with some switched off.
    private func loader(vmaDPath: Bool? = nil, fileDPath: Bool? = nil) -> IterLoader {
        var knobs = Knobs.forThisKernel
        if let vmaDPath { knobs.vmaDPath = vmaDPath }
        if let fileDPath { knobs.fileDPath = fileDPath }
        return IterLoader(cache: nil, knobs: knobs, linkParams: false)
    }

    /// A process with three extra threads, all asleep.
    private func threadedChild() throws -> Child {
        let child = spawn(try Child(shell: """
            exec python3 -c 'import threading, time
            for _ in range(3): threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
            time.sleep(1000)'
            """))
        XCTAssertTrue(waitUntil { ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/task")) ?? []).count == 4 },
                      "the child did not start its threads")
        return child
    }

    private func threads(of pid: pid_t) throws -> Set<UInt32> {
        Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap(UInt32.init))
    }

    func testInProgramFilterSelectsTheProcessAndTheThread() throws {
        let child = try threadedChild()
        let pid = UInt32(child.pid)
        let tids = try threads(of: child.pid)
        let filtering = loader()

        let byPid = try filtering.records(TaskRecord.self, .task, params: .pid(pid))
        XCTAssertEqual(Set(byPid.map(\.tid)), tids, "--pid: every thread of the process, nothing else")
        XCTAssertEqual(Set(byPid.map(\.pid)), [pid])

        let other = try XCTUnwrap(tids.first { $0 != pid })
        let byTid = try filtering.records(TaskRecord.self, .task, params: .tid(other))
        XCTAssertEqual(byTid.map(\.tid), [other], "--tid: that thread only")

        let fds = Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(UInt32.init))
        let files = try filtering.records(FileRecord.self, .taskFile, params: .pid(pid))
        XCTAssertEqual(Set(files.map(\.fd)), fds)
        XCTAssertEqual(files.count, fds.count, "the shared fd table once, not once per thread")
        let threadFiles = try filtering.records(FileRecord.self, .taskFile, params: .tid(other))
        XCTAssertEqual(Set(threadFiles.map(\.fd)), fds, "a thread's table is its group's")

        // Where the kernel has link parameters too, both ways agree.
        if Features.current.supports(.taskParams) {
            let linked = try IterLoader().records(FileRecord.self, .taskFile, params: .pid(pid))
            XCTAssertEqual(linked.map(\.fd).sorted(), files.map(\.fd).sorted(),
                           "6.1's per-process walk visits every thread: the table once all the same")
            if Features.current.supports(.taskVMAIter) {
                let vmas = try IterLoader().records(VMARecord.self, .taskVMA, params: .pid(pid))
                XCTAssertEqual(Set(vmas.map(\.start)).count, vmas.count, "each mapping once, not once per thread")
            }
        }

        // Before 5.12 there are no mappings to check (TaskVMATests asserts the refusal).
        guard hasVMAs else { return print("task_vma iterators need Linux 5.12; this is \(RunningKernel.release)") }
        // cat, not String(contentsOfFile:), which stops after one page of
        // a file whose size stat gives as 0.
        let maps = try runCommand("/bin/cat", ["/proc/\(pid)/maps"]).text
            .split(separator: "\n").compactMap(TaskVMATests.parse).filter { $0.path != "[vsyscall]" }
        let vmas = try filtering.records(VMARecord.self, .taskVMA, params: .pid(pid))
        XCTAssertEqual(vmas.map { [$0.start, $0.end] }, maps.map { [$0.start, $0.end] })
    }

    /// A pin made with the filter (the way kernels before 6.1 get it) shows
    /// only its process, and the filter is what bpfnav reads back where the
    /// link carries none.
    func testFilteredPinShowsOnlyItsProcess() throws {
        let child = try threadedChild()
        let pid = UInt32(child.pid)
        let spec = PinSpec(kind: .task, params: .pid(pid))
        try pins.create([spec], loader: loader())
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        XCTAssertEqual(out.status, 0, out.stderr)
        let rows = out.text.split(separator: "\n").dropFirst()
        XCTAssertEqual(Set(rows.compactMap { $0.split(separator: " ").first.flatMap { UInt32($0) } }), [pid], out.text)
        XCTAssertEqual(rows.count, 4, out.text)

        let pin = try XCTUnwrap(try pins.list().first { $0.name == spec.name })
        let knobs = try XCTUnwrap(Knobs.of(programID: pin.programID), "the program's .rodata.knobs map")
        XCTAssertEqual(knobs.filter, .pid(pid))
    }

    /// Without bpf_d_path() on VMAs, records carry the file's name and bpfnav
    /// completes it from /proc/PID/map_files: the same paths /proc shows. The
    /// pin's text marks a name as one ("…/name"), never passing it off as a
    /// path.
    func testMappedFilePathsWithoutDPath() throws {
        // Before 5.12 there are no mappings to check (TaskVMATests asserts the refusal).
        guard hasVMAs else { return print("task_vma iterators need Linux 5.12; this is \(RunningKernel.release)") }
        let child = spawn(try Child(shell: "exec sleep 1000"))
        XCTAssertTrue(child.waitForExec("sleep"))
        let pid = UInt32(child.pid)
        let truth = try runCommand("/bin/cat", ["/proc/\(pid)/maps"]).text
            .split(separator: "\n").compactMap(TaskVMATests.parse).filter { $0.path != "[vsyscall]" }

        let named = loader(vmaDPath: false)
        let records = try named.records(VMARecord.self, .taskVMA, params: .pid(pid))
        XCTAssertEqual(records.map { [$0.start, $0.end] }, truth.map { [$0.start, $0.end] })
        for (r, t) in zip(records, truth) where t.path.hasPrefix("/") {
            XCTAssertEqual(String(decoding: r.path, as: UTF8.self), t.path)
            XCTAssertEqual(r.pathSource, .mapFiles)
        }
        XCTAssertTrue(records.contains { $0.pathSource == .mapFiles })

        let spec = PinSpec(kind: .taskVMA, params: .pid(pid))
        try pins.create([spec], loader: named)
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        XCTAssertEqual(out.status, 0, out.stderr)
        let sleepPath = try XCTUnwrap(truth.first { $0.path.hasSuffix("/sleep") }).path
        XCTAssertTrue(out.text.contains(" \u{2026}/sleep\n"), out.text)
        XCTAssertFalse(out.text.contains(sleepPath), "a name shown as if it were the path:\n\(out.text)")
    }

    /// Without bpf_d_path() in iterators (before 5.11), records carry the
    /// file's name and bpfnav completes it from /proc/PID/fd: the paths
    /// /proc shows, sockets and pipes included. The pin's text marks a name
    /// as one.
    func testOpenFilePathsWithoutDPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfnav-port-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("held file").path
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        // A file, a pipe and a socket (the last two have no name of their own).
        let child = spawn(try Child(shell: """
            exec python3 -c 'import os, socket, sys, time
            f = open(sys.argv[1]); r, w = os.pipe(); s = socket.socket(socket.AF_UNIX)
            with open(sys.argv[2] + ".new", "w") as o: print(f.fileno(), r, s.fileno(), file=o)
            os.rename(sys.argv[2] + ".new", sys.argv[2])
            time.sleep(1000)' "$1" "$2"
            """, arguments: [file, dir.appendingPathComponent("fds").path]))
        let pid = UInt32(child.pid)
        let fdsFile = dir.appendingPathComponent("fds").path
        XCTAssertTrue(waitUntil { (try? String(contentsOfFile: fdsFile, encoding: .utf8))?.hasSuffix("\n") == true })
        var truth: [UInt32: String] = [:]
        for fd in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            if let n = UInt32(fd), let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)") {
                truth[n] = target
            }
        }
        let held = try String(contentsOfFile: fdsFile, encoding: .utf8)
            .split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) }
        XCTAssertEqual(held.count, 3)

        let named = loader(fileDPath: false)
        let records = try named.records(FileRecord.self, .taskFile, params: .pid(pid))
        XCTAssertEqual(Set(records.map(\.fd)), Set(truth.keys))
        for r in records {
            XCTAssertEqual(String(decoding: r.path, as: UTF8.self), truth[r.fd], "fd \(r.fd)")
            XCTAssertEqual(r.pathSource, .fd, "fd \(r.fd)")
        }
        XCTAssertEqual(truth[held[0]], file)
        XCTAssertTrue(truth[held[1]]?.hasPrefix("pipe:[") == true, truth[held[1]] ?? "")
        XCTAssertTrue(truth[held[2]]?.hasPrefix("socket:[") == true, truth[held[2]] ?? "")

        let spec = PinSpec(kind: .taskFile, params: .pid(pid))
        try pins.create([spec], loader: named)
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.text.contains(" \u{2026}/held file\n"), out.text)
        XCTAssertFalse(out.text.contains(file), "a name shown as if it were the path:\n\(out.text)")
    }

    /// A program run from overlayfs maps its file through the real file
    /// below (a backing file, 6.8+), whose path and device are not what the
    /// user opened: the mappings show what /proc/PID/maps shows (the
    /// overlay's device and path), never the lower layer's. The overlay is
    /// the test's own, in a temporary directory, unmounted afterwards.
    func testMappedFilesOnOverlayFSShowWhatTheUserOpened() throws {
        // Before 5.12 there are no mappings to check (TaskVMATests asserts the refusal).
        guard hasVMAs else { return print("task_vma iterators need Linux 5.12; this is \(RunningKernel.release)") }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("bpfnav-ovl-\(getpid())").path
        // A tmpfs of the test's own below the overlay: overlayfs takes its
        // layers from there wherever the test runs (not from another overlay).
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        XCTAssertEqual(mount("tmpfs", base, "tmpfs", 0, "mode=0700"), 0, "mount tmpfs: \(String(cString: strerror(errno)))")
        defer { umount2(base, Int32(MNT_DETACH)) }
        for sub in ["lower", "upper", "work", "merged"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(sub)", withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: "\(base)/lower/ovlsleep")
        let merged = "\(base)/merged"
        XCTAssertEqual(mount("overlay", merged, "overlay", 0,
                             "lowerdir=\(base)/lower,upperdir=\(base)/upper,workdir=\(base)/work"), 0,
                       "mount overlayfs: \(String(cString: strerror(errno)))")
        defer { umount2(merged, Int32(MNT_DETACH)) }
        let binary = "\(merged)/ovlsleep"
        let child = spawn(try Child(shell: "exec \"$1\" 1000", arguments: [binary]))
        XCTAssertTrue(child.waitForExec("ovlsleep"))
        let pid = UInt32(child.pid)
        let truth = try runCommand("/bin/cat", ["/proc/\(pid)/maps"]).text
            .split(separator: "\n").compactMap(TaskVMATests.parse).filter { $0.path == binary }
        XCTAssertFalse(truth.isEmpty, "the child's binary is not mapped from \(binary)")

        let records = try IterLoader().records(VMARecord.self, .taskVMA, params: .pid(pid))
        for t in truth {
            let r = try XCTUnwrap(records.first { $0.start == t.start }, "no record of \(t)")
            XCTAssertEqual(String(decoding: r.path, as: UTF8.self), binary)
            XCTAssertEqual(String(format: "%02x:%02x", r.major, r.minor), t.dev, "the device /proc shows")
            XCTAssertEqual(r.inode, t.inode)
        }
        // The pin, read by cat, never shows the lower layer's path.
        let spec = PinSpec(kind: .taskVMA, params: .pid(pid))
        try pins.create([spec])
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertFalse(out.text.contains("\(base)/lower"), out.text)
        XCTAssertTrue(out.text.contains(binary) || out.text.contains(" \u{2026}/ovlsleep\n"), out.text)
    }
}

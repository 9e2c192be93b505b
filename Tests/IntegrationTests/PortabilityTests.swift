import BPFKit
import Foundation
import Iterators
import XCTest

/// The variants older or stricter kernels get, forced on whatever kernel
/// runs the test and compared with /proc: the in-program pid/tid filter of
/// kernels before 6.1, and paths of mapped files without bpf_d_path()
/// (refused by 6.18.44).
final class PortabilityTests: BPFTestCase {
    /// Knobs this kernel takes, with some switched off.
    private func loader(vmaDPath: Bool? = nil) -> IterLoader {
        var knobs = Knobs.forThisKernel
        if let vmaDPath { knobs.vmaDPath = vmaDPath }
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
            XCTAssertEqual(linked.map(\.fd).sorted(), files.map(\.fd).sorted())
        }

        try XCTSkipUnless(Features.current.supports(.taskVMAIter), "task_vma iterators need Linux 5.12")
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
        try XCTSkipUnless(Features.current.supports(.taskVMAIter), "task_vma iterators need Linux 5.12")
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
}

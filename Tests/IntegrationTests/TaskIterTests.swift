import BPFKit
import Foundation
import Iterators
import TestSupport
import XCTest

final class TaskIterTests: BPFTestCase {
    /// Thread ids /proc lists right now, as (pid, tid).
    private func procThreads() -> Set<[UInt32]> {
        var result: Set<[UInt32]> = []
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in pids.compactMap(UInt32.init) {
            for tid in ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).compactMap(UInt32.init) {
                result.insert([pid, tid])
            }
        }
        return result
    }

    func testTaskIteratorMatchesProc() throws {
        let loader = IterLoader()
        // Threads present before and after the iteration must be in it; the
        // iteration may only contain threads /proc saw at one of the two times.
        let before = procThreads()
        let records = try loader.records(TaskRecord.self, .task)
        let after = procThreads()
        let seen = Set(records.map { [$0.pid, $0.tid] })
        let stable = before.intersection(after).filter { $0[0] != 1 } // PID 1 can be invisible to iterators
        let missing = stable.subtracting(seen)
        XCTAssertTrue(missing.isEmpty, "threads /proc shows but the iterator did not: \(missing.sorted { $0[1] < $1[1] }.prefix(20))")
        let unknown = seen.subtracting(before.union(after))
        XCTAssertTrue(unknown.isEmpty, "threads the iterator shows but /proc never did: \(unknown.prefix(20))")
        XCTAssertGreaterThan(records.count, 5)

        // This very thread is there with its comm, uid and parent.
        let me = try XCTUnwrap(records.first { $0.tid == currentTID() })
        XCTAssertEqual(me.pid, UInt32(getpid()))
        XCTAssertEqual(me.ppid, UInt32(getppid()))
        XCTAssertEqual(me.uid, geteuid())
        XCTAssertEqual(me.state, "R")
        let comm = try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
        XCTAssertEqual(String(decoding: me.comm, as: UTF8.self), comm)
    }

    func testTextAndRecordsAgree() throws {
        let child = spawn(try Child(shell: "exec sleep 1000"))
        XCTAssertTrue(child.waitForExec("sleep"))
        // Asleep, not still starting up (slow under emulation): /proc says S.
        XCTAssertTrue(waitUntil {
            ((try? String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8)) ?? "").contains(") S ")
        }, "the child never went to sleep")
        let loader = IterLoader()
        let params = IterParams.pid(UInt32(child.pid))
        let text = String(decoding: try loader.readText(.task, params: params), as: UTF8.self)
        let records = try loader.records(TaskRecord.self, .task, params: params)
        XCTAssertEqual(records.count, 1)
        let record = try XCTUnwrap(records.first)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertEqual(rows.count, 1, text)
        XCTAssertEqual(rows.first, ["\(record.pid)", "\(record.tid)", "\(record.ppid)", "\(record.uid)", "\(record.state)", "sleep"])
        XCTAssertEqual(record.ppid, UInt32(getpid()))
        XCTAssertEqual(record.state, "S")
    }

    func testTidPinShowsOnlyThatThread() throws {
        // A second thread of this process, parked until the test ends.
        let (tid, release) = try parkThread()
        defer { release() }
        XCTAssertNotEqual(tid, UInt32(getpid()))

        let spec = PinSpec(kind: .task, params: .tid(tid))
        XCTAssertEqual(spec.name, "tasks-tid-\(tid)")
        try pins.create([spec])
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        let rows = out.text.split(separator: "\n").dropFirst().map { $0.split(separator: " ") }
        XCTAssertEqual(rows.count, 1, out.text)
        XCTAssertEqual(rows.first?[0], "\(getpid())")
        XCTAssertEqual(rows.first?[1], "\(tid)")

        // --pid on the same process lists every thread, the parked one too.
        let all = try IterLoader().records(TaskRecord.self, .task, params: .pid(UInt32(getpid())))
        XCTAssertTrue(all.contains { $0.tid == tid })
        XCTAssertTrue(all.allSatisfy { $0.pid == UInt32(getpid()) })
        XCTAssertEqual(Set(all.map(\.tid)).count, all.count)
        XCTAssertGreaterThan(all.count, 1)
    }
}

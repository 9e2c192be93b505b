@testable import ObjectModel
import Iterators
import XCTest

/// The Tasks view's process tree and CPU%.
final class TaskTreeTests: XCTestCase {
    func task(_ pid: UInt32, _ ppid: UInt32, _ comm: String = "", start: UInt64 = 0, cpu: UInt64? = nil) -> TaskEntry {
        var entry = TaskEntry(pid: pid, ppid: ppid, comm: Array((comm.isEmpty ? "p\(pid)" : comm).utf8), startTime: start)
        entry.cpuTime = cpu
        return entry
    }

    func drawn(_ tasks: [TaskEntry]) -> [String] {
        TaskTree.rows(tasks).map { $0.prefix + String(decoding: tasks[$0.index].comm, as: UTF8.self) }
    }

    func testChildrenGoBelowTheirParentsWithHtopsLines() {
        // Listed out of order: the tree does not depend on it.
        let tasks = [task(30, 10), task(1, 0, "init"), task(10, 1), task(20, 1), task(11, 10), task(40, 20)]
        XCTAssertEqual(drawn(tasks), [
            "init",
            "├─ p10",
            "│  ├─ p11",
            "│  └─ p30",
            "└─ p20",
            "   └─ p40",
        ])
    }

    func testOrphansAreRoots() {
        // pid 1 is not listed (task iterators may not see it; kernel
        // threads are hidden): its children are roots, in pid order.
        let tasks = [task(500, 1), task(300, 1), task(301, 300), task(700, 2)]
        XCTAssertEqual(drawn(tasks), ["p300", "└─ p301", "p500", "p700"])
    }

    func testPIDOneAndKthreaddAreRootsOfTheirTrees() {
        let tasks = [task(2, 0, "kthreadd"), task(1, 0, "init"), task(3, 2, "rcu"), task(9, 1, "sh")]
        XCTAssertEqual(drawn(tasks), ["init", "└─ sh", "kthreadd", "└─ rcu"])
    }

    func testThreadsAreNotNodes() {
        func thread(_ pid: UInt32, _ tid: UInt32, ppid: UInt32) -> TaskRecord {
            TaskRecord(pid: pid, tid: tid, ppid: ppid, uid: 0, ruid: 0, gid: 0, rawState: 0, flags: 0, startTime: 0,
                       comm: Array("p\(pid)".utf8))
        }
        let processes = TaskEntry.processes([thread(5, 5, ppid: 1), thread(5, 6, ppid: 1), thread(5, 7, ppid: 1),
                                             thread(8, 8, ppid: 5), thread(8, 9, ppid: 5)])
        XCTAssertEqual(drawn(processes), ["p5", "└─ p8"], "one node per process, however many threads")
    }

    func testACycleOfParentsLosesNobody() {
        // A pid reused while the list was read can make 7 and 8 each
        // other's parent: both are still shown.
        let tasks = [task(7, 8), task(8, 7), task(9, 9)]
        let rows = TaskTree.rows(tasks)
        XCTAssertEqual(Set(rows.map(\.index)), [0, 1, 2])
        XCTAssertEqual(rows.count, 3)
    }

    // MARK: CPU%

    func testCPUPercentFromTwoSamples() {
        var sampler = TaskCPUSampler()
        var first = [task(10, 1, start: 100, cpu: 1_000_000_000), task(11, 1, start: 100, cpu: 0)]
        sampler.sample(&first, now: 10_000_000_000)
        XCTAssertEqual(first.map(\.cpuPercent), [nil, nil], "the first refresh has nothing to compare with")

        // 2 s later: 10 used 0.5 s (25%), 11 used 3 s on several CPUs (150%).
        var second = [task(10, 1, start: 100, cpu: 1_500_000_000), task(11, 1, start: 100, cpu: 3_000_000_000)]
        sampler.sample(&second, now: 12_000_000_000)
        XCTAssertEqual(second[0].cpuPercent ?? -1, 25, accuracy: 0.001)
        XCTAssertEqual(second[1].cpuPercent ?? -1, 150, accuracy: 0.001)
    }

    func testNewProcessesCountFromZeroAndReusedPIDsAreNotCompared() {
        var sampler = TaskCPUSampler()
        var first = [task(10, 1, start: 100, cpu: 5_000_000_000)]
        sampler.sample(&first, now: 10_000_000_000)
        // Pid 10 is now another process (a later start time), started after
        // the first sample: it counts from zero, as does the new pid 12.
        var second = [task(10, 1, start: 11_000_000_000, cpu: 100_000_000),
                      task(12, 1, start: 10_500_000_000, cpu: 200_000_000),
                      task(13, 1, start: 50, cpu: 1_000_000_000)]
        sampler.sample(&second, now: 12_000_000_000)
        XCTAssertEqual(second[0].cpuPercent ?? -1, 5, accuracy: 0.001, "a new process with a reused pid counts from 0")
        XCTAssertEqual(second[1].cpuPercent ?? -1, 10, accuracy: 0.001)
        XCTAssertNil(second[2].cpuPercent, "an old process not seen before has no previous sample")
    }

    func testUnreadableCPUTimeGivesNoPercent() {
        var sampler = TaskCPUSampler()
        var first = [task(10, 1, cpu: nil)]
        sampler.sample(&first, now: 1_000)
        var second = [task(10, 1, cpu: nil)]
        sampler.sample(&second, now: 2_000_000_000)
        XCTAssertNil(second[0].cpuPercent)
    }

    func testTaskColumnsShowUserCPURSSAndCommandLine() {
        var entry = task(42, 1, "python3")
        entry.user = "alice"
        entry.cpuPercent = 12.34
        entry.rss = 3 << 20
        entry.commandLine = Array("python3 -m http.server".utf8)
        let cells = TaskEntry.presentation.cells(entry, .browser)
        let headers = TaskEntry.presentation.header(.browser)
        let row = Dictionary(uniqueKeysWithValues: zip(headers, cells))
        XCTAssertEqual(row["USER"], "alice")
        XCTAssertEqual(row["CPU%"], "12.3")
        XCTAssertEqual(row["RSS"], "3.0M")
        XCTAssertEqual(row["COMMAND"], "python3 -m http.server")

        var kernel = task(3, 2, "rcu_gp")
        kernel.isKernelThread = true
        let kernelRow = Dictionary(uniqueKeysWithValues: zip(headers, TaskEntry.presentation.cells(kernel, .browser)))
        XCTAssertEqual(kernelRow["COMMAND"], "[rcu_gp]", "no command line: the comm, bracketed as ps does")
        XCTAssertEqual(kernelRow["CPU%"], "-", "not sampled yet")
        XCTAssertEqual(kernelRow["USER"], "0", "a uid without a name is its number")
    }
}

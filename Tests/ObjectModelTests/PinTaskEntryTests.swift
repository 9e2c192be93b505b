@testable import ObjectModel
import BPFKit
import Iterators
import XCTest

/// The browser's pin tree and process list, built by the model.
final class PinTaskEntryTests: XCTestCase {
    func testPinDepthIsBelowItsOwnMount() {
        let paths = ["/sys/fs/bpf", "/sys/fs/bpf/a", "/sys/fs/bpf/a/b", "/mnt/bpf", "/mnt/bpf/c", "/mnt/bpf/c/d/e"]
        let entries = paths.map { PinEntry(path: Array($0.utf8), kind: .directory) }
        let tree = PinEntry.tree(entries, mounts: [Array("/sys/fs/bpf".utf8), Array("/mnt/bpf".utf8)])
        XCTAssertEqual(tree.map(\.depth), [0, 1, 2, 0, 1, 3])
        XCTAssertEqual(tree.map(\.path), entries.map(\.path))
        XCTAssertEqual(tree[2].lastComponent, Array("b".utf8))
    }

    func testThreadsFoldIntoProcessesWithTheLeadersFields() {
        func thread(_ pid: UInt32, _ tid: UInt32, _ comm: String) -> TaskRecord {
            TaskRecord(pid: pid, tid: tid, ppid: 1, uid: 0, ruid: 0, gid: 0, rawState: 0, flags: 0, startTime: 0,
                       comm: Array(comm.utf8))
        }
        let processes = TaskEntry.processes([
            thread(7, 8, "worker"), thread(7, 7, "main"), thread(3, 3, "other"), thread(7, 9, "worker"),
        ])
        XCTAssertEqual(processes.map(\.pid), [7, 3], "in the order the iterator met them")
        XCTAssertEqual(processes.map(\.threads), [3, 1])
        XCTAssertEqual(processes[0].comm, Array("main".utf8), "the leader's comm, whichever thread came first")
    }
}

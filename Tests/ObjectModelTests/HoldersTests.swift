import BPFKit
@testable import ObjectModel
import Iterators
import XCTest

final class HoldersTests: XCTestCase {
    private func task(_ pid: UInt32, tid: UInt32? = nil, _ comm: String) -> TaskRecord {
        TaskRecord(pid: pid, tid: tid ?? pid, ppid: 1, uid: 0, ruid: 0, gid: 0, rawState: 1, flags: 0,
                   startTime: 0, comm: Array(comm.utf8))
    }

    private func file(_ pid: UInt32, fd: UInt32, _ object: BPFObjectRef?) -> FileRecord {
        FileRecord(pid: pid, fd: fd, flags: 0, mode: 0, dev: 0, pos: 0, inode: 0, path: [], bpfObject: object)
    }

    func testJoinsFdsWithCommsOncePerProcess() {
        let holders = Holders(
            files: [
                file(10, fd: 3, .map(7)), file(10, fd: 4, .map(7)), // two fds, one holder
                file(11, fd: 5, .map(7)), file(11, fd: 6, .program(3)),
                file(12, fd: 7, .link(9)), file(12, fd: 8, .btf(2)), file(12, fd: 9, nil),
            ],
            tasks: [task(10, "loader"), task(10, tid: 15, "worker"), task(11, "agent"), task(12, "x")]
        )
        XCTAssertEqual(holders.maps[7], [Holder(pid: 10, comm: Array("loader".utf8)), Holder(pid: 11, comm: Array("agent".utf8))])
        XCTAssertEqual(holders.programs[3]?.map(\.pid), [11])
        XCTAssertEqual(holders.links[9]?.map(\.pid), [12])
        XCTAssertEqual(holders.btfs[2]?.map(\.pid), [12])
        XCTAssertNil(holders.maps[8])
    }

    func testEmptyInput() {
        let holders = Holders(files: [], tasks: [])
        XCTAssertTrue(holders.maps.isEmpty && holders.programs.isEmpty && holders.links.isEmpty && holders.btfs.isEmpty)
    }

    func testUnknownCommStaysEmpty() {
        let holders = Holders(files: [file(99, fd: 3, .map(1))], tasks: [])
        XCTAssertEqual(holders.maps[1], [Holder(pid: 99, comm: [])])
    }
}

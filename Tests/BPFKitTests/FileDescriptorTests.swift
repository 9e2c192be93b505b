import Foundation
import Glibc
import XCTest
@testable import BPFKit

final class FileDescriptorTests: XCTestCase {
    func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) != -1 }

    func testClosesWhenItsOwnerEnds() {
        var raw: Int32 = -1
        do {
            let fd = OwnedFD(adopting: open("/dev/null", O_RDONLY))
            raw = fd.raw
            XCTAssertTrue(isOpen(raw))
        }
        XCTAssertGreaterThanOrEqual(raw, 0)
        XCTAssertFalse(isOpen(raw))
    }

    func testReleaseGivesUpOwnership() {
        let fd = OwnedFD(adopting: open("/dev/null", O_RDONLY))
        let raw = fd.release()
        XCTAssertTrue(isOpen(raw))
        XCTAssertEqual(close(raw), 0)
    }

    func testOpenSetsCloseOnExec() throws {
        let fd = try OwnedFD.open("/dev/null", flags: O_RDONLY)
        XCTAssertNotEqual(fcntl(fd.raw, F_GETFD) & FD_CLOEXEC, 0)
    }

    func testOpenErrorNamesThePath() {
        XCTAssertThrowsError(try OwnedFD.open("/bpfnav/not/here", flags: O_RDONLY, operation: "open config").raw) { error in
            let e = error as? BPFError
            XCTAssertEqual(e?.errno, ENOENT)
            XCTAssertEqual(e?.message, "open config /bpfnav/not/here: No such file or directory (ENOENT)")
        }
    }
}

@testable import BPFKit
import Glibc
import XCTest

final class FaultsTests: XCTestCase {
    func testPlans() {
        XCTAssertEqual(Faults.parse("pin=ENOSPC"), [.init(point: .pin, errno: ENOSPC, call: 1, andLater: false)])
        XCTAssertEqual(Faults.parse("pin=ENOSPC@3,read=EIO@2+"), [
            .init(point: .pin, errno: ENOSPC, call: 3, andLater: false),
            .init(point: .read, errno: EIO, call: 2, andLater: true),
        ])
        XCTAssertEqual(Faults.parse("rename=ENOTSUPP@1"), [.init(point: .rename, errno: 524, call: 1, andLater: false)])
        for bad in ["pin", "pin=", "pin=ENOPE", "nowhere=EIO", "pin=EIO@0", "pin=EIO@x", "pin=EIO@-1", "=EIO", "pin=EIO@2++"] {
            XCTAssertNil(Faults.parse(bad), bad)
        }
    }

    func testErrnoNamesRoundTrip() {
        for code: Int32 in [EPERM, ENOENT, EIO, E2BIG, ENOMEM, EACCES, EEXIST, EINVAL, EMFILE, ENOSPC, EPIPE, 524] {
            XCTAssertEqual(Errno.code(named: Errno.name(code)), code)
        }
        XCTAssertNil(Errno.code(named: "errno 999"))
        XCTAssertNil(Errno.code(named: ""))
    }

    func testNoPlanInjectsNothing() {
        // The test process has no BPFNAV_FAULTS.
        XCTAssertNil(getenv("BPFNAV_FAULTS"))
        XCTAssertEqual(Faults.call(.pin) { Int32(7) }, 7)
        XCTAssertNil(Faults.injected(.read))
    }
}

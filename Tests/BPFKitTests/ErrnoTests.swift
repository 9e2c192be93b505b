import Glibc
import XCTest
@testable import BPFKit

final class ErrnoTests: XCTestCase {
    func testNamedConstantsAreLibcsCodes() {
        XCTAssertEqual(Errno.ENOENT.rawValue, ENOENT)
        XCTAssertEqual(Errno.ENOENT.name, "ENOENT")
        XCTAssertEqual(Errno.ENOENT.description, "No such file or directory")
        XCTAssertEqual(Errno(rawValue: EWOULDBLOCK), .EAGAIN)
        XCTAssertEqual(Errno(rawValue: 9999).name, "errno 9999")
    }

    func testENOTSUPPHasANameButNoLibcText() {
        XCTAssertEqual(Errno.ENOTSUPP.rawValue, 524)
        XCTAssertEqual(Errno.ENOTSUPP.name, "ENOTSUPP")
        XCTAssertEqual(Errno.ENOTSUPP.description, "Unknown error 524")
        XCTAssertEqual(BPFError("read", "map", errno: .ENOTSUPP).message, "read map: Unknown error 524 (ENOTSUPP)")
    }

    func testResultReadsEachConvention() {
        XCTAssertEqual(Errno.result { 3 }, .success(3))
        XCTAssertEqual(Errno.result { -EBUSY }, .failure(.EBUSY), "libbpf and the shim: -errno")
        XCTAssertEqual(Errno.result { errno = ENOENT; return -1 }, .failure(.ENOENT), "libc: -1 and errno")
        errno = EACCES
        XCTAssertEqual(Errno.result { -1 }, .failure(.EPERM), "-1 without errno is libbpf's -EPERM, not a stale errno")
    }

    func testBPFErrorCodeAndErrnoAreOne() {
        var error = BPFError("open", "x", errno: EACCES)
        XCTAssertEqual(error.code, .EACCES)
        error.code = .ENOSPC
        XCTAssertEqual(error.errno, ENOSPC)
        XCTAssertEqual(error.errnoName, "ENOSPC")
    }
}

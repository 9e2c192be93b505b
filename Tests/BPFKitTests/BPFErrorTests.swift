import Glibc
import XCTest
@testable import BPFKit

final class BPFErrorTests: XCTestCase {
    func testDescriptionFormat() {
        let e = BPFError("pin link at", "/sys/fs/bpf/bpfnav/tasks", errno: EACCES, hint: "run as root")
        XCTAssertEqual(e.message, "pin link at /sys/fs/bpf/bpfnav/tasks: Permission denied (EACCES)")
        XCTAssertEqual(e.description, "pin link at /sys/fs/bpf/bpfnav/tasks: Permission denied (EACCES)\n  run as root")
        XCTAssertEqual("\(e)", e.description)
        XCTAssertEqual(e.errnoName, "EACCES")
    }

    func testWithoutHintHasOneLine() {
        let e = BPFError("open", "/nope", errno: ENOENT)
        XCTAssertEqual(e.description, "open /nope: No such file or directory (ENOENT)")
        XCTAssertFalse(e.description.contains("\n"))
    }

    func testEmptySubjectAndZeroErrno() {
        XCTAssertEqual(BPFError("pin iterators", "", errno: EPERM).description,
                       "pin iterators: Operation not permitted (EPERM)")
        XCTAssertEqual(BPFError("find", "thing", errno: 0).description, "find thing")
        XCTAssertEqual(BPFError("find", "", errno: 0, hint: "look elsewhere").description, "find\n  look elsewhere")
    }

    func testCauseIsStrerror() {
        for code in [EPERM, ENOENT, EINVAL, E2BIG, ENOSPC, EOPNOTSUPP] {
            let e = BPFError("do", "it", errno: code)
            XCTAssertEqual(e.message, "do it: \(String(cString: strerror(code))) (\(Errno.name(code)))")
        }
        XCTAssertEqual(Errno.describe(EINVAL), "Invalid argument")
        XCTAssertEqual(Errno.describe(E2BIG), "Argument list too long")
    }

    func testLogIsKeptButNotPrinted() {
        let e = BPFError("load BPF object", "task", errno: EINVAL, hint: "h", log: "0: R1 invalid mem access")
        XCTAssertEqual(e.log, "0: R1 invalid mem access")
        XCTAssertFalse(e.description.contains("R1 invalid"))
    }

    func testErrnoNames() {
        // Linux generic errno values (asm-generic/errno-base.h, errno.h).
        let names: [(Int32, String)] = [
            (1, "EPERM"), (2, "ENOENT"), (3, "ESRCH"), (4, "EINTR"), (5, "EIO"), (6, "ENXIO"), (7, "E2BIG"),
            (8, "ENOEXEC"), (9, "EBADF"), (11, "EAGAIN"), (12, "ENOMEM"), (13, "EACCES"), (14, "EFAULT"),
            (16, "EBUSY"), (17, "EEXIST"), (18, "EXDEV"), (19, "ENODEV"), (20, "ENOTDIR"), (21, "EISDIR"),
            (22, "EINVAL"), (23, "ENFILE"), (24, "EMFILE"), (25, "ENOTTY"), (27, "EFBIG"), (28, "ENOSPC"),
            (30, "EROFS"), (32, "EPIPE"), (34, "ERANGE"), (36, "ENAMETOOLONG"), (38, "ENOSYS"),
            (39, "ENOTEMPTY"), (40, "ELOOP"), (61, "ENODATA"), (75, "EOVERFLOW"), (95, "EOPNOTSUPP"),
            (110, "ETIMEDOUT"), (524, "ENOTSUPP"),
        ]
        for (code, name) in names {
            XCTAssertEqual(Errno.name(code), name, "errno \(code)")
        }
        XCTAssertEqual(Errno.name(0), "errno 0")
        XCTAssertEqual(Errno.name(9999), "errno 9999")
        XCTAssertEqual(Errno.name(-1), "errno -1")
        XCTAssertEqual(Errno.name(EWOULDBLOCK), "EAGAIN")
        XCTAssertEqual(Errno.name(ENOTSUP), "EOPNOTSUPP", "glibc's ENOTSUP is EOPNOTSUPP")
    }

    // MARK: - check()

    func testCheckPassesNonNegativeResults() throws {
        XCTAssertEqual(try check("op", "x") { 0 }, 0)
        XCTAssertEqual(try check("op", "x") { 42 }, 42)
    }

    func testCheckLibbpfNegativeErrno() {
        XCTAssertThrowsError(try check("attach iterator", "prog") { -EBUSY }) { error in
            let e = error as? BPFError
            XCTAssertEqual(e?.errno, EBUSY, "-errno is the code even without errno set")
            XCTAssertEqual(e?.operation, "attach iterator")
            XCTAssertEqual(e?.subject, "prog")
            XCTAssertNil(e?.hint)
        }
        // -EPERM is -1: like libbpf (libbpf_err), the body sets errno too.
        XCTAssertThrowsError(try check("op", "x") { errno = EPERM; return -EPERM }) { error in
            XCTAssertEqual((error as? BPFError)?.errno, EPERM)
        }
        XCTAssertThrowsError(try check("op", "x") { -524 }) { error in
            XCTAssertEqual((error as? BPFError)?.errnoName, "ENOTSUPP")
        }
    }

    func testCheckLibcMinusOneUsesErrno() {
        XCTAssertThrowsError(try check("open", "/definitely/not/here") { open("/definitely/not/here", O_RDONLY) }) { error in
            XCTAssertEqual((error as? BPFError)?.errno, ENOENT)
        }
        // -1 with errno unset is libbpf's -EPERM (libc always sets errno).
        XCTAssertThrowsError(try check("op", "x") { -1 }) { error in
            XCTAssertEqual((error as? BPFError)?.errno, EPERM)
        }
        // -1 with errno set by the body: EPERM is 1, so -1 is not "-EPERM".
        XCTAssertThrowsError(try check("op", "x") { errno = EBUSY; return -1 }) { error in
            XCTAssertEqual((error as? BPFError)?.errno, EBUSY)
        }
    }

    func testCheckClearsStaleErrno() {
        errno = EACCES
        XCTAssertThrowsError(try check("op", "x") { -1 }) { error in
            XCTAssertEqual((error as? BPFError)?.errno, EPERM, "a stale errno from before the call is not the cause")
        }
    }

    func testCheckHintSeesTheCode() {
        XCTAssertThrowsError(try check("op", "x", hint: { $0 == ENOENT ? "not there" : "other" }) { -ENOENT }) { error in
            XCTAssertEqual((error as? BPFError)?.hint, "not there")
        }
        XCTAssertThrowsError(try check("op", "x", hint: { $0 == ENOENT ? "not there" : nil }) { -EBUSY }) { error in
            XCTAssertNil((error as? BPFError)?.hint)
        }
    }
}

import Foundation
import Glibc
import TestSupport
import XCTest
@testable import BPFKit

final class BPFFSTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = try temporaryDirectory("bpfnav-bpffs")
    }

    func testParent() {
        let cases: [(String, String)] = [
            ("/a/b", "/a"), ("/a", "/"), ("/", "/"), ("/a/b/", "/a"), ("/a/b///", "/a"), ("//", "/"),
            ("/a/b/c", "/a/b"), ("a/b", "a"), ("a/", "."), ("a", "."), ("", "."), ("./a", "."),
            ("/sys/fs/bpf/bpfnav", "/sys/fs/bpf"), ("/sys/fs/bpf/", "/sys/fs"),
        ]
        for (path, parent) in cases {
            XCTAssertEqual(BPFFS.parent(of: path), parent, "parent of '\(path)'")
        }
    }

    func testParentAlwaysShortens() {
        // nearestExisting and makeDirectory walk up with parent(of:): every
        // step must make progress so they cannot loop forever.
        for path in ["/a//b", "/a/./b", "a//b", "/x/y/z//", "////a", "/a/../b"] {
            var current = path
            var steps = 0
            while current != "/", current != "." {
                let up = BPFFS.parent(of: current)
                XCTAssertLessThan(up.count, current.count, "parent of '\(current)' is '\(up)'")
                guard up.count < current.count else { break }
                current = up
                steps += 1
            }
            XCTAssertLessThan(steps, 10)
        }
    }

    func testNearestExisting() throws {
        XCTAssertEqual(BPFFS.nearestExisting(directory), directory)
        XCTAssertEqual(BPFFS.nearestExisting(directory + "/x"), directory)
        XCTAssertEqual(BPFFS.nearestExisting(directory + "/x/y/z/"), directory)
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/file", contents: Data()))
        XCTAssertEqual(BPFFS.nearestExisting(directory + "/file"), directory + "/file")
        XCTAssertEqual(BPFFS.nearestExisting(directory + "/file/below"), directory + "/file")
        XCTAssertEqual(BPFFS.nearestExisting("/"), "/")
        XCTAssertEqual(BPFFS.nearestExisting(""), "/")
        XCTAssertEqual(BPFFS.nearestExisting("/bpfnav-no-such-top-level-dir/x"), "/")
        XCTAssertEqual(BPFFS.nearestExisting("/tmp"), "/tmp")
    }

    func testIsDirectoryAndEntries() throws {
        XCTAssertTrue(BPFFS.isDirectory(directory))
        XCTAssertFalse(BPFFS.isDirectory(directory + "/nope"))
        XCTAssertEqual(try BPFFS.entries(of: directory), [])
        for name in ["b", "a", "c.d", ".hidden"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/" + name, contents: Data()))
        }
        XCTAssertEqual(mkdir(directory + "/z", 0o700), 0)
        XCTAssertFalse(BPFFS.isDirectory(directory + "/a"))
        XCTAssertTrue(BPFFS.isDirectory(directory + "/z"))
        XCTAssertEqual(try BPFFS.entries(of: directory), [".hidden", "a", "b", "c.d", "z"])
        XCTAssertThrowsError(try BPFFS.entries(of: directory + "/nope")) { error in
            XCTAssertEqual((error as? BPFError)?.errno, ENOENT)
            XCTAssertEqual((error as? BPFError)?.operation, "read directory")
        }
        XCTAssertThrowsError(try BPFFS.entries(of: directory + "/a")) { error in
            XCTAssertEqual((error as? BPFError)?.errno, ENOTDIR)
        }
    }

    func testMakeDirectoryIsMkdirP() throws {
        let deep = directory + "/one/two/three"
        try BPFFS.makeDirectory(deep, mode: 0o700)
        XCTAssertTrue(BPFFS.isDirectory(deep))
        var st = stat()
        XCTAssertEqual(stat(directory + "/one", &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o700 & ~currentUmask())
        try BPFFS.makeDirectory(deep) // exists: fine
        try BPFFS.makeDirectory(directory + "/one/two/four/")
        XCTAssertTrue(BPFFS.isDirectory(directory + "/one/two/four"))
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/file", contents: Data()))
        XCTAssertThrowsError(try BPFFS.makeDirectory(directory + "/file/sub")) { error in
            XCTAssertEqual((error as? BPFError)?.errno, ENOTDIR)
        }
    }

    func currentUmask() -> mode_t {
        let old = umask(0)
        umask(old)
        return old
    }

    func testTmpIsNotBPFFS() {
        XCTAssertFalse(BPFFS.isBPFFS(directory))
        XCTAssertFalse(BPFFS.isBPFFS(directory + "/missing"))
        XCTAssertFalse(BPFFS.isBPFFS("/proc"))
    }

    func testRequireBPFFSOutsideBPFFS() {
        XCTAssertThrowsError(try BPFFS.requireBPFFS(for: directory + "/pins")) { error in
            let e = error as? BPFError
            XCTAssertEqual(e?.errno, ENODEV)
            XCTAssertEqual(e?.subject, directory + "/pins")
            XCTAssertEqual(e?.hint, "\(directory) is not on a bpffs: pins can only live on a bpf file system (mount -t bpf bpf DIR)")
        }
    }

    func testRequireBPFFSUnderDefaultMount() throws {
        let path = BPFFS.defaultMount + "/bpfnav-unit-test-does-not-exist"
        if BPFFS.isBPFFS(BPFFS.defaultMount) {
            XCTAssertNoThrow(try BPFFS.requireBPFFS(for: path))
        } else {
            XCTAssertThrowsError(try BPFFS.requireBPFFS(for: path)) { error in
                XCTAssertEqual((error as? BPFError)?.hint?.hasPrefix("bpffs is not mounted at /sys/fs/bpf"), true)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "requireBPFFS creates nothing")
    }

    func testPinHints() {
        XCTAssertEqual(BPFFS.pinHint(EEXIST), "something is already pinned there")
        XCTAssertNotNil(BPFFS.pinHint(EPERM))
        XCTAssertEqual(BPFFS.pinHint(EPERM), BPFFS.pinHint(EACCES))
        XCTAssertTrue(BPFFS.pinHint(EINVAL)?.contains("'.'") == true)
        XCTAssertNil(BPFFS.pinHint(EIO))
    }

    func testObjectKindOfOrdinaryFDs() throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertNil(BPFObjectKind(fd: fd))
        XCTAssertNil(BPFObjectKind(fd: -1))
        var pair: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&pair), 0)
        defer { close(pair[0]); close(pair[1]) }
        XCTAssertNil(BPFObjectKind(fd: pair[0]))
    }

    func testPinnedObjectOnOrdinaryFileFails() {
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/plain", contents: Data("x".utf8)))
        XCTAssertThrowsError(try PinnedObject(path: directory + "/plain").path) { error in
            let e = error as? BPFError
            XCTAssertEqual(e?.operation, "open pinned object")
            XCTAssertNotEqual(e?.errno, 0)
        }
        XCTAssertThrowsError(try PinnedObject(path: directory + "/missing").path) { error in
            let e = error as? BPFError
            // ENOENT when the bpf syscall is allowed; a sandbox may refuse it first.
            if e?.errno == ENOENT { XCTAssertEqual(e?.hint, "nothing is pinned there") }
        }
    }
}

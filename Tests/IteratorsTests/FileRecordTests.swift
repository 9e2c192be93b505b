import CIterRecords
import Glibc
import XCTest
@testable import Iterators

/// Open-file records whose path the kernel could not give (bpf_d_path()
/// refused in iterators before 5.11): the name, marked, and the whole path
/// from /proc/PID/fd.
final class FileRecordTests: XCTestCase {
    private func record(fd: Int32, inode: UInt64, name: String) -> FileRecord {
        FileRecord(pid: UInt32(getpid()), fd: UInt32(fd), flags: 0, mode: 0, dev: 0, pos: 0, inode: inode,
                   path: Array(name.utf8), pathSource: .name)
    }

    private func inode(of fd: Int32) throws -> UInt64 {
        var st = stat()
        XCTAssertEqual(fstat(fd, &st), 0)
        return UInt64(st.st_ino)
    }

    func testNameOnlyRecordDecodes() throws {
        var f = FileRecord(pid: 7, fd: 3, flags: 0, mode: 0o100_644, dev: 0, pos: 0, inode: 9,
                           path: Array("log.txt".utf8))
        f.pathSource = .name
        var decoder = RecordDecoder<FileRecord>()
        var out: [FileRecord] = []
        try decoder.feed(Wire.file(f)) { out.append($0) }
        f.pathSource = .dPath
        f.path = Array("/var/log/log.txt".utf8)
        try decoder.feed(Wire.file(f)) { out.append($0) }
        try decoder.finish()
        XCTAssertEqual(out.map(\.pathSource), [.name, .dPath])
        XCTAssertEqual(String(decoding: out[0].path, as: UTF8.self), "log.txt")
    }

    func testCompletedReadsProcFD() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpfnav-file-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("a file").path
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let ino = try inode(of: fd)

        let done = record(fd: fd, inode: ino, name: "a file").completed()
        XCTAssertEqual(String(decoding: done.path, as: UTF8.self), path)
        XCTAssertEqual(done.pathSource, .fd)
        XCTAssertEqual(done.fd, UInt32(fd))

        // The fd now leads to another file (closed and reused since the
        // walk): the name stays, marked.
        let other = record(fd: fd, inode: ino + 1, name: "a file")
        XCTAssertEqual(other.completed(), other)
        // No such fd.
        let gone = record(fd: 1_000_000, inode: ino, name: "a file")
        XCTAssertEqual(gone.completed().pathSource, .name)
        // Nothing to complete: a whole path, or an error.
        var whole = record(fd: fd, inode: ino, name: "/x")
        whole.pathSource = .dPath
        XCTAssertEqual(whole.completed(), whole)
        var failed = record(fd: fd, inode: ino, name: "")
        failed.pathError = ENAMETOOLONG
        XCTAssertEqual(failed.completed(), failed)
    }

    /// Sockets and pipes have an empty dentry name; /proc/PID/fd says what
    /// bpf_d_path() would ("socket:[N]").
    func testCompletedNamesASocket() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let ino = try inode(of: fds[0])
        let done = record(fd: fds[0], inode: ino, name: "").completed()
        XCTAssertEqual(String(decoding: done.path, as: UTF8.self), "socket:[\(ino)]")
        XCTAssertEqual(done.pathSource, .fd)
    }

    func testLabels() {
        XCTAssertEqual(PathSource.fd.label, "fd")
        XCTAssertEqual(PathSource(wire: UInt8(BPFNAV_PATH_NAME.rawValue)), .name)
        XCTAssertEqual(PathSource(wire: 0), .dPath)
    }
}

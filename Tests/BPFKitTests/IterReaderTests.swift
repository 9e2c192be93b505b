import Foundation
import Glibc
import TestSupport
import XCTest
@testable import BPFKit

/// IterReader only uses read(2), so any fd shows its behaviour.
final class IterReaderTests: XCTestCase {
    var directory = ""
    let bufferSizes = [1, 7, 4096, 65536]

    override func setUpWithError() throws {
        directory = try temporaryDirectory("bpfnav-reader")
    }

    static func payload(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    func writeFile(_ bytes: [UInt8]) throws -> String {
        let path = directory + "/data-\(bytes.count)"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return path
    }

    func openReader(_ path: String, bufferSize: Int) throws -> IterReader {
        IterReader(fd: try OwnedFD.open(path, flags: O_RDONLY), subject: path, bufferSize: bufferSize)
    }

    func testRegularFileWithEveryBufferSize() throws {
        for count in [0, 1, 7, 8, 4095, 4096, 4097, 200_000] {
            let bytes = Self.payload(count, seed: UInt64(count))
            let path = try writeFile(bytes)
            for size in bufferSizes {
                let reader = try openReader(path, bufferSize: size)
                XCTAssertEqual(try reader.readAll(), bytes, "\(count) bytes, buffer \(size)")
            }
        }
    }

    func testChunksNeverExceedTheBuffer() throws {
        let bytes = Self.payload(100_000, seed: 5)
        let path = try writeFile(bytes)
        for size in bufferSizes {
            var collected: [UInt8] = []
            var chunks = 0
            try openReader(path, bufferSize: size).forEachChunk { chunk in
                XCTAssertGreaterThan(chunk.count, 0)
                XCTAssertLessThanOrEqual(chunk.count, size)
                collected += chunk
                chunks += 1
            }
            XCTAssertEqual(collected, bytes)
            XCTAssertGreaterThanOrEqual(chunks, (bytes.count + size - 1) / size)
        }
    }

    func testZeroOrNegativeBufferSizeReadsOneByteAtATime() throws {
        let bytes = Self.payload(100, seed: 1)
        let path = try writeFile(bytes)
        for size in [0, -5] {
            let reader = try openReader(path, bufferSize: size)
            XCTAssertEqual(reader.bufferSize, 1)
            XCTAssertEqual(try reader.readAll(), bytes)
        }
    }

    /// A writer thread feeds the pipe in uneven pieces with pauses, so reads
    /// return short counts, as an iterator's seq_file does.
    func readPipe(_ bytes: [UInt8], bufferSize: Int, nonBlocking: Bool) throws -> [UInt8] {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        if nonBlocking {
            XCTAssertEqual(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0)
        }
        let writeFD = fds[1]
        let writer = Thread {
            var at = 0
            var piece = 1
            while at < bytes.count {
                let n = min(piece, bytes.count - at)
                let written = bytes[at..<(at + n)].withUnsafeBytes { write(writeFD, $0.baseAddress, n) }
                if written > 0 { at += written } else if errno != EINTR { break }
                piece = piece * 3 % 10_007 + 1
                if at % 7 == 0 { usleep(100) }
            }
            close(writeFD)
        }
        writer.start()
        let reader = IterReader(fd: OwnedFD(adopting: fds[0]), subject: "pipe", bufferSize: bufferSize)
        return try reader.readAll()
    }

    func testPipeWithEveryBufferSize() throws {
        let bytes = Self.payload(150_000, seed: 9)
        for size in bufferSizes {
            XCTAssertEqual(try readPipe(bytes, bufferSize: size, nonBlocking: false), bytes, "buffer \(size)")
        }
        XCTAssertEqual(try readPipe([], bufferSize: 4096, nonBlocking: false), [])
    }

    func testNonBlockingPipeRetriesEAGAIN() throws {
        let bytes = Self.payload(20_000, seed: 10)
        XCTAssertEqual(try readPipe(bytes, bufferSize: 4096, nonBlocking: true), bytes)
        XCTAssertEqual(try readPipe(bytes, bufferSize: 7, nonBlocking: true), bytes)
    }

    func testDirectoryFDFailsWithEISDIR() throws {
        let reader = try openReader(directory, bufferSize: 4096)
        XCTAssertThrowsError(try reader.readAll()) { error in
            guard let e = error as? IterReadError else { return XCTFail("not an IterReadError: \(error)") }
            XCTAssertEqual(e.error.errno, EISDIR)
            XCTAssertEqual(e.error.operation, "read iterator")
            XCTAssertEqual(e.error.subject, directory)
            XCTAssertNil(e.error.hint, "the E2BIG hint is only for E2BIG")
            XCTAssertEqual(e.bytesRead, 0)
            XCTAssertEqual(e.partial, [])
            XCTAssertEqual(e.description, "read iterator \(directory): Is a directory (EISDIR)")
        }
    }

    func testWriteOnlyFDFailsWithEBADF() throws {
        let path = try writeFile([1, 2, 3])
        let reader = IterReader(fd: try OwnedFD.open(path, flags: O_WRONLY), subject: "w", bufferSize: 16)
        XCTAssertThrowsError(try reader.readAll()) { error in
            XCTAssertEqual((error as? IterReadError)?.error.errno, EBADF)
        }
    }

    func testForEachChunkPassesBodyErrorsThrough() throws {
        struct Stop: Error {}
        let path = try writeFile(Self.payload(100, seed: 2))
        var calls = 0
        XCTAssertThrowsError(try openReader(path, bufferSize: 10).forEachChunk { _ in
            calls += 1
            if calls == 3 { throw Stop() }
        }) { error in
            XCTAssertTrue(error is Stop, "\(error)")
        }
        XCTAssertEqual(calls, 3, "reading stops at the body's error")
    }

    func testPinnedAtOpensAPath() throws {
        let bytes = Self.payload(5000, seed: 3)
        let path = try writeFile(bytes)
        let reader = try IterReader(pinnedAt: path, bufferSize: 512)
        XCTAssertEqual(reader.subject, path)
        XCTAssertEqual(reader.bufferSize, 512)
        XCTAssertEqual(try reader.readAll(), bytes)
        XCTAssertThrowsError(try IterReader(pinnedAt: directory + "/missing").subject) { error in
            let e = error as? BPFError
            XCTAssertEqual(e?.errno, ENOENT)
            XCTAssertEqual(e?.operation, "open pinned iterator")
            XCTAssertEqual(e?.subject, directory + "/missing")
        }
    }

    func testE2BIGErrorMentionsBytesRead() {
        // The shape of the error readAll reports for E2BIG (its hint text).
        let e = IterReadError(error: BPFError("read iterator", "x", errno: E2BIG, hint: "h"), bytesRead: 10, partial: [1])
        XCTAssertEqual(e.description, "read iterator x: Argument list too long (E2BIG)\n  h")
    }
}

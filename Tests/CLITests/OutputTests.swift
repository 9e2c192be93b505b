import Encoding
import Foundation
import TestSupport
import XCTest
@testable import BPFNavCLI

final class OutputTests: XCTestCase {
    func testDecimalUInt64() {
        XCTAssertEqual(renderText { $0.append(UInt64(0)) }, "0")
        XCTAssertEqual(renderText { $0.append(UInt64(9)) }, "9")
        XCTAssertEqual(renderText { $0.append(UInt64(10)) }, "10")
        XCTAssertEqual(renderText { $0.append(UInt64(100)) }, "100")
        XCTAssertEqual(renderText { $0.append(UInt64.max) }, "18446744073709551615")
        XCTAssertEqual(renderText { $0.append(UInt32.max) }, "4294967295")
        XCTAssertEqual(renderText { $0.append(UInt32(0)) }, "0")
        var v: UInt64 = 1
        for _ in 0..<19 {
            XCTAssertEqual(renderText { $0.append(v - 1) }, String(v - 1))
            XCTAssertEqual(renderText { $0.append(v) }, String(v))
            v *= 10
        }
        var rng = SplitMix64(seed: 10)
        for _ in 0..<2000 {
            let x = rng.next() >> (rng.next() % 64)
            XCTAssertEqual(renderText { $0.append(x) }, String(x))
        }
    }

    func testDecimalInt64() {
        XCTAssertEqual(renderText { $0.append(Int64.min) }, "-9223372036854775808")
        XCTAssertEqual(renderText { $0.append(Int64.max) }, "9223372036854775807")
        XCTAssertEqual(renderText { $0.append(Int64(-1)) }, "-1")
        XCTAssertEqual(renderText { $0.append(Int64(0)) }, "0")
        XCTAssertEqual(renderText { $0.append(Int64(-10)) }, "-10")
    }

    func testAppendsAccumulate() {
        XCTAssertEqual(renderText { out in
            out.append(UInt64(12)); out.append(",")
            out.append(Int64(-3)); out.append(byte: 0x20)
            out.write("é"); out.write(bytes: [0x41, 0x42])
        }, "12,-3 éAB")
    }

    func testHex() {
        XCTAssertEqual(renderText { $0.append(hex: 0) }, "0")
        XCTAssertEqual(renderText { $0.append(hex: 0, width: 8) }, "00000000")
        XCTAssertEqual(renderText { $0.append(hex: 0xff) }, "ff")
        XCTAssertEqual(renderText { $0.append(hex: 0xff, width: 2) }, "ff")
        XCTAssertEqual(renderText { $0.append(hex: 0xf, width: 2) }, "0f")
        XCTAssertEqual(renderText { $0.append(hex: 0xabc, width: 2) }, "abc", "width is a minimum")
        XCTAssertEqual(renderText { $0.append(hex: 0x1000, width: 8) }, "00001000")
        XCTAssertEqual(renderText { $0.append(hex: 0x7ffd_1234_5000, width: 16) }, "00007ffd12345000")
        XCTAssertEqual(renderText { $0.append(hex: UInt64.max, width: 16) }, "ffffffffffffffff")
        XCTAssertEqual(renderText { $0.append(hex: UInt64.max, width: 1) }, "ffffffffffffffff")
        XCTAssertEqual(renderText { $0.append(hex: UInt64.max, width: 18) }, "00ffffffffffffffff")
        XCTAssertEqual(renderText { $0.append(hex: 0x8000_0000_0000_0000) }, "8000000000000000")
        XCTAssertEqual(renderText { $0.append(hex: 0xdeadbeef, width: 4) }, "deadbeef", "lower case")
        var rng = SplitMix64(seed: 16)
        for _ in 0..<2000 {
            let x = rng.next() >> (rng.next() % 64)
            let width = Int(rng.next() % 20)
            let plain = String(x, radix: 16)
            let expected = String(repeating: "0", count: max(0, max(width, 1) - plain.count)) + plain
            XCTAssertEqual(renderText { $0.append(hex: x, width: max(width, 1)) }, expected)
        }
    }

    func testOctal() {
        XCTAssertEqual(renderText { $0.append(octal: 0) }, "0")
        XCTAssertEqual(renderText { $0.append(octal: 1) }, "01")
        XCTAssertEqual(renderText { $0.append(octal: 8) }, "010")
        XCTAssertEqual(renderText { $0.append(octal: 0o100002) }, "0100002", "O_RDWR|O_LARGEFILE")
        XCTAssertEqual(renderText { $0.append(octal: 0o2004002) }, "02004002")
        XCTAssertEqual(renderText { $0.append(octal: UInt64.max) }, "01777777777777777777777")
        var rng = SplitMix64(seed: 8)
        for _ in 0..<2000 {
            let x = rng.next() >> (rng.next() % 64)
            XCTAssertEqual(renderText { $0.append(octal: x) }, x == 0 ? "0" : "0" + String(x, radix: 8))
        }
    }

    func testPadLeft() {
        XCTAssertEqual(renderText { out in out.append(padLeft: 7) { out.append(UInt64(42)) } }, "     42")
        XCTAssertEqual(renderText { out in out.append(padLeft: 2) { out.append(UInt64(42)) } }, "42")
        XCTAssertEqual(renderText { out in out.append(padLeft: 1) { out.append(UInt64(12345)) } }, "12345", "never truncates")
        XCTAssertEqual(renderText { out in out.append(padLeft: 0) { } }, "")
        XCTAssertEqual(renderText { out in out.append(padLeft: 3) { } }, "   ")
        // Padding goes where the body started, not at the start of the buffer.
        XCTAssertEqual(renderText { out in
            out.append("ab|")
            out.append(padLeft: 5) { out.append("x") }
            out.append("|")
        }, "ab|    x|")
    }

    func testPadRight() {
        XCTAssertEqual(renderText { out in out.append(padRight: 7) { out.append("REG") } }, "REG    ")
        XCTAssertEqual(renderText { out in out.append(padRight: 3) { out.append("REG") } }, "REG")
        XCTAssertEqual(renderText { out in out.append(padRight: 2) { out.append("a_inode") } }, "a_inode")
        XCTAssertEqual(renderText { out in
            out.append("ab|")
            out.append(padRight: 4) { out.append(UInt64(7)) }
            out.append("|")
        }, "ab|7   |")
    }

    // MARK: - Writing to a file descriptor

    func testFlushWritesToTheDescriptor() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]) }
        do {
            let out = Output(fd: fds[1], bufferLimit: 4)
            out.write("abc")
            // Below the limit: still buffered.
            XCTAssertEqual(out.buffer, Array("abc".utf8))
            out.write("de")
            XCTAssertTrue(out.buffer.isEmpty, "over the limit: flushed")
            out.append("fg")
            out.flush()
            XCTAssertNoThrow(try out.check())
        }
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: false).readDataToEndOfFile()
        XCTAssertEqual(String(decoding: data, as: UTF8.self), "abcdefg")
    }

    func testClosedReaderMakesCheckThrow() {
        signal(SIGPIPE, SIG_IGN)  // as main.swift does
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[1]) }
        close(fds[0])
        let out = Output(fd: fds[1])
        out.write("lost")
        XCTAssertNoThrow(try out.check(), "nothing written yet")
        out.flush()
        XCTAssertEqual(out.failed, EPIPE)
        XCTAssertThrowsError(try out.check()) { XCTAssertTrue($0 is OutputClosed) }
        out.write("more")
        out.flush()
        XCTAssertTrue(out.buffer.isEmpty)
        XCTAssertEqual(out.failed, EPIPE, "the first error stays")
    }
}

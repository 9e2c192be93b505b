import BPFKit
import Foundation
import Glibc
import XCTest
@testable import Iterators

final class TaskParamsTests: XCTestCase {
    func assertThrows(_ params: IterParams, _ kind: IterKind, errno expected: Int32, hint words: String,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TaskParams.validate(params, for: kind), file: file, line: line) { error in
            guard let e = error as? BPFError else { return XCTFail("not a BPFError", file: file, line: line) }
            XCTAssertEqual(e.errno, expected, e.description, file: file, line: line)
            XCTAssertTrue(e.hint?.contains(words) == true, "hint '\(e.hint ?? "")' lacks '\(words)'", file: file, line: line)
        }
    }

    func testAllIsAlwaysValid() {
        for kind in IterKind.allCases { XCTAssertNoThrow(try TaskParams.validate(.all, for: kind)) }
    }

    func testMapFDIsNeverValid() {
        for kind in IterKind.allCases { assertThrows(.mapFD(3), kind, errno: EINVAL, hint: "no map parameter") }
    }

    func testBPFMapTakesNoTaskParams() {
        let me = UInt32(getpid())
        assertThrows(.pid(me), .bpfMap, errno: EINVAL, hint: "--pid and --tid")
        assertThrows(.tid(me), .bpfMap, errno: EINVAL, hint: "--pid and --tid")
    }

    func testOwnProcess() {
        let me = UInt32(getpid())
        XCTAssertEqual(TaskParams.threadGroup(of: me), me)
        for kind: IterKind in [.task, .taskFile, .taskVMA] {
            XCTAssertNoThrow(try TaskParams.validate(.pid(me), for: kind))
            XCTAssertNoThrow(try TaskParams.validate(.tid(me), for: kind), "the main thread is a thread too")
        }
    }

    func testZeroAndHugeIDs() {
        assertThrows(.pid(0), .task, errno: EINVAL, hint: "positive")
        assertThrows(.tid(0), .taskFile, errno: EINVAL, hint: "positive")
        assertThrows(.pid(UInt32(Int32.max) + 1), .task, errno: EINVAL, hint: "positive")
        assertThrows(.pid(UInt32.max), .taskVMA, errno: EINVAL, hint: "positive")
    }

    func testMissingProcess() throws {
        // pid_max itself is never a pid.
        let text = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8)
        let pidMax = try XCTUnwrap(UInt32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertNil(TaskParams.threadGroup(of: pidMax))
        assertThrows(.pid(pidMax), .task, errno: ESRCH, hint: "no such process")
        assertThrows(.tid(pidMax), .taskFile, errno: ESRCH, hint: "no such thread")
    }

    /// gettid() without SYS_gettid (not imported): /proc/thread-self is
    /// a link to "<pid>/task/<tid>".
    static func currentTID() -> pid_t {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard n > 0 else { return -1 }
        let text = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return pid_t(text.split(separator: "/").last ?? "") ?? -1
    }

    func testThreadThatIsNotAProcess() throws {
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var tid: pid_t = 0
        let thread = Thread {
            tid = Self.currentTID()
            ready.signal()
            done.wait()
        }
        thread.start()
        ready.wait()
        defer { done.signal() }
        let me = UInt32(getpid())
        let thread_id = UInt32(tid)
        XCTAssertNotEqual(thread_id, me)
        XCTAssertEqual(TaskParams.threadGroup(of: thread_id), me)
        XCTAssertNoThrow(try TaskParams.validate(.tid(thread_id), for: .task))
        XCTAssertThrowsError(try TaskParams.validate(.pid(thread_id), for: .taskFile)) { error in
            let e = error as? BPFError
            XCTAssertEqual(e?.errno, ESRCH)
            XCTAssertEqual(e?.hint, "\(thread_id) is a thread of process \(me): use --tid \(thread_id), or --pid \(me)")
        }
    }
}

import BPFKit
import Glibc
import XCTest
@testable import Iterators

final class PinNameTests: XCTestCase {
    func testDefaultNames() {
        XCTAssertEqual(PinName.default(kind: .task, params: .all), "tasks")
        XCTAssertEqual(PinName.default(kind: .taskFile, params: .all), "files")
        XCTAssertEqual(PinName.default(kind: .taskVMA, params: .all), "vmas")
        XCTAssertEqual(PinName.default(kind: .bpfMap, params: .all), "maps")
        XCTAssertEqual(PinName.default(kind: .taskFile, params: .pid(1234)), "files-pid-1234")
        XCTAssertEqual(PinName.default(kind: .task, params: .pid(1)), "tasks-pid-1")
        XCTAssertEqual(PinName.default(kind: .taskVMA, params: .tid(77)), "vmas-tid-77")
        XCTAssertEqual(PinName.default(kind: .task, params: .tid(4_194_304)), "tasks-tid-4194304")
        XCTAssertEqual(PinSpec(kind: .taskVMA, params: .pid(9)).name, "vmas-pid-9")
        XCTAssertEqual(PinSpec(kind: .taskVMA, params: .pid(9), name: "mine").name, "mine")
    }

    func testDefaultNamesAreValid() throws {
        for kind in IterKind.allCases {
            for params in [IterParams.all, .pid(1), .tid(UInt32.max)] {
                XCTAssertNoThrow(try PinName.validate(PinName.default(kind: kind, params: params)))
            }
        }
    }

    func assertRejected(_ name: String, mentioning words: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PinName.validate(name), file: file, line: line) { error in
            guard let error = error as? BPFError else { return XCTFail("not a BPFError: \(error)", file: file, line: line) }
            XCTAssertEqual(error.errno, EINVAL, file: file, line: line)
            XCTAssertTrue(error.hint?.contains(words) == true, "hint \(error.hint ?? "nil") lacks \(words)",
                          file: file, line: line)
        }
    }

    func testValidateRejects() {
        assertRejected("", mentioning: "empty")
        assertRejected(".", mentioning: "'.'")
        assertRejected("..", mentioning: "'.'")
        assertRejected("tasks.old", mentioning: "'.'")
        assertRejected("/", mentioning: "'/'")
        assertRejected("a/b", mentioning: "'/'")
        assertRejected("../escape", mentioning: "'/'")
        assertRejected("tab\there", mentioning: "control")
        assertRejected("new\nline", mentioning: "control")
        assertRejected("nul\u{0}byte", mentioning: "control")
        assertRejected("del\u{7f}", mentioning: "control")
        assertRejected("esc\u{1b}[31m", mentioning: "control")
        assertRejected(String(repeating: "a", count: 116), mentioning: "115")
        assertRejected(String(repeating: "é", count: 58), mentioning: "115") // 116 bytes, 58 characters
        assertRejected("bpfnav-manifest", mentioning: "keeps for itself")
        assertRejected("progs-1", mentioning: "keeps for itself")
        assertRejected("demo", mentioning: "keeps for itself")
        assertRejected("demo-new-12", mentioning: "keeps for itself")
    }

    func testValidateAccepts() {
        for name in ["tasks", "files-pid-1", "a", "with space", "UPPER_lower-123", "ünïcødé", "-leading-dash",
                     String(repeating: "a", count: 115), String(repeating: "é", count: 57) + "a", "demos", "progs"] {
            XCTAssertNoThrow(try PinName.validate(name), name)
        }
    }

    func testErrorNamesTheOffendingName() {
        XCTAssertThrowsError(try PinName.validate("x.y")) { error in
            let e = error as? BPFError
            XCTAssertEqual(e?.subject, "'x.y'")
            XCTAssertEqual(e?.message, "use pin name 'x.y': Invalid argument (EINVAL)")
        }
    }

    func testIterPinsDirectoryIsNormalised() {
        XCTAssertEqual(IterPins(directory: "/sys/fs/bpf/x///").directory, "/sys/fs/bpf/x")
        XCTAssertEqual(IterPins(directory: "/sys/fs/bpf/x").path("tasks"), "/sys/fs/bpf/x/tasks")
        XCTAssertEqual(IterPins(directory: "/").directory, "/")
        XCTAssertEqual(IterPins().directory, "/sys/fs/bpf/bpfnav")
        XCTAssertEqual(IterPins.defaultDirectory, "/sys/fs/bpf/bpfnav")
    }
}

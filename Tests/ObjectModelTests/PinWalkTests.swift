@testable import ObjectModel
import BPFKit
import Foundation
import TestSupport
import XCTest

final class PinWalkTests: XCTestCase {
    func testPinIndexGroupsPathsByObject() {
        func entry(_ path: String, _ kind: PinKind, _ id: UInt32) -> PinEntry {
            var e = PinEntry(path: Array(path.utf8), kind: kind)
            e.id = id
            return e
        }
        let index = PinIndex([
            entry("/b/m", .map, 7), entry("/c/m", .map, 7), entry("/b/p", .program, 7), entry("/b/l", .link, 3),
            entry("/b", .directory, 0), entry("/b/x", .unreadable, 0),
        ])
        XCTAssertEqual(index.paths(.map, 7), [Array("/b/m".utf8), Array("/c/m".utf8)])
        XCTAssertEqual(index.paths(.program, 7), [Array("/b/p".utf8)])
        XCTAssertEqual(index.paths(.link, 3), [Array("/b/l".utf8)])
        XCTAssertEqual(index.paths(.link, 7), [])
        XCTAssertEqual(index.paths(.btf, 7), [])
    }

    func testOwnerAndName() {
        var e = PinEntry(path: Array("/x".utf8), kind: .link)
        XCTAssertFalse(e.owner.isBPFNav)
        XCTAssertEqual(e.name, "")
        e.linkProgramName = "bpfnav_task_txt"
        e.owner = .iterator(kind: .task, format: .text, params: .pid(3))
        XCTAssertTrue(e.owner.isBPFNav)
        XCTAssertEqual(e.name, "bpfnav_task_txt")
        XCTAssertEqual(e.space, .link)
        XCTAssertNil(PinEntry(path: [], kind: .directory).space)
    }

    // MARK: - Tracepoint formats

    // MARK: - BTF names

    /// A raw BTF blob: INT "int" (1), STRUCT "s" with 2 members (2),
    /// FUNC_PROTO with 1 param (3), FUNC "a_rather_long_function_name" (4).
    static func btf() -> [UInt8] {
        var b = BTFBlobBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        _ = b.composite("s", size: 8, [("a", int, 0, 0), ("b", int, 32, 0)])
        let proto = b.proto(returns: int, [("", int)])
        _ = b.function("a_rather_long_function_name", proto: proto)
        return b.data()
    }

    func testNamesAFunctionFromBTF() throws {
        let btf = try BTF(data: Self.btf())
        XCTAssertEqual(btf.kind(4), .function)
        XCTAssertEqual(btf.name(4), "a_rather_long_function_name")
        XCTAssertNotEqual(btf.kind(1), .function, "not a FUNC")
        XCTAssertThrowsError(try BTF(data: Array(Self.btf().prefix(30))), "truncated")
        XCTAssertThrowsError(try BTF(data: [1, 2, 3]))
    }
}

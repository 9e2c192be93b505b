@testable import Explorer
import BPFKit
import Foundation
import TestSupport
import XCTest

final class PinWalkTests: XCTestCase {
    func testFindsEveryBPFFSInMountinfo() {
        let mountinfo = """
        22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/root rw
        23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        36 23 0:30 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:13 - bpf bpf rw,mode=700
        40 22 0:31 / /run/with\\040space\\011tab rw,relatime - bpf none rw
        41 22 0:32 / /run/tagged rw,relatime shared:20 master:3 - bpf bpf rw
        42 22 0:33 / /run/notbpf rw,relatime - tmpfs bpf rw
        43 22 0:30 / /sys/fs/bpf rw,relatime - bpf bpf rw
        garbage line
        44 22 0:34 / /run/back\\134slash rw - bpf bpf rw

        """
        let mounts = PinWalk.bpffsMounts(mountinfo: Array(mountinfo.utf8)).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(mounts, ["/sys/fs/bpf", "/run/with space\ttab", "/run/tagged", "/run/back\\slash"])
    }

    func testMountFieldEscapes() {
        XCTAssertEqual(PinWalk.unescapeMountField(Array(#"/a\040b"#.utf8)), Array("/a b".utf8))
        XCTAssertEqual(PinWalk.unescapeMountField(Array(#"/end\040"#.utf8)), Array("/end ".utf8))
        // Not an escape: left as is.
        XCTAssertEqual(PinWalk.unescapeMountField(Array(#"/x\09"#.utf8)), Array(#"/x\09"#.utf8))
        XCTAssertEqual(PinWalk.unescapeMountField(Array(#"/x\9999"#.utf8)), Array(#"/x\9999"#.utf8))
        // Bytes that are not UTF-8 survive.
        XCTAssertEqual(PinWalk.unescapeMountField(Array(#"/x\377"#.utf8)), Array("/x".utf8) + [0xff])
    }

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

    static let format = """
    name: sched_switch
    ID: 316
    format:
    \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
    \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

    \tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
    \tfield:__data_loc char[] filename;\toffset:24;\tsize:4;\tsigned:0;
    \tfield:const char * ptr;\toffset:32;\tsize:8;\tsigned:0;

    print fmt: "prev_comm=%s", REC->prev_comm
    """

    func testParsesATracepointFormat() throws {
        let parsed = try XCTUnwrap(TracepointFormat.parse(Self.format, group: "sched"))
        XCTAssertEqual(parsed.group, "sched")
        XCTAssertEqual(parsed.name, "sched_switch")
        XCTAssertEqual(parsed.id, 316)
        XCTAssertEqual(parsed.fields.map(\.name), ["common_type", "common_pid", "prev_comm", "filename", "ptr"])
        XCTAssertEqual(parsed.fields[2], .init(declaration: "char prev_comm[16]", name: "prev_comm", offset: 8, size: 16,
                                               isSigned: false))
        XCTAssertTrue(parsed.fields[1].isSigned)
        XCTAssertNil(TracepointFormat.parse("nothing here", group: "x"))
    }

    func testFindsATracepointInSomeGroup() throws {
        let root = NSTemporaryDirectory() + "bpfnav-tracefs-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/sched/sched_switch"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/aaa", withIntermediateDirectories: true)
        try Self.format.write(toFile: dir + "/format", atomically: true, encoding: .utf8)
        let roots = [root + "/missing", root]
        XCTAssertEqual(TracepointFormat.find("sched_switch", roots: roots)?.group, "sched")
        XCTAssertEqual(TracepointFormat.find("sched:sched_switch", roots: roots)?.id, 316)
        XCTAssertNil(TracepointFormat.find("other:sched_switch", roots: roots))
        XCTAssertNil(TracepointFormat.find("nope", roots: roots))
        XCTAssertNil(TracepointFormat.find("../sched/sched_switch", roots: roots))
        XCTAssertNil(TracepointFormat.find("", roots: roots))
    }

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

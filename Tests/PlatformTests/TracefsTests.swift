import Foundation
@testable import Platform
import XCTest

final class TracefsTests: XCTestCase {
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
}

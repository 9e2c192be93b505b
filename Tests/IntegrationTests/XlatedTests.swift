import BPFKit
import Foundation
import Iterators
import XCTest

/// `bpfnav prog ID --xlated` against `bpftool prog dump xlated id ID`.
final class XlatedTests: BPFTestCase {
    func testInstructionsMatchBpftool() throws {
        let object = try Catalog.load(.taskFile)
        for program in ["bpfnav_file_txt", "bpfnav_file_rec"] {
            let id = try ProgramInfo(fd: object.programFD(program)).id
            let ours = try bpfnav("prog", "\(id)", "--xlated")
            XCTAssertEqual(ours.status, 0, ours.stderr)
            let theirs = try runCommand("/usr/sbin/bpftool", ["prog", "dump", "xlated", "id", "\(id)"])
            XCTAssertEqual(theirs.status, 0, theirs.stderr)
            // bpftool adds source lines ("; …") and a signature; keep instructions.
            let isInstruction = { (line: Substring) in
                line.drop { $0 == " " }.first?.isNumber == true && line.contains(": (")
            }
            let a = ours.text.split(separator: "\n").filter(isInstruction)
            let b = theirs.text.split(separator: "\n").filter(isInstruction)
            XCTAssertEqual(a.count, b.count, program)
            XCTAssertEqual(a.map { $0.split(separator: ":").first }, b.map { $0.split(separator: ":").first }, "pcs")
            // Debian's bpftool predates some instruction forms (it prints
            // BUG_…); everything else must be the same text.
            let differing = zip(a, b).filter { $0 != $1 && !$1.contains("BUG") }
            XCTAssertLessThanOrEqual(differing.count, 1, "\(program): \(differing.prefix(5))")
            XCTAssertTrue(a.contains { $0.contains("call bpf_seq_write#") }, "helpers by name")
            XCTAssertTrue(a.contains { $0.contains("map[id:") }, "maps by id")
        }
        let json = try bpfnav("prog", "\(try ProgramInfo(fd: object.programFD("bpfnav_file_rec")).id)", "--xlated", "--json")
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [[String: Any]])
        XCTAssertEqual(array.first?["pc"] as? Int, 0)
        XCTAssertNotNil(array.first?["insn"] as? String)
    }
}

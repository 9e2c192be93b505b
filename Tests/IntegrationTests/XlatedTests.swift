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
            let isInstruction = { (line: Substring) in
                line.drop { $0 == " " }.first?.isNumber == true && line.contains(": (")
            }
            // The signature and the source lines of the line info, in the
            // same places: every line that is no instruction is the same.
            let ourLines = ours.text.split(separator: "\n", omittingEmptySubsequences: false)
            let theirLines = theirs.text.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(ourLines.count, theirLines.count, program)
            XCTAssertTrue(ourLines.contains { $0.hasPrefix("; ") }, "source lines:\n\(ours.text.prefix(2000))")
            XCTAssertTrue(ourLines.first?.hasPrefix("int \(program)(struct bpf_iter__task_file * ctx):") == true,
                          "the signature first: \(ourLines.first ?? "")")
            let sourceDiffering = zip(ourLines, theirLines).filter { ($0.0 != $0.1) && !(isInstruction($0.0) && isInstruction($0.1)) }
            XCTAssertEqual(sourceDiffering.count, 0, "\(program): \(sourceDiffering.prefix(5))")
            let a = ourLines.filter(isInstruction)
            let b = theirLines.filter(isInstruction)
            XCTAssertEqual(a.count, b.count, program)
            XCTAssertEqual(a.map { $0.split(separator: ":").first }, b.map { $0.split(separator: ":").first }, "pcs")
            // Debian's bpftool predates some instruction forms (it prints
            // BUG_…, or `r0 = r0` for a per-CPU address move); everything
            // else must be the same text.
            let differing = zip(a, b).filter { $0 != $1 && !$1.contains("BUG") }
            XCTAssertLessThanOrEqual(differing.count, 1, "\(program): \(differing.prefix(5))")
            XCTAssertTrue(a.contains { $0.contains("call bpf_seq_write#") }, "helpers by name")
            XCTAssertTrue(a.contains { $0.contains("map[id:") }, "maps by id")
        }
        let json = try bpfnav("prog", "\(try ProgramInfo(fd: object.programFD("bpfnav_file_rec")).id)", "--xlated", "--json")
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [[String: Any]])
        XCTAssertEqual(array.first?["pc"] as? Int, 0)
        XCTAssertNotNil(array.first?["insn"] as? String)
        XCTAssertEqual(array.first?["proto"] as? String, "int bpfnav_file_rec(struct bpf_iter__task_file * ctx)")
        XCTAssertNotNil(array.first?["src"] as? String, "\(array.first ?? [:])")
        XCTAssertTrue(array.contains { $0["target"] is Int }, "jumps name their target")
    }

    /// `prog ID --xlated --linum` as `bpftool prog dump xlated id ID linum`.
    func testLinumMatchesBpftool() throws {
        let object = try Catalog.load(.taskFile)
        let id = try ProgramInfo(fd: object.programFD("bpfnav_file_txt")).id
        let ours = try bpfnav("prog", "\(id)", "--xlated", "--linum")
        XCTAssertEqual(ours.status, 0, ours.stderr)
        let theirs = try runCommand("/usr/sbin/bpftool", ["prog", "dump", "xlated", "id", "\(id)", "linum"])
        let source = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("; ") } }
        XCTAssertFalse(source(ours.text).isEmpty)
        XCTAssertTrue(source(ours.text).allSatisfy { $0.contains(" [file:") && $0.contains(" line_num:") }, ours.text)
        XCTAssertEqual(source(ours.text), source(theirs.text))
    }
}

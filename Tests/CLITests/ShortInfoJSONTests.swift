import CLibBPF
import Foundation
import TestSupport
import XCTest
@testable import BPFKit
@testable import BPFNavCLI
@testable import BrowserModel
@testable import Formatting
@testable import ObjectModel

/// Fields an older kernel does not return are left out of JSON, tables and
/// the browser's document, as bpftool leaves out what it does not have.
final class ShortInfoJSONTests: XCTestCase {
    private func program(length: Int) throws -> ProgramEntry {
        var info = bpf_prog_info()
        info.id = 42
        info.type = 26
        info.recursion_misses = 3
        info.verified_insns = 77
        let decoded = try ProgramInfo(KernelInfo(value: info, length: length), fd: nil)
        return ProgramEntry(info: decoded, fullName: "p")
    }

    private func json(_ entry: ProgramEntry) -> [String: Any] {
        parseObject(render { ObjectJSON.object(entry, $0) })
    }

    func testProgramFieldsOfOlderKernelsAreLeftOut() throws {
        let linux5_10 = json(try program(length: MemoryLayout<bpf_prog_info>.offset(of: \.recursion_misses)!))
        XCTAssertNil(linux5_10["verified_insns"])
        XCTAssertNil(linux5_10["recursion_misses"])
        XCTAssertEqual(linux5_10["id"] as? Int, 42)
        let current = json(try program(length: MemoryLayout<bpf_prog_info>.size))
        XCTAssertEqual(current["verified_insns"] as? Int, 77)
        XCTAssertEqual(current["recursion_misses"] as? Int, 3)
    }

    func testBrowserDocumentLeavesOutWhatIsAbsent() {
        let without = BrowserDocuments.program(ProgramEntry(info: ProgramInfo(id: 1, verifiedInstructions: nil)), in: BrowserSnapshot())
        XCTAssertFalse(without.lines.contains { "\($0)".contains("verified_insns") })
        let with = BrowserDocuments.program(ProgramEntry(info: ProgramInfo(id: 1, verifiedInstructions: 9)), in: BrowserSnapshot())
        XCTAssertTrue(with.lines.contains { "\($0)".contains("verified_insns") })
    }

    func testLinkFieldsOfOlderKernelsAreLeftOut() {
        let old = PerfEventLink.kprobe(function: "f", offset: 0, address: 1, missed: nil, retprobe: false, cookie: nil)
        let keys = topLevelKeys(render { out in
            out.append("{\"id\":1")
            ObjectJSON.linkDetails(.perfEvent(old), programType: nil, tracepointFormat: nil, out)
            out.append("}")
        })
        XCTAssertEqual(keys, ["id", "retprobe", "addr", "func", "offset"])
        XCTAssertEqual(LinkSummary.pairs(.perfEvent(old)).map(\.0), ["retprobe", "func", "offset", "addr"])
        XCTAssertEqual(LinkSummary.pairs(.kprobeMulti(count: 1, flags: 0, missed: nil)).map(\.0), ["retprobe", "func_cnt"])
    }

    /// Before 6.6 the kernel describes no perf_event link: the link is
    /// listed with what is known and says why the rest is missing.
    func testPerfEventLinksOfKernelsBefore66() {
        let keys = topLevelKeys(render { out in
            out.append("{\"id\":1")
            ObjectJSON.linkDetails(.perfEvent(.notReported), programType: nil, tracepointFormat: nil, out)
            out.append("}")
        })
        XCTAssertEqual(keys, ["id"])
        XCTAssertTrue(LinkSummary.text(.perfEvent(.notReported)).contains("need Linux 6.6"))
        // The kernel's info of a perf_event link before 6.6: type, id and
        // program, the union all zeros.
        var raw = [UInt8](repeating: 0, count: 64)
        raw[0] = 7; raw[4] = 3
        var info = bpf_link_info()
        withUnsafeMutableBytes(of: &info) { $0.copyBytes(from: raw.prefix($0.count)) }
        XCTAssertEqual(LinkDetails(KernelInfo(value: info, length: 16), name: ""), .perfEvent(.notReported))
    }
}

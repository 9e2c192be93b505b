import CLibBPF
import XCTest
@testable import BPFKit

/// Info structs decoded from the length the kernel returned: an older
/// kernel's shorter struct leaves the newer fields absent (nil), not 0.
/// Synthetic lengths stand for the older kernels; no privileges needed.
final class ObjectInfoTests: XCTestCase {
    private func offset<Info, Value>(_ path: KeyPath<Info, Value>) -> Int {
        MemoryLayout<Info>.offset(of: path)!
    }

    private var program: bpf_prog_info {
        var info = bpf_prog_info()
        info.id = 42
        info.run_time_ns = 1_000
        info.run_cnt = 10
        info.recursion_misses = 3
        info.verified_insns = 77
        return info
    }

    func testKernelWroteIsTheFieldsEnd() {
        XCTAssertTrue(kernelWrote(offset: 0, size: 4, length: 4))
        XCTAssertFalse(kernelWrote(offset: 0, size: 8, length: 4))
        XCTAssertTrue(kernelWrote(offset: 8, size: 8, length: 16))
        XCTAssertFalse(kernelWrote(offset: 12, size: 8, length: 16), "a field cut in two was not given")
        XCTAssertFalse(kernelWrote(offset: 0, size: 1, length: 0))
    }

    func testFieldFollowsTheReturnedLength() {
        let end = offset(\bpf_prog_info.verified_insns)
        let short = KernelInfo(value: program, length: end)
        XCTAssertNil(short.field(\.verified_insns))
        XCTAssertEqual(short.field(\.recursion_misses), 3)
        XCTAssertEqual(short.field(\.id), 42)
        XCTAssertEqual(KernelInfo(value: program, length: end + 4).field(\.verified_insns), 77)
        XCTAssertEqual(KernelInfo(value: program, length: MemoryLayout<bpf_prog_info>.size).field(\.verified_insns), 77)
    }

    /// 5.10 returns bpf_prog_info up to run_cnt; 5.12 adds recursion_misses,
    /// 5.16 verified_insns.
    func testProgramInfoFromOlderKernels() throws {
        let linux5_10 = try ProgramInfo(KernelInfo(value: program, length: offset(\bpf_prog_info.recursion_misses)), fd: nil)
        XCTAssertEqual(linux5_10.id, 42)
        XCTAssertEqual(linux5_10.runTimeNs, 1_000)
        XCTAssertEqual(linux5_10.runCount, 10)
        XCTAssertNil(linux5_10.recursionMisses)
        XCTAssertNil(linux5_10.verifiedInstructions)

        let linux5_12 = try ProgramInfo(KernelInfo(value: program, length: offset(\bpf_prog_info.verified_insns)), fd: nil)
        XCTAssertEqual(linux5_12.recursionMisses, 3)
        XCTAssertNil(linux5_12.verifiedInstructions)

        let current = try ProgramInfo(KernelInfo(value: program, length: MemoryLayout<bpf_prog_info>.size), fd: nil)
        XCTAssertEqual(current.recursionMisses, 3)
        XCTAssertEqual(current.verifiedInstructions, 77)
    }

    func testMapExtraFrom5_16() {
        var info = bpf_map_info()
        info.id = 7
        info.map_extra = 5
        XCTAssertNil(MapInfo(KernelInfo(value: info, length: offset(\bpf_map_info.map_extra))).mapExtra)
        XCTAssertEqual(MapInfo(KernelInfo(value: info, length: MemoryLayout<bpf_map_info>.size)).mapExtra, 5)
        XCTAssertEqual(MapInfo(KernelInfo(value: info, length: offset(\bpf_map_info.map_extra))).id, 7)
    }

    /// Bytes at the kernel's offsets as the header's struct: the offsets
    /// below are the ABI, written independently of the header.
    private func linkInfo(_ raw: [UInt8], length: Int) -> KernelInfo<bpf_link_info> {
        var info = bpf_link_info()
        withUnsafeMutableBytes(of: &info) { $0.copyBytes(from: raw.prefix($0.count)) }
        return KernelInfo(value: info, length: length)
    }

    /// perf_event links (6.6): 6.6 returns 48 bytes of bpf_link_info, so the
    /// kprobe's missed (at 48) and cookie (at 56) are absent there.
    func testLinkFieldsPastTheReturnedLength() {
        var raw = [UInt8](repeating: 0, count: LinkInfo.bufferSize)
        raw.setU32(0, 7)          // perf_event
        raw.setU32(16, 3)         // kprobe
        raw.setU64(40, 0xffff)    // addr
        raw.setU64(48, 9)         // missed
        raw.setU64(56, 5)         // cookie
        XCTAssertEqual(LinkDetails(linkInfo(raw, length: 48), name: "f"),
                       .perfEvent(.kprobe(function: "f", offset: 0, address: 0xffff, missed: nil, retprobe: false, cookie: nil)))
        XCTAssertEqual(LinkDetails(linkInfo(raw, length: 64), name: "f"),
                       .perfEvent(.kprobe(function: "f", offset: 0, address: 0xffff, missed: 9, retprobe: false, cookie: 5)))
        raw.setU32(16, 1)         // uprobe: cookie at 40, ref_ctr_offset at 48
        XCTAssertEqual(LinkDetails(linkInfo(raw, length: 48), name: "/bin/x"),
                       .perfEvent(.uprobe(file: "/bin/x", offset: 0, retprobe: false, cookie: 0xffff, refCtrOffset: nil)))
        XCTAssertNil(PerfEventLink(linkInfo(raw, length: 40), name: "/bin/x").cookie)

        var multi = [UInt8](repeating: 0, count: LinkInfo.bufferSize)
        multi.setU32(0, 8)        // kprobe_multi
        multi.setU32(24, 2)
        multi.setU64(32, 4)
        XCTAssertEqual(LinkDetails(linkInfo(multi, length: 32), name: ""), .kprobeMulti(count: 2, flags: 0, missed: nil))
        XCTAssertEqual(LinkDetails(linkInfo(multi, length: 40), name: ""), .kprobeMulti(count: 2, flags: 0, missed: 4))
    }
}

private extension [UInt8] {
    mutating func setU32(_ offset: Int, _ value: UInt32) {
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
    }

    mutating func setU64(_ offset: Int, _ value: UInt64) {
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: UInt64.self) }
    }
}

import XCTest
@testable import Iterators

/// The embedded objects hold only instructions every supported kernel takes.
/// Kernels before 5.12 check every instruction before verification, reachable
/// or not ("BPF_STX uses reserved fields"): no knob can hide one of these.
final class ObjectInstructionTests: XCTestCase {
    /// (section name, 8-byte instructions) of every executable section.
    static func programs(in elf: [UInt8]) throws -> [(String, [UInt64])] {
        func u16(_ o: Int) -> Int { Int(elf[o]) | Int(elf[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        func u64(_ o: Int) -> UInt64 { UInt64(u32(o)) | UInt64(u32(o + 4)) << 32 }
        guard elf.count > 64, elf[0..<4] == [0x7f, 0x45, 0x4c, 0x46], elf[4] == 2, elf[5] == 1 else {
            throw XCTSkip("not a 64-bit little-endian ELF")
        }
        let shoff = Int(u64(0x28)), shentsize = u16(0x3a), shnum = u16(0x3c), shstrndx = u16(0x3e)
        let strtab = Int(u64(shoff + shstrndx * shentsize + 0x18))
        var out: [(String, [UInt64])] = []
        for i in 0..<shnum {
            let sh = shoff + i * shentsize
            let flags = u64(sh + 0x08), offset = Int(u64(sh + 0x18)), size = Int(u64(sh + 0x20))
            let type = u32(sh + 0x04)
            guard type == 1, flags & 0x4 != 0, size > 0 else { continue } // PROGBITS, SHF_EXECINSTR
            let nameStart = strtab + u32(sh)
            let name = String(decoding: elf[nameStart...].prefix { $0 != 0 }, as: UTF8.self)
            out.append((name, stride(from: offset, to: offset + size, by: 8).map { u64($0) }))
        }
        return out
    }

    func testNoAtomicButThePlainAdd() throws {
        var checked = 0
        for name in ["task", "task_file", "task_vma", "bpf_map", "demo"] {
            for (section, instructions) in try Self.programs(in: Catalog.object(named: name)) {
                for (i, insn) in instructions.enumerated() {
                    let code = UInt8(insn & 0xff), imm = Int32(truncatingIfNeeded: insn >> 32)
                    // BPF_STX | BPF_ATOMIC: only imm == BPF_ADD (no fetch) is
                    // BPF_XADD, which 5.10 takes.
                    if code & 0x07 == 0x03, code & 0xe0 == 0xc0 {
                        XCTAssertEqual(imm, 0, "\(name).bpf.o \(section) instruction \(i): atomic op \(imm) needs Linux 5.12")
                    }
                    // Neither may a load or store use its reserved imm field.
                    if code & 0x07 == 0x01 { XCTAssertEqual(imm, 0, "\(name).bpf.o \(section) instruction \(i): BPF_LDX imm") }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 500, "the scan found the programs")
    }
}

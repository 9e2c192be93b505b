import BPFKit
import CLibBPF
import XCTest

/// Objects the map and field tests make for themselves.
extension BPFTestCase {
    /// A map made with bpf_map_create directly (inner maps, map_extra).
    func createMap(_ type: bpf_map_type, _ name: String, key: UInt32 = 4, value: UInt32, entries: UInt32,
                   _ configure: (inout bpf_map_create_opts) -> Void = { _ in }) throws -> BPFMap {
        var opts = bpf_map_create_opts()
        opts.sz = MemoryLayout<bpf_map_create_opts>.size
        configure(&opts)
        let fd = bpf_map_create(type, name, key, value, entries, &opts)
        guard fd >= 0 else { throw XCTSkip("cannot create a \(type) map here: \(String(cString: strerror(-fd)))") }
        return BPFMap(adopting: OwnedFD(adopting: fd), name: name)
    }

    /// "r0 = 0; exit" as a program of `type`.
    func loadProgram(_ type: bpf_prog_type, name: String) throws -> OwnedFD {
        var insns = [bpf_insn(code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0),   // r0 = 0
                     bpf_insn(code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0)]   // exit
        let fd = bpf_prog_load(type, name, "GPL", &insns, 2, nil)
        guard fd >= 0 else { throw XCTSkip("cannot load a \(type) program: \(String(cString: strerror(-fd)))") }
        return OwnedFD(adopting: fd)
    }
}

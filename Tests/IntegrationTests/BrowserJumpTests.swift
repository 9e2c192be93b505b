import BPFKit
import CLibBPF
import Foundation
import TestSupport
import XCTest

/// Enter on a jump in a program's instructions, in the browser as a person
/// uses it: the cursor goes to the target, which scrolls into view.
final class BrowserJumpTests: BPFTestCase {
    func testEnterOnAJumpGoesToItsTarget() throws {
        // 0: r0 = skb->len; 1: if r0 > 0x10 goto pc+60; 2…60: r0 = 1;
        // 61: exit; 62: r0 = 2; 63: exit. Both branches are live, so the
        // verifier keeps every instruction where it is.
        var insns = [bpf_insn(code: 0x61, dst_reg: 0, src_reg: 1, off: 0, imm: 0),
                     bpf_insn(code: 0x25, dst_reg: 0, src_reg: 0, off: 60, imm: 0x10)]
        insns += Array(repeating: bpf_insn(code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 1), count: 59)
        insns += [bpf_insn(code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0),
                  bpf_insn(code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 2),
                  bpf_insn(code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0)]
        let name = uniqueName("navjmp")
        let raw = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", &insns, insns.count, nil)
        guard raw >= 0 else { throw XCTSkip("cannot load a socket filter: \(String(cString: strerror(-raw)))") }
        let program = OwnedFD(adopting: raw)
        defer { XCTAssertGreaterThanOrEqual(program.raw, 0) }

        let tmux = try TmuxSession([bpfnavBinary, "browse", "-d", "1"], columns: 120, rows: 40,
                                   environment: ["BPFNAV_CACHE_DIR": pinDirectory])
        defer { tmux.kill() }
        tmux.waitFor(timeout: 20, "the browser starts") { $0.contains("1 Programs") }
        tmux.sendKeys("/")
        tmux.sendText(name)
        tmux.waitFor("the filter finds the test's program") { $0.contains(name) && $0.contains("1/1") }
        tmux.sendKeys("Enter")   // keep the filter
        tmux.sendKeys("Enter")   // open the program
        // The page, loaded (its instructions are below the charts, out of view).
        tmux.waitFor("its page") { $0.contains("Program ") && $0.contains(name) && $0.contains("Esc: back") }
        // To the last line, then up to the line before it that opens
        // something or jumps: instruction 1, the program's only jump.
        tmux.sendKeys("End")
        tmux.waitFor("the last instruction") { $0.contains("63: (95) exit") }
        tmux.sendKeys("k")
        tmux.waitFor("the jump, its target out of view") { screen in
            screen.contains("1: (25) if r0 > 0x10 goto pc+60") && !screen.contains("62: (b7) r0 = 2")
        }
        tmux.sendKeys("Enter")
        tmux.waitFor("the target in view, the page still this program's") { screen in
            screen.contains("62: (b7) r0 = 2") && screen.contains(name)
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }
}

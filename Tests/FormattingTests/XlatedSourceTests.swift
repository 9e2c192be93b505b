import BPFKit
@testable import Formatting
import TestSupport
import XCTest

/// Source lines and signatures interleaved with xlated instructions, as
/// `bpftool prog dump xlated` does.
final class XlatedSourceTests: XCTestCase {
    private func I(_ code: UInt8, _ dst: UInt8 = 0, _ src: UInt8 = 0, off: Int16 = 0, imm: Int32 = 0) -> XlatedInstruction {
        XlatedInstruction(code: code, dst: dst, src: src, off: off, imm: imm)
    }

    /// r1 = 0; ld_imm64 (two slots); if r1 > 0 goto pc+1; r0 = 0; call pc+1; exit; r0 = 1; exit.
    private var program: [XlatedInstruction] {
        [I(0xb7, 1), I(0x18, 2, imm: 7), I(0x00), I(0x25, 1, off: 1), I(0xb7, 0),
         I(0x85, 0, 1, off: 1, imm: 1), I(0x95), I(0xb7, 0, imm: 1), I(0x95)]
    }

    func testSourceLinesAndSignaturesComeBeforeTheInstructionsTheyStart() {
        let functions = [XlatedFunction(instruction: 0, signature: "int prog(void * ctx)"),
                         XlatedFunction(instruction: 7, signature: "static int helper(void)")]
        let source = [
            XlatedSourceLine(instruction: 0, text: "\tint x = 0;", file: "p.c", line: 3, column: 6),
            // The second half of an ld_imm64 has no line: never shown.
            XlatedSourceLine(instruction: 2, text: "lost"),
            XlatedSourceLine(instruction: 3, text: "  if (x > 0)", file: "p.c", line: 4, column: 8),
            // An empty line is counted but not shown.
            XlatedSourceLine(instruction: 4, text: ""),
            XlatedSourceLine(instruction: 7, text: "return 1;", file: "p.c", line: 9, column: 2),
        ]
        let lines = Xlated.annotate(Xlated.format(program), functions: functions, source: source)
        XCTAssertEqual(Xlated.plainText(lines), [
            "int prog(void * ctx):",
            "; int x = 0;",
            "   0: (b7) r1 = 0",
            "   1: (18) r2 = 0x7",
            "; if (x > 0)",
            "   3: (25) if r1 > 0x0 goto pc+1",
            "   4: (b7) r0 = 0",
            "   5: (85) call pc+1",
            "   6: (95) exit",
            "static int helper(void):",
            "; return 1;",
            "   7: (b7) r0 = 1",
            "   8: (95) exit",
        ])
        XCTAssertEqual(Xlated.plainText(lines, linum: true)[1], "; int x = 0; [file:p.c line_num:3 line_col:6]")
    }

    /// bpftool searches the records from the count already shown on, not
    /// from the last one shown: "b" (out of order) is found at 0, and then
    /// the search for 3 starts at "b" and misses "a".
    func testRecordsAreSearchedFromTheCountShown() {
        let source = [XlatedSourceLine(instruction: 3, text: "a"), XlatedSourceLine(instruction: 0, text: "b"),
                      XlatedSourceLine(instruction: 4, text: "c")]
        let lines = Xlated.annotate(Xlated.format(program), functions: [], source: source)
        XCTAssertEqual(lines.compactMap { $0.source.map { "\($0.instruction):\($0.text)" } }, ["0:b", "4:c"])
    }

    func testJumpTargets() {
        let lines = Xlated.format(program)
        let targets = Dictionary(uniqueKeysWithValues: lines.map { ($0.index, $0.jumpTarget) })
        XCTAssertEqual(targets[3], 5, "if … goto pc+1")
        XCTAssertEqual(targets[5], 7, "call pc+1 (a subprogram)")
        XCTAssertEqual(targets[6], .some(nil), "exit")
        XCTAssertEqual(targets[0], .some(nil))
        XCTAssertNil(Xlated.format([I(0x05, off: 100)])[0].jumpTarget, "out of the program")
        XCTAssertEqual(Xlated.format([I(0x06, imm: 1), I(0x95), I(0x95)])[0].jumpTarget, 2, "gotol uses imm")
        XCTAssertNil(Xlated.format([I(0x85, imm: 12), I(0x95)])[0].jumpTarget, "a helper call")
    }

    func testSignaturesAreSpelledAsBpftool() throws {
        var b = BTFBlobBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        let task = b.composite("bpf_iter__task", size: 8, [])
        let ptr = b.ptr(task)
        let charType = b.int("char", size: 1, encoding: 2)
        let constChar = b.const(charType)
        let string = b.ptr(constChar)
        let proto = b.proto(returns: int, [("ctx", ptr), ("name", string)])
        let function = b.function("dump_task", proto: proto)
        let unnamed = b.proto(returns: 0, [("", int)])
        let other = b.function("f", proto: unnamed)
        let btf = try b.btf()
        XCTAssertEqual(Xlated.signature(btf, function), "int dump_task(struct bpf_iter__task * ctx, const char * name)")
        XCTAssertEqual(Xlated.signature(btf, other), "void f(int)")
    }

    func testSourceTextKeepsBackslashesAndEscapesControls() {
        XCTAssertEqual(Xlated.terminalText("; SEQ_PUTS(seq, \"\\n\");"), "; SEQ_PUTS(seq, \"\\n\");")
        XCTAssertEqual(Xlated.terminalText("; \u{1b}[2J \\t"), "; \\x1b[2J \\t")
    }
}

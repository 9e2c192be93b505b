import Foundation
@testable import Formatting
import TestSupport
import XCTest

private func I(_ code: UInt8, _ dst: UInt8 = 0, _ src: UInt8 = 0, off: Int16 = 0, imm: Int32 = 0) -> XlatedInstruction {
    XlatedInstruction(code: code, dst: dst, src: src, off: off, imm: imm)
}

/// Text of the single line the instructions print as.
private func text(_ insns: XlatedInstruction..., resolver: XlatedResolver = XlatedResolver()) -> String {
    let lines = Xlated.format(insns, resolver: resolver)
    return lines.first?.text ?? "<no line>"
}

private func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = hex.utf8.makeIterator()
    while let hi = chars.next(), let lo = chars.next() {
        out.append(UInt8(String(decoding: [hi, lo], as: UTF8.self), radix: 16)!)
    }
    return out
}

final class XlatedTests: XCTestCase {
    // MARK: - Decoding

    func testDecodeFieldsAreLittleEndianWithDstInLowNibble() throws {
        let insns = try Xlated.decode([0x79, 0x61, 0xf8, 0xff, 0x78, 0x56, 0x34, 0x12,
                                       0x18, 0x21, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff])
        XCTAssertEqual(insns, [
            XlatedInstruction(code: 0x79, dst: 1, src: 6, off: -8, imm: 0x1234_5678),
            XlatedInstruction(code: 0x18, dst: 1, src: 2, off: 0, imm: -1),
        ])
    }

    func testDecodeEmpty() throws {
        XCTAssertEqual(try Xlated.decode([]), [])
        XCTAssertEqual(Xlated.format([], resolver: XlatedResolver()), [])
    }

    func testDecodeRejectsPartialInstructions() {
        for count in [1, 7, 9, 15, 17, 4095] {
            XCTAssertThrowsError(try Xlated.decode([UInt8](repeating: 0, count: count))) { error in
                XCTAssertEqual(error as? XlatedError, .badLength(count))
            }
        }
        XCTAssertEqual(XlatedError.badLength(9).description,
                       "xlated program of 9 bytes is not a whole number of 8-byte instructions")
    }

    func testEncodeRoundTrips() throws {
        let insns = [I(0xbf, 6, 1), I(0x7b, 10, 1, off: -8), I(0x18, 1, 1, imm: 12), I(0, imm: Int32.min),
                     I(0x85, 0, 2, off: Int16.min, imm: Int32.max)]
        XCTAssertEqual(try Xlated.decode(Xlated.encode(insns)), insns)
        XCTAssertEqual(Xlated.encode([I(0x61, 2, 3, off: 0x0102, imm: 0x0304_0506)]),
                       [0x61, 0x32, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03])
    }

    // MARK: - Lines

    func testExampleProgram() {
        let insns = [
            I(0xbf, 6, 1),
            I(0x79, 1, 6),
            I(0x15, 1, off: 5),
            I(0x18, 1, 1, imm: 12), I(0),
            I(0x85, imm: 1),
            I(0xb7, 0),
            I(0x95),
        ]
        XCTAssertEqual(Xlated.format(insns, resolver: XlatedResolver()).map(\.rendered), [
            "   0: (bf) r6 = r1",
            "   1: (79) r1 = *(u64 *)(r6 +0)",
            "   2: (15) if r1 == 0x0 goto pc+5",
            "   3: (18) r1 = map[id:12]",
            "   5: (85) call bpf_map_lookup_elem#1",
            "   6: (b7) r0 = 0",
            "   7: (95) exit",
        ])
        XCTAssertEqual(Xlated.render(insns), Xlated.format(insns).map { $0.rendered + "\n" }.joined())
    }

    func testLineFields() {
        let lines = Xlated.format([I(0x18, 2, imm: 7), I(0), I(0xbf, 6, 1)], resolver: XlatedResolver())
        XCTAssertEqual(lines, [
            XlatedLine(index: 0, opcode: 0x18, text: "r2 = 0x7"),
            XlatedLine(index: 2, opcode: 0xbf, text: "r6 = r1"),
        ])
        XCTAssertEqual(lines[1].rendered, "   2: (bf) r6 = r1")
    }

    func testIndexColumnIsPrintfSpace4d() {
        XCTAssertEqual(Xlated.linePrefix(0), "   0: ")
        XCTAssertEqual(Xlated.linePrefix(9), "   9: ")
        XCTAssertEqual(Xlated.linePrefix(10), "  10: ")
        XCTAssertEqual(Xlated.linePrefix(999), " 999: ")
        XCTAssertEqual(Xlated.linePrefix(1000), " 1000: ")
        XCTAssertEqual(Xlated.linePrefix(123_456), " 123456: ")
        let many = Xlated.format([XlatedInstruction](repeating: I(0x95), count: 1001), resolver: XlatedResolver())
        XCTAssertEqual(many.last?.rendered, " 1000: (95) exit")
    }

    func testOpcodeIsTwoLowercaseHexDigits() {
        XCTAssertEqual(Xlated.format([I(0x07, 1, imm: 1)]).first?.rendered, "   0: (07) r1 += 1")
        XCTAssertEqual(Xlated.format([I(0xfe)]).first?.rendered, "   0: (fe) unknown")
        XCTAssertEqual(Xlated.format([I(0x00)]).first?.rendered, "   0: (00) unknown")
    }

    // MARK: - ALU

    func testALU64Register() {
        let ops: [(UInt8, String)] = [
            (0x0f, "+="), (0x1f, "-="), (0x2f, "*="), (0x3f, "/="), (0x4f, "|="), (0x5f, "&="), (0x6f, "<<="),
            (0x7f, ">>="), (0x9f, "%="), (0xaf, "^="), (0xbf, "="), (0xcf, "s>>="),
        ]
        for (code, op) in ops {
            XCTAssertEqual(text(I(code, 3, 7)), "r3 \(op) r7", "code \(code)")
        }
    }

    func testALU64Immediate() {
        let ops: [(UInt8, String)] = [
            (0x07, "+="), (0x17, "-="), (0x27, "*="), (0x37, "/="), (0x47, "|="), (0x57, "&="), (0x67, "<<="),
            (0x77, ">>="), (0x97, "%="), (0xa7, "^="), (0xb7, "="), (0xc7, "s>>="),
        ]
        for (code, op) in ops {
            XCTAssertEqual(text(I(code, 9, imm: -42)), "r9 \(op) -42", "code \(code)")
        }
        XCTAssertEqual(text(I(0xb7, 0, imm: Int32.max)), "r0 = 2147483647")
        XCTAssertEqual(text(I(0xb7, 0, imm: Int32.min)), "r0 = -2147483648")
    }

    func testALU32UsesWRegisters() {
        XCTAssertEqual(text(I(0x0c, 1, 2)), "w1 += w2")
        XCTAssertEqual(text(I(0x1c, 1, 2)), "w1 -= w2")
        XCTAssertEqual(text(I(0x24, 0, imm: 3)), "w0 *= 3")
        XCTAssertEqual(text(I(0x34, 4, imm: 10)), "w4 /= 10")
        XCTAssertEqual(text(I(0x4c, 0, 2)), "w0 |= w2")
        XCTAssertEqual(text(I(0x54, 0, imm: 1)), "w0 &= 1")
        XCTAssertEqual(text(I(0x64, 1, imm: 4)), "w1 <<= 4")
        XCTAssertEqual(text(I(0x7c, 1, 5)), "w1 >>= w5")
        XCTAssertEqual(text(I(0x94, 1, imm: 7)), "w1 %= 7")
        XCTAssertEqual(text(I(0xac, 0, 0)), "w0 ^= w0")
        XCTAssertEqual(text(I(0xb4, 2, imm: -7)), "w2 = -7")
        XCTAssertEqual(text(I(0xbc, 1, 8)), "w1 = w8")
        XCTAssertEqual(text(I(0xc4, 1, imm: 31)), "w1 s>>= 31")
    }

    func testNegation() {
        XCTAssertEqual(text(I(0x87, 7)), "r7 = -r7")
        XCTAssertEqual(text(I(0x84, 0)), "w0 = -w0")
        XCTAssertEqual(text(I(0x8f, 2, 3)), "r2 = -r2") // the X bit changes nothing, as in disasm.c
    }

    func testSignedDivisionAndModulo() {
        XCTAssertEqual(text(I(0x3f, 2, 4, off: 1)), "r2 s/= r4")
        XCTAssertEqual(text(I(0x37, 7, off: 1, imm: 3)), "r7 s/= 3")
        XCTAssertEqual(text(I(0x9f, 3, 1, off: 1)), "r3 s%= r1")
        XCTAssertEqual(text(I(0x97, 7, off: 1, imm: -5)), "r7 s%= -5")
        XCTAssertEqual(text(I(0x34, 1, off: 1, imm: 3)), "w1 s/= 3")
        XCTAssertEqual(text(I(0x9c, 1, 1, off: 1)), "w1 s%= w1")
        // off other than 1 on other operations means nothing.
        XCTAssertEqual(text(I(0x0f, 1, 2, off: 1)), "r1 += r2")
        XCTAssertEqual(text(I(0x3f, 1, 2, off: 2)), "r1 /= r2")
    }

    func testSignExtendingMoves() {
        XCTAssertEqual(text(I(0xbf, 7, 7, off: 8)), "r7 = (s8)r7")
        XCTAssertEqual(text(I(0xbf, 7, 6, off: 16)), "r7 = (s16)r6")
        XCTAssertEqual(text(I(0xbf, 1, 1, off: 32)), "r1 = (s32)r1")
        XCTAssertEqual(text(I(0xbc, 1, 2, off: 8)), "w1 = (s8)w2")
        XCTAssertEqual(text(I(0xbc, 1, 2, off: 16)), "w1 = (s16)w2")
        // Immediate moves and other offsets print without a cast, as in disasm.c.
        XCTAssertEqual(text(I(0xb7, 1, off: 8, imm: 5)), "r1 = 5")
        XCTAssertEqual(text(I(0xbf, 1, 2, off: 24)), "r1 = r2")
    }

    func testByteSwaps() {
        XCTAssertEqual(text(I(0xd4, 1, imm: 16)), "r1 = le16 r1")
        XCTAssertEqual(text(I(0xd4, 7, imm: 64)), "r7 = le64 r7")
        XCTAssertEqual(text(I(0xdc, 7, imm: 16)), "r7 = be16 r7")
        XCTAssertEqual(text(I(0xdc, 2, imm: 32)), "r2 = be32 r2")
        XCTAssertEqual(text(I(0xd7, 1, imm: 16)), "r1 = bswap16 r1")
        XCTAssertEqual(text(I(0xd7, 1, imm: 32)), "r1 = bswap32 r1")
        XCTAssertEqual(text(I(0xd7, 7, imm: 64)), "r7 = bswap64 r7")
    }

    func testArenaAndPerCPUMoves() {
        XCTAssertEqual(text(I(0xbf, 1, 0, off: 1, imm: 1)), "r1 = addr_space_cast(r0, 0, 1)")
        XCTAssertEqual(text(I(0xbf, 2, 3, off: 1, imm: 0x1_0000)), "r2 = addr_space_cast(r3, 1, 0)")
        XCTAssertEqual(text(I(0xbf, 0, 0, off: -1)), "r0 = &(void __percpu *)(r0)")
        // Only the 64-bit register move has these forms.
        XCTAssertEqual(text(I(0xbc, 1, 0, off: 1)), "w1 = w0")
        XCTAssertEqual(text(I(0xb7, 1, off: -1, imm: 4)), "r1 = 4")
    }

    func testUnassignedALUOperations() {
        for code: UInt8 in [0xe4, 0xec, 0xe7, 0xef, 0xf4, 0xfc, 0xf7, 0xff] {
            XCTAssertEqual(text(I(code, 1, 2)), "unknown", "code \(code)")
        }
    }

    // MARK: - Jumps

    func testConditionalJumpsAgainstRegisters() {
        let ops: [(UInt8, String)] = [
            (0x1d, "=="), (0x2d, ">"), (0x3d, ">="), (0x4d, "&"), (0x5d, "!="), (0x6d, "s>"), (0x7d, "s>="),
            (0xad, "<"), (0xbd, "<="), (0xcd, "s<"), (0xdd, "s<="),
        ]
        for (code, op) in ops {
            XCTAssertEqual(text(I(code, 7, 1, off: 1)), "if r7 \(op) r1 goto pc+1", "code \(code)")
            XCTAssertEqual(text(I(code + 1, 7, 1, off: -3)), "if w7 \(op) w1 goto pc-3", "code \(code)")
        }
    }

    func testConditionalJumpsAgainstImmediates() {
        let ops: [(UInt8, String)] = [
            (0x15, "=="), (0x25, ">"), (0x35, ">="), (0x45, "&"), (0x55, "!="), (0x65, "s>"), (0x75, "s>="),
            (0xa5, "<"), (0xb5, "<="), (0xc5, "s<"), (0xd5, "s<="),
        ]
        for (code, op) in ops {
            XCTAssertEqual(text(I(code, 1, off: 5, imm: 0x65)), "if r1 \(op) 0x65 goto pc+5", "code \(code)")
            XCTAssertEqual(text(I(code + 1, 1, off: 0, imm: 0x65)), "if w1 \(op) 0x65 goto pc+0", "code \(code)")
        }
        // The immediate prints as 32-bit hex, whatever its sign.
        XCTAssertEqual(text(I(0x55, 0, off: -1, imm: -1)), "if r0 != 0xffffffff goto pc-1")
        XCTAssertEqual(text(I(0x15, 1, off: Int16.min, imm: Int32.min)), "if r1 == 0x80000000 goto pc-32768")
    }

    func testUnconditionalJumps() {
        XCTAssertEqual(text(I(0x05, off: 176)), "goto pc+176")
        XCTAssertEqual(text(I(0x05, off: -6)), "goto pc-6")
        XCTAssertEqual(text(I(0x05, off: 0)), "goto pc+0")
        XCTAssertEqual(text(I(0x06, imm: 40000)), "gotol pc+40000")
        XCTAssertEqual(text(I(0x06, off: 3, imm: -70000)), "gotol pc-70000")
        XCTAssertEqual(text(I(0xe5, off: 5)), "may_goto pc+5")
        XCTAssertEqual(text(I(0x0d, 3)), "gotox r3")
        XCTAssertEqual(text(I(0x95)), "exit")
    }

    func testInvalidJumpEncodings() {
        // JMP32 exit, JCOND other than may_goto, JMP32 JCOND, 0xf0 ops, JMP32|JA|X, JMP|EXIT|X.
        for insn in [I(0x96), I(0xe5, 0, 1), I(0xe6), I(0xf5), I(0xfd), I(0xf6), I(0x0e), I(0x9d)] {
            XCTAssertEqual(text(insn), "unknown", "code \(insn.code)")
        }
    }

    // MARK: - Calls

    func testHelperCallsByIdUseTheHelperTable() {
        XCTAssertEqual(text(I(0x85, imm: 1)), "call bpf_map_lookup_elem#1")
        XCTAssertEqual(text(I(0x85, imm: 12)), "call bpf_tail_call#12")
        XCTAssertEqual(text(I(0x85, imm: 0)), "call bpf_unspec#0")
        XCTAssertEqual(text(I(0x85, imm: 211)), "call bpf_cgrp_storage_delete#211")
        // bpftool asks the table before kallsyms, so a resolver is not consulted here.
        let resolver = XlatedResolver(helperName: { _ in "from_resolver" })
        XCTAssertEqual(text(I(0x85, imm: 6), resolver: resolver), "call bpf_trace_printk#6")
    }

    func testHelperCallsByAddressUseTheResolver() {
        let resolver = XlatedResolver(helperName: { imm in
            [330_864: "__htab_map_lookup_elem", -61360: "bpf_trace_printk"][imm]
        })
        XCTAssertEqual(text(I(0x85, imm: 330_864), resolver: resolver), "call __htab_map_lookup_elem#330864")
        XCTAssertEqual(text(I(0x85, imm: -61360), resolver: resolver), "call bpf_trace_printk#-61360")
        XCTAssertEqual(text(I(0x85, imm: 212), resolver: resolver), "call unknown#212")
        XCTAssertEqual(text(I(0x85, imm: -1)), "call unknown#-1")
    }

    func testKfuncCalls() {
        let resolver = XlatedResolver(kfuncName: { $0 == 290_240 ? "bpf_rcu_read_lock" : nil })
        XCTAssertEqual(text(I(0x85, 0, 2, imm: 290_240), resolver: resolver), "call bpf_rcu_read_lock#290240")
        XCTAssertEqual(text(I(0x85, 0, 2, imm: 1), resolver: resolver), "call kernel-function#1")
        XCTAssertEqual(text(I(0x85, 0, 2, imm: 77)), "call kernel-function#77")
    }

    func testBPFToBPFCalls() {
        // In xlated code off holds the jump and imm the subprogram index.
        XCTAssertEqual(text(I(0x85, 0, 1, off: 109, imm: 1)), "call pc+109")
        XCTAssertEqual(text(I(0x85, 0, 1, off: -20, imm: 2)), "call pc-20")
        let resolver = XlatedResolver(subprogName: { $0 == 1 ? "bpf_prog_5c449f786528c805_sub" : nil })
        XCTAssertEqual(text(I(0x85, 0, 1, off: 109, imm: 1), resolver: resolver), "call pc+109#bpf_prog_5c449f786528c805_sub")
        XCTAssertEqual(text(I(0x85, 0, 1, off: 4, imm: 3), resolver: resolver), "call pc+4")
    }

    func testCallsWithOtherSourceRegisters() {
        XCTAssertEqual(text(I(0x85, 0, 3, imm: 5)), "call unknown#5")
        XCTAssertEqual(text(I(0x85, 0, 3, imm: 5), resolver: XlatedResolver(helperName: { _ in "x" })), "call x#5")
        // disasm.c treats any BPF_CALL operation alike.
        XCTAssertEqual(text(I(0x86, imm: 1)), "call bpf_map_lookup_elem#1")
        XCTAssertEqual(text(I(0x8d, imm: 2)), "call bpf_map_update_elem#2")
    }

    // MARK: - 64-bit immediates

    func testLoadImm64Values() {
        XCTAssertEqual(text(I(0x18, 1, imm: 0x1234), I(0)), "r1 = 0x1234")
        XCTAssertEqual(text(I(0x18, 1, imm: 0), I(0)), "r1 = 0x0")
        XCTAssertEqual(text(I(0x18, 3, imm: -1), I(0, imm: -1)), "r3 = 0xffffffffffffffff")
        XCTAssertEqual(text(I(0x18, 0, imm: 0x10), I(0, imm: 0x7fff_0000)), "r0 = 0x7fff000000000010")
    }

    func testLoadImm64Maps() {
        XCTAssertEqual(text(I(0x18, 1, 1, imm: 3563), I(0)), "r1 = map[id:3563]")
        XCTAssertEqual(text(I(0x18, 2, 2, imm: 3567), I(0, imm: 16)), "r2 = map[id:3567][0]+16")
        XCTAssertEqual(text(I(0x18, 2, 2, imm: 9), I(0, imm: 0)), "r2 = map[id:9][0]+0")
        XCTAssertEqual(text(I(0x18, 1, 1, imm: -1), I(0)), "r1 = map[id:4294967295]")
    }

    func testLoadImm64OtherPseudoSources() {
        // BPF_PSEUDO_FUNC: imm is the relative jump, the second half's imm the subprogram.
        XCTAssertEqual(text(I(0x18, 2, 4, imm: 111), I(0, imm: 2)), "r2 = subprog[+111]")
        XCTAssertEqual(text(I(0x18, 2, 4, imm: -8), I(0)), "r2 = subprog[-8]")
        // BTF_ID (a kernel address in xlated code), MAP_IDX, MAP_IDX_VALUE: the raw value, as bpftool.
        XCTAssertEqual(text(I(0x18, 1, 3, imm: -0x7e00_0000), I(0, imm: -1)), "r1 = 0xffffffff82000000")
        XCTAssertEqual(text(I(0x18, 1, 5, imm: 2), I(0)), "r1 = 0x2")
        XCTAssertEqual(text(I(0x18, 1, 6, imm: 2), I(0, imm: 8)), "r1 = 0x800000002")
    }

    func testLoadImm64TakesTwoSlots() {
        let lines = Xlated.format([I(0x18, 1, 1, imm: 4), I(0x95, 5, 5, off: 5, imm: 5), I(0x18, 2), I(0x18, 3), I(0x95)])
        XCTAssertEqual(lines.map(\.rendered), [
            "   0: (18) r1 = map[id:4]",
            "   2: (18) r2 = 0x0",
            "   4: (95) exit",
        ])
    }

    func testTruncatedLoadImm64() {
        XCTAssertEqual(Xlated.format([I(0x95), I(0x18, 1, imm: 1)]).map(\.rendered), [
            "   0: (95) exit",
            "   1: (18) unknown",
        ])
    }

    // MARK: - Legacy packet loads

    func testLegacyPacketLoads() {
        XCTAssertEqual(text(I(0x20, imm: 12)), "r0 = *(u32 *)skb[12]")
        XCTAssertEqual(text(I(0x28, imm: 14)), "r0 = *(u16 *)skb[14]")
        XCTAssertEqual(text(I(0x30, imm: -4)), "r0 = *(u8 *)skb[-4]")
        XCTAssertEqual(text(I(0x38, imm: 0)), "r0 = *(u64 *)skb[0]")
        XCTAssertEqual(text(I(0x40, 0, 6, imm: 2)), "r0 = *(u32 *)skb[r6 + 2]")
        XCTAssertEqual(text(I(0x48, 0, 7, imm: -2)), "r0 = *(u16 *)skb[r7 + -2]")
        XCTAssertEqual(text(I(0x50, 0, 1, imm: 0)), "r0 = *(u8 *)skb[r1 + 0]")
    }

    func testInvalidLoadModes() {
        for code: UInt8 in [0x00, 0x08, 0x10, 0x60, 0x78, 0x80, 0xc0, 0xe0] {
            XCTAssertEqual(text(I(code, 1, 2)), "unknown", "code \(code)")
        }
    }

    // MARK: - Memory

    func testLoads() {
        XCTAssertEqual(text(I(0x61, 1, 2, off: 8)), "r1 = *(u32 *)(r2 +8)")
        XCTAssertEqual(text(I(0x69, 1, 2, off: -2)), "r1 = *(u16 *)(r2 -2)")
        XCTAssertEqual(text(I(0x71, 3, 10, off: -1)), "r3 = *(u8 *)(r10 -1)")
        XCTAssertEqual(text(I(0x79, 1, 6)), "r1 = *(u64 *)(r6 +0)")
        XCTAssertEqual(text(I(0x79, 0, 1, off: Int16.max)), "r0 = *(u64 *)(r1 +32767)")
    }

    func testSignExtendingLoads() {
        XCTAssertEqual(text(I(0x81, 8, 2, off: 1264)), "r8 = *(s32 *)(r2 +1264)")
        XCTAssertEqual(text(I(0x89, 1, 2, off: -6)), "r1 = *(s16 *)(r2 -6)")
        XCTAssertEqual(text(I(0x91, 1, 1)), "r1 = *(s8 *)(r1 +0)")
        XCTAssertEqual(text(I(0x99, 1, 1)), "unknown") // no 64-bit sign extension
    }

    func testInvalidLoadRegisterModes() {
        for code: UInt8 in [0x01, 0x21, 0x41, 0xa1, 0xc1, 0xe1, 0x39] {
            XCTAssertEqual(text(I(code, 1, 2)), "unknown", "code \(code)")
        }
    }

    func testStoresOfImmediates() {
        XCTAssertEqual(text(I(0x7a, 10, off: -8, imm: 0)), "*(u64 *)(r10 -8) = 0")
        XCTAssertEqual(text(I(0x7a, 10, off: -56, imm: 65535)), "*(u64 *)(r10 -56) = 65535")
        XCTAssertEqual(text(I(0x62, 1, off: 4, imm: -1)), "*(u32 *)(r1 +4) = -1")
        XCTAssertEqual(text(I(0x6a, 1, imm: 2)), "*(u16 *)(r1 +0) = 2")
        XCTAssertEqual(text(I(0x72, 1, off: 1, imm: 255)), "*(u8 *)(r1 +1) = 255")
    }

    func testSpeculationBarrier() {
        XCTAssertEqual(text(I(0xc2)), "nospec")
        XCTAssertEqual(text(I(0xda, 1, 2, off: 3, imm: 4)), "nospec") // any size, as disasm.c
    }

    func testInvalidStoreImmediateModes() {
        for code: UInt8 in [0x02, 0x22, 0x42, 0x82, 0xa2, 0xe2, 0xfa] {
            XCTAssertEqual(text(I(code, 1, 2)), "unknown", "code \(code)")
        }
    }

    func testStoresOfRegisters() {
        XCTAssertEqual(text(I(0x7b, 10, 1, off: -8)), "*(u64 *)(r10 -8) = r1")
        XCTAssertEqual(text(I(0x63, 10, 1, off: -4)), "*(u32 *)(r10 -4) = r1")
        XCTAssertEqual(text(I(0x6b, 2, 3, off: 6)), "*(u16 *)(r2 +6) = r3")
        XCTAssertEqual(text(I(0x73, 10, 2, off: -120)), "*(u8 *)(r10 -120) = r2")
    }

    func testInvalidStoreRegisterModes() {
        for code: UInt8 in [0x03, 0x23, 0x43, 0x83, 0xa3, 0xe3, 0x0b] {
            XCTAssertEqual(text(I(code, 1, 2)), "unknown", "code \(code)")
        }
    }

    // MARK: - Atomics

    func testAtomicOperationsWithoutFetch() {
        XCTAssertEqual(text(I(0xdb, 2, 7, imm: 0x00)), "lock *(u64 *)(r2 +0) += r7")
        XCTAssertEqual(text(I(0xc3, 3, 1, imm: 0x40)), "lock *(u32 *)(r3 +0) |= r1")
        XCTAssertEqual(text(I(0xdb, 2, 7, off: 8, imm: 0x50)), "lock *(u64 *)(r2 +8) &= r7")
        XCTAssertEqual(text(I(0xdb, 2, 7, off: -8, imm: 0xa0)), "lock *(u64 *)(r2 -8) ^= r7")
    }

    func testAtomicFetchOperations() {
        XCTAssertEqual(text(I(0xdb, 0, 1, imm: 0x01)), "r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)")
        XCTAssertEqual(text(I(0xdb, 4, 1, imm: 0x41)), "r1 = atomic64_fetch_or((u64 *)(r4 +0), r1)")
        XCTAssertEqual(text(I(0xdb, 4, 1, imm: 0x51)), "r1 = atomic64_fetch_and((u64 *)(r4 +0), r1)")
        XCTAssertEqual(text(I(0xdb, 4, 1, imm: 0xa1)), "r1 = atomic64_fetch_xor((u64 *)(r4 +0), r1)")
        XCTAssertEqual(text(I(0xc3, 2, 3, off: 4, imm: 0x01)), "r3 = atomic_fetch_add((u32 *)(r2 +4), r3)")
        XCTAssertEqual(text(I(0xc3, 2, 3, imm: 0xa1)), "r3 = atomic_fetch_xor((u32 *)(r2 +0), r3)")
    }

    func testExchanges() {
        XCTAssertEqual(text(I(0xdb, 4, 5, imm: 0xe1)), "r5 = atomic64_xchg((u64 *)(r4 +0), r5)")
        XCTAssertEqual(text(I(0xc3, 4, 5, off: -4, imm: 0xe1)), "r5 = atomic_xchg((u32 *)(r4 -4), r5)")
        XCTAssertEqual(text(I(0xdb, 4, 3, imm: 0xf1)), "r0 = atomic64_cmpxchg((u64 *)(r4 +0), r0, r3)")
        XCTAssertEqual(text(I(0xc3, 4, 3, off: 12, imm: 0xf1)), "r0 = atomic_cmpxchg((u32 *)(r4 +12), r0, r3)")
    }

    func testLoadAcquireAndStoreRelease() {
        XCTAssertEqual(text(I(0xc3, 3, 2, imm: 0x100)), "r3 = load_acquire((u32 *)(r2 +0))")
        XCTAssertEqual(text(I(0xd3, 1, 2, off: 3, imm: 0x100)), "r1 = load_acquire((u8 *)(r2 +3))")
        XCTAssertEqual(text(I(0xcb, 1, 2, off: -2, imm: 0x100)), "r1 = load_acquire((u16 *)(r2 -2))")
        XCTAssertEqual(text(I(0xdb, 0, 9, off: 8, imm: 0x100)), "r0 = load_acquire((u64 *)(r9 +8))")
        XCTAssertEqual(text(I(0xc3, 2, 1, imm: 0x110)), "store_release((u32 *)(r2 +0), r1)")
        XCTAssertEqual(text(I(0xd3, 2, 1, off: 1, imm: 0x110)), "store_release((u8 *)(r2 +1), r1)")
        XCTAssertEqual(text(I(0xcb, 2, 1, imm: 0x110)), "store_release((u16 *)(r2 +0), r1)")
        XCTAssertEqual(text(I(0xdb, 10, 1, off: -8, imm: 0x110)), "store_release((u64 *)(r10 -8), r1)")
    }

    func testUnknownAtomicOperations() {
        for imm: Int32 in [0x02, 0x10, 0x11, 0x80, 0xe0, 0xf0, 0x101, 0x111, 0x120, -1] {
            XCTAssertEqual(text(I(0xdb, 1, 2, imm: imm)), "unknown", "imm \(imm)")
        }
    }

    // MARK: - Helper table and kernel symbols

    func testHelperTable() {
        XCTAssertEqual(Xlated.helperNames.count, 212) // __BPF_FUNC_MAX_ID
        XCTAssertEqual(Xlated.helperName(id: 0), "bpf_unspec")
        XCTAssertEqual(Xlated.helperName(id: 1), "bpf_map_lookup_elem")
        XCTAssertEqual(Xlated.helperName(id: 12), "bpf_tail_call")
        XCTAssertEqual(Xlated.helperName(id: 181), "bpf_loop")
        XCTAssertEqual(Xlated.helperName(id: 211), "bpf_cgrp_storage_delete")
        XCTAssertNil(Xlated.helperName(id: 212))
        XCTAssertNil(Xlated.helperName(id: -1))
        XCTAssertTrue(Xlated.helperNames.allSatisfy { $0.hasPrefix("bpf_") })
        XCTAssertEqual(Set(Xlated.helperNames).count, 212)
    }

    private static let kallsyms = """
        0000000000000000 A fixed_percpu_data
        ffffffff81000000 T _stext
        ffffffff814cc800 T __pfx___bpf_call_base
        ffffffff814cc810 T __bpf_call_base
        ffffffff81511e80 T __htab_map_lookup_elem
        ffffffff81511e80 t __htab_map_lookup_elem_alias
        ffffffff814bd4e0 T bpf_trace_printk
        ffffffff81514fd0 T bpf_rcu_read_lock
        ffffffffc0a01000 t some_module_func\t[some_module]
        ffffffffa0001000 t bpf_prog_5c449f786528c805_sub\t[bpf]
        ffffffffa0002000 t bpf_prog_d43a93728469e5d3_cb\t[bpf]
        garbage line
        ffffffff81000010 T
        """

    func testKernelSymbolsParse() {
        let symbols = KernelSymbols(kallsyms: Self.kallsyms)
        XCTAssertEqual(symbols.callBase, 0xffff_ffff_814c_c810)
        XCTAssertEqual(symbols.name(at: 0xffff_ffff_8151_1e80), "__htab_map_lookup_elem") // first of two
        XCTAssertEqual(symbols.name(at: 0xffff_ffff_c0a0_1000), "some_module_func")
        XCTAssertNil(symbols.name(at: 0)) // zero addresses are skipped
        XCTAssertEqual(symbols.count, 9)
    }

    func testKernelSymbolsWithHiddenAddresses() {
        let hidden = """
            0000000000000000 T __bpf_call_base
            0000000000000000 T bpf_trace_printk
            """
        let symbols = KernelSymbols(kallsyms: hidden)
        XCTAssertNil(symbols.callBase)
        XCTAssertEqual(symbols.count, 0)
        let resolver = XlatedResolver.kernel(symbols, jitedKsyms: [0xffff_ffff_a000_1000])
        XCTAssertEqual(text(I(0x85, imm: 330_864), resolver: resolver), "call unknown#330864")
        XCTAssertEqual(text(I(0x85, 0, 2, imm: 4), resolver: resolver), "call kernel-function#4")
        XCTAssertEqual(text(I(0x85, 0, 1, off: 3, imm: 0), resolver: resolver), "call pc+3")
        XCTAssertNil(KernelSymbols(kallsyms: "").callBase)
    }

    func testKernelResolverNamesCallsLikeBpftool() {
        let symbols = KernelSymbols(kallsyms: Self.kallsyms)
        let resolver = XlatedResolver.kernel(symbols, jitedKsyms: [0xffff_ffff_a000_0000, 0xffff_ffff_a000_1000,
                                                                    0xffff_ffff_a000_2000, 0xffff_ffff_a000_3000])
        // __bpf_call_base + imm, with negative imms below it.
        XCTAssertEqual(text(I(0x85, imm: 0x4_5670), resolver: resolver), "call __htab_map_lookup_elem#284272")
        XCTAssertEqual(text(I(0x85, imm: -0xf330), resolver: resolver), "call bpf_trace_printk#-62256")
        XCTAssertEqual(text(I(0x85, imm: 1000), resolver: resolver), "call 0xffffffff814ccbf8#1000")
        XCTAssertEqual(text(I(0x85, 0, 2, imm: 0x4_87c0), resolver: resolver), "call bpf_rcu_read_lock#296896")
        XCTAssertEqual(text(I(0x85, 0, 2, imm: 1000), resolver: resolver), "call 0xffffffff814ccbf8#1000")
        // Subprograms by jited_ksyms index; a small imm is still a helper id.
        XCTAssertEqual(text(I(0x85, 0, 1, off: 109, imm: 1), resolver: resolver), "call pc+109#bpf_prog_5c449f786528c805_sub")
        XCTAssertEqual(text(I(0x85, 0, 1, off: 95, imm: 2), resolver: resolver), "call pc+95#bpf_prog_d43a93728469e5d3_cb")
        XCTAssertEqual(text(I(0x85, 0, 1, off: 1, imm: 3), resolver: resolver), "call pc+1#0xffffffffa0003000")
        XCTAssertEqual(text(I(0x85, 0, 1, off: 1, imm: 8), resolver: resolver), "call pc+1#0xffffffff814cc818")
        XCTAssertEqual(text(I(0x85, imm: 12), resolver: resolver), "call bpf_tail_call#12")
        // An interpreted program has no jited_ksyms and prints the plain jump.
        let interpreted = XlatedResolver.kernel(symbols)
        XCTAssertEqual(text(I(0x85, 0, 1, off: 109, imm: 1), resolver: interpreted), "call pc+109")
    }

    // MARK: - Real programs

    func testSocketFilterFromKernel() throws {
        let resolver = XlatedResolver(helperName: { imm in
            [10_283_568: "bpf_skb_load_helper_8_no_cache", 10_283_808: "bpf_skb_load_helper_16_no_cache"][imm]
        })
        let lines = Xlated.format(try Xlated.decode(bytes(hex: Self.socketFilterHex)), resolver: resolver)
        XCTAssertEqual(lines.map(\.rendered), Self.socketFilterText.split(separator: "\n").map(String.init))
    }

    func testTracingProgramFromKernel() throws {
        let calls: [Int32: String] = [
            330_864: "__htab_map_lookup_elem", 343_552: "htab_map_update_elem", -61360: "bpf_trace_printk",
            -1_542_304: "arch_bpf_timed_may_goto",
        ]
        let kfuncs: [Int32: String] = [
            290_240: "bpf_rcu_read_lock", 290_272: "bpf_rcu_read_unlock", 287_712: "bpf_task_from_pid",
            284_768: "bpf_task_release",
        ]
        let subprogs: [Int32: String] = [1: "bpf_prog_5c449f786528c805_sub", 2: "bpf_prog_d43a93728469e5d3_cb"]
        let resolver = XlatedResolver(helperName: { calls[$0] }, kfuncName: { kfuncs[$0] }, subprogName: { subprogs[$0] })
        let insns = try Xlated.decode(bytes(hex: Self.tracingHex))
        XCTAssertEqual(insns.count, 218)
        let got = Xlated.format(insns, resolver: resolver).map(\.rendered)
        let want = Self.tracingText.split(separator: "\n").map(String.init)
        XCTAssertEqual(got.count, want.count)
        for (g, w) in zip(got, want) { XCTAssertEqual(g, w) }
    }

    // MARK: - Robustness

    func testEveryOpcodeWithAssortedFieldsFormats() {
        let fields: [(UInt8, UInt8, Int16, Int32)] = [
            (0, 0, 0, 0), (15, 15, -1, -1), (1, 1, 1, 1), (10, 2, 8, 0x100), (3, 4, 16, 0x110), (5, 6, 32, 0xf1),
            (0, 0, Int16.min, Int32.min), (0, 0, Int16.max, Int32.max), (11, 3, -32, 0x4_0000),
        ]
        for code in 0...255 {
            for (dst, src, off, imm) in fields {
                let insns = [I(UInt8(code), dst, src, off: off, imm: imm), I(0, imm: imm)]
                let lines = Xlated.format(insns)
                XCTAssertEqual(lines.first?.opcode, UInt8(code))
                XCTAssertFalse(lines.first?.text.isEmpty ?? true)
                XCTAssertTrue(lines.first?.rendered.hasPrefix("   0: (" + Xlated.hex2(UInt8(code)) + ") ") ?? false)
                XCTAssertFalse(lines.first?.text.contains("nil") ?? true)
            }
        }
    }

    func testRandomBytesNeverCrash() {
        var rng = SplitMix64(seed: fuzzSeed(0x5eed_b9f0))
        var totalLines = 0
        for _ in 0..<5000 {
            // Half whole programs, half arbitrary lengths (mostly rejected).
            let count = Bool.random(using: &rng) ? 8 * Int.random(in: 0...64, using: &rng) : Int.random(in: 0...200, using: &rng)
            let raw = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            guard let insns = try? Xlated.decode(raw) else {
                XCTAssertNotEqual(count % 8, 0)
                continue
            }
            XCTAssertEqual(count % 8, 0)
            XCTAssertEqual(insns.count, count / 8)
            XCTAssertEqual(Xlated.encode(insns), raw)
            let lines = Xlated.format(insns, resolver: XlatedResolver(helperName: { _ in "h" }, kfuncName: { _ in nil }))
            check(lines, insns)
            totalLines += lines.count
        }
        XCTAssertGreaterThan(totalLines, 50000)
    }

    /// Random instructions biased towards real classes and pseudo sources.
    func testRandomInstructionsNeverCrash() {
        var rng = SplitMix64(seed: fuzzSeed(42))
        let interesting: [Int32] = [0, 1, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1, 0x100, 0x110, 16, 32, 64, -1]
        for _ in 0..<3000 {
            let count = Int.random(in: 1...40, using: &rng)
            let insns = (0..<count).map { _ -> XlatedInstruction in
                let code = Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng)
                    : [0x18, 0x85, 0xdb, 0xc3, 0xbf, 0xd7, 0xdc, 0x91, 0x06, 0xe5][Int.random(in: 0..<10, using: &rng)]
                return I(code, UInt8.random(in: 0...15, using: &rng), UInt8.random(in: 0...15, using: &rng),
                         off: Int16.random(in: -3...40, using: &rng),
                         imm: Bool.random(using: &rng) ? interesting.randomElement(using: &rng)! : Int32.random(in: .min ... .max, using: &rng))
            }
            check(Xlated.format(insns, resolver: XlatedResolver()), insns)
        }
    }

    private func check(_ lines: [XlatedLine], _ insns: [XlatedInstruction], file: StaticString = #filePath, line: UInt = #line) {
        var expected = 0
        for l in lines {
            XCTAssertEqual(l.index, expected, file: file, line: line)
            XCTAssertEqual(l.opcode, insns[l.index].code, file: file, line: line)
            XCTAssertFalse(l.text.isEmpty, file: file, line: line)
            XCTAssertTrue(l.rendered.hasSuffix(") " + l.text), file: file, line: line)
            expected += l.opcode == 0x18 ? 2 : 1
        }
        XCTAssertGreaterThanOrEqual(expected, insns.count, file: file, line: line)
        XCTAssertLessThanOrEqual(expected, insns.count + 1, file: file, line: line)
    }

    // MARK: - Fixtures

    // Captured from kernel 6.18: `bpftool prog dump xlated id N file x.bin`
    // of a socket filter using LD_ABS (which the verifier rewrites into calls).
    static let socketFilterHex = [
        "bf16000000000000b70200000c000000bf610000000000008500000030ea9c007500020000000000ac00000000000000",
        "9500000000000000bf07000000000000b70200000e000000bf610000000000008500000020eb9c007500020000000000",
        "ac000000000000009500000000000000bf01000000000000b400000001000000b4020000010000001d17010000000000",
        "b4020000000000006161700000000000a601010065000000b4000000000000004c200000000000005400000001000000",
        "84000000000000009500000000000000",
    ].joined()

    static let socketFilterText = """
       0: (bf) r6 = r1
       1: (b7) r2 = 12
       2: (bf) r1 = r6
       3: (85) call bpf_skb_load_helper_8_no_cache#10283568
       4: (75) if r0 s>= 0x0 goto pc+2
       5: (ac) w0 ^= w0
       6: (95) exit
       7: (bf) r7 = r0
       8: (b7) r2 = 14
       9: (bf) r1 = r6
      10: (85) call bpf_skb_load_helper_16_no_cache#10283808
      11: (75) if r0 s>= 0x0 goto pc+2
      12: (ac) w0 ^= w0
      13: (95) exit
      14: (bf) r1 = r0
      15: (b4) w0 = 1
      16: (b4) w2 = 1
      17: (1d) if r7 == r1 goto pc+1
      18: (b4) w2 = 0
      19: (61) r1 = *(u32 *)(r6 +112)
      20: (a6) if w1 < 0x65 goto pc+1
      21: (b4) w0 = 0
      22: (4c) w0 |= w2
      23: (54) w0 &= 1
      24: (84) w0 = -w0
      25: (95) exit
    """

    // Captured from kernel 6.18: a tp_btf program compiled with -mcpu=v4
    // (atomics, load_acquire/store_release, sdiv/smod, movsx, ldsx, bswap,
    // gotol, may_goto, bpf_loop, a subprogram, kfuncs, a tail call).
    // bpftool v7.1 printed the same except for the v4 instructions it does
    // not know (it prints BUG_ldx_81, "r2 /= r4", ...), which follow the
    // current kernel/bpf/disasm.c here.
    static let tracingHex = [
        "7a0ac8ffffff00007a0ad0ff00000000bf16000000000000796108000000000079621000000000006111f00400000000",
        "5401000003000000631afcff000000007a0af0ff010000008128f00400000000bfa200000000000007020000fcffffff",
        "18110000eb0d0000000000000000000085000000700c0500150001000000000007000000380000005500090000000000",
        "bfa200000000000007020000fcffffffbfa300000000000007030000f0ffffff18110000eb0d00000000000000000000",
        "b70400000000000085000000003e05000500b00000000000b701000001000000db10000001000000b703000002000000",
        "18210000ef0d00000000000000000000b702000002000000db21000001000000b70100000400000018240000ef0d0000",
        "0000000008000000db14000041000000b7010000f7ffffffdb14000051000000b701000010000000db140000a1000000",
        "b701000020000000db14000041000000b705000001000000db540000e1000000b700000001000000db340000f1000000",
        "0f210000000000000f510000000000000f0100000000000018220000ef0d00000000000010000000c323000000010000",
        "bf332000000000000f31000000000000c31200001001000018230000f00d000000000000080000007934000000000000",
        "bf82000000000000bf4b000000000000070b000001000000250b040001000000150b010000000000b702000000000000",
        "870200000000000005000100000000003f420100000000000f120000000000007931000000000000bf83000000000000",
        "bf1b000000000000070b000001000000250b030001000000150b030001000000b4030000000000000500010000000000",
        "9f130100000000000f3200000000000018210000f00d0000000000000000000091110000000000000f12000000000000",
        "bf21000000000000d701000020000000bf27000000000000d707000040000000af17000000000000bf21000000000000",
        "d701000010000000af170000000000000f27000000000000bc81000000000000bf7200000000000085106d0001000000",
        "bc0800000000000018210000f10d000000000000000000006111000000000000184200006f0000000000000002000000",
        "b703000000000000b704000000000000b501020000008000b4000000f9ffffff05001000000000007b6ad8ff00000000",
        "7b7ae0ff000000007b8ae8ff00000000bf16000000000000b407000000000000bf380000000000003d67050000000000",
        "bf71000000000000bf8200000000000085105f000200000007070000010000001500faff00000000bf70000000000000",
        "79a6d8ff0000000079a7e0ff0000000079a8e8ff00000000bc81000000000000bf112000000000000f17000000000000",
        "bfa200000000000007020000fcffffff18110000ec0d0000000000000000000007010000380100006120000000000000",
        "350003000400000067000000030000000f100000000000000500010000000000b7000000000000001500030000000000",
        "79010000000000000f710000000000007b1000000000000085200000c06d0400b40100000100000085200000e0630400",
        "1500020000000000bf01000000000000852000006058040085200000e06d0400bf6100000000000018120000ed0d0000",
        "0000000000000000b403000000000000850000000c00000018210000f10d00000000000004000000b402000006000000",
        "bf73000000000000850000005010ffff61a1fcff0000000018220000ef0d0000000000000000000018230000ef0d0000",
        "0000000010000000db72000000000000c313000040000000db72000050000000db720000a0000000bf77080000000000",
        "bf77100000000000bf77200000000000bc11080000000000370701000300000097070100fbffffff3401010003000000",
        "bf1b000000000000040b000001000000260b030001000000160b040001000000b4010000000000000500010000000000",
        "9c110100000000000500010000000000bc110000000000006601000007000000ae110000000000000600000000000000",
        "87070000000000008401000000000000dc07000010000000d407000040000000631afcff0000000079abc8ff00000000",
        "150b0a0000000000170b000001000000550b020000000000b70b0000c8ffffff850000006077e8ff7bbac8ff00000000",
        "18210000f10d0000000000000a000000b402000006000000bf73000000000000850000005010ffffb400000000000000",
        "9500000000000000bc100000000000002400000003000000660103000a00000077020000020000000c21000000000000",
        "bc100000000000009500000000000000bc1100000000000018220000ef0d00000000000000000000db12000001000000",
        "b4000000000000009500000000000000",
    ].joined()

    static let tracingText = """
       0: (7a) *(u64 *)(r10 -56) = 65535
       1: (7a) *(u64 *)(r10 -48) = 0
       2: (bf) r6 = r1
       3: (79) r1 = *(u64 *)(r6 +8)
       4: (79) r2 = *(u64 *)(r6 +16)
       5: (61) r1 = *(u32 *)(r1 +1264)
       6: (54) w1 &= 3
       7: (63) *(u32 *)(r10 -4) = r1
       8: (7a) *(u64 *)(r10 -16) = 1
       9: (81) r8 = *(s32 *)(r2 +1264)
      10: (bf) r2 = r10
      11: (07) r2 += -4
      12: (18) r1 = map[id:3563]
      14: (85) call __htab_map_lookup_elem#330864
      15: (15) if r0 == 0x0 goto pc+1
      16: (07) r0 += 56
      17: (55) if r0 != 0x0 goto pc+9
      18: (bf) r2 = r10
      19: (07) r2 += -4
      20: (bf) r3 = r10
      21: (07) r3 += -16
      22: (18) r1 = map[id:3563]
      24: (b7) r4 = 0
      25: (85) call htab_map_update_elem#343552
      26: (05) goto pc+176
      27: (b7) r1 = 1
      28: (db) r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)
      29: (b7) r3 = 2
      30: (18) r1 = map[id:3567][0]+0
      32: (b7) r2 = 2
      33: (db) r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)
      34: (b7) r1 = 4
      35: (18) r4 = map[id:3567][0]+8
      37: (db) r1 = atomic64_fetch_or((u64 *)(r4 +0), r1)
      38: (b7) r1 = -9
      39: (db) r1 = atomic64_fetch_and((u64 *)(r4 +0), r1)
      40: (b7) r1 = 16
      41: (db) r1 = atomic64_fetch_xor((u64 *)(r4 +0), r1)
      42: (b7) r1 = 32
      43: (db) r1 = atomic64_fetch_or((u64 *)(r4 +0), r1)
      44: (b7) r5 = 1
      45: (db) r5 = atomic64_xchg((u64 *)(r4 +0), r5)
      46: (b7) r0 = 1
      47: (db) r0 = atomic64_cmpxchg((u64 *)(r4 +0), r0, r3)
      48: (0f) r1 += r2
      49: (0f) r1 += r5
      50: (0f) r1 += r0
      51: (18) r2 = map[id:3567][0]+16
      53: (c3) r3 = load_acquire((u32 *)(r2 +0))
      54: (bf) r3 = (s32)r3
      55: (0f) r1 += r3
      56: (c3) store_release((u32 *)(r2 +0), r1)
      57: (18) r3 = map[id:3568][0]+8
      59: (79) r4 = *(u64 *)(r3 +0)
      60: (bf) r2 = r8
      61: (bf) r11 = r4
      62: (07) r11 += 1
      63: (25) if r11 > 0x1 goto pc+4
      64: (15) if r11 == 0x0 goto pc+1
      65: (b7) r2 = 0
      66: (87) r2 = -r2
      67: (05) goto pc+1
      68: (3f) r2 s/= r4
      69: (0f) r2 += r1
      70: (79) r1 = *(u64 *)(r3 +0)
      71: (bf) r3 = r8
      72: (bf) r11 = r1
      73: (07) r11 += 1
      74: (25) if r11 > 0x1 goto pc+3
      75: (15) if r11 == 0x1 goto pc+3
      76: (b4) w3 = 0
      77: (05) goto pc+1
      78: (9f) r3 s%= r1
      79: (0f) r2 += r3
      80: (18) r1 = map[id:3568][0]+0
      82: (91) r1 = *(s8 *)(r1 +0)
      83: (0f) r2 += r1
      84: (bf) r1 = r2
      85: (d7) r1 = bswap32 r1
      86: (bf) r7 = r2
      87: (d7) r7 = bswap64 r7
      88: (af) r7 ^= r1
      89: (bf) r1 = r2
      90: (d7) r1 = bswap16 r1
      91: (af) r7 ^= r1
      92: (0f) r7 += r2
      93: (bc) w1 = w8
      94: (bf) r2 = r7
      95: (85) call pc+109#bpf_prog_5c449f786528c805_sub
      96: (bc) w8 = w0
      97: (18) r1 = map[id:3569][0]+0
      99: (61) r1 = *(u32 *)(r1 +0)
     100: (18) r2 = subprog[+111]
     102: (b7) r3 = 0
     103: (b7) r4 = 0
     104: (b5) if r1 <= 0x800000 goto pc+2
     105: (b4) w0 = -7
     106: (05) goto pc+16
     107: (7b) *(u64 *)(r10 -40) = r6
     108: (7b) *(u64 *)(r10 -32) = r7
     109: (7b) *(u64 *)(r10 -24) = r8
     110: (bf) r6 = r1
     111: (b4) w7 = 0
     112: (bf) r8 = r3
     113: (3d) if r7 >= r6 goto pc+5
     114: (bf) r1 = r7
     115: (bf) r2 = r8
     116: (85) call pc+95#bpf_prog_d43a93728469e5d3_cb
     117: (07) r7 += 1
     118: (15) if r0 == 0x0 goto pc-6
     119: (bf) r0 = r7
     120: (79) r6 = *(u64 *)(r10 -40)
     121: (79) r7 = *(u64 *)(r10 -32)
     122: (79) r8 = *(u64 *)(r10 -24)
     123: (bc) w1 = w8
     124: (bf) r1 = (s32)r1
     125: (0f) r7 += r1
     126: (bf) r2 = r10
     127: (07) r2 += -4
     128: (18) r1 = map[id:3564]
     130: (07) r1 += 312
     131: (61) r0 = *(u32 *)(r2 +0)
     132: (35) if r0 >= 0x4 goto pc+3
     133: (67) r0 <<= 3
     134: (0f) r0 += r1
     135: (05) goto pc+1
     136: (b7) r0 = 0
     137: (15) if r0 == 0x0 goto pc+3
     138: (79) r1 = *(u64 *)(r0 +0)
     139: (0f) r1 += r7
     140: (7b) *(u64 *)(r0 +0) = r1
     141: (85) call bpf_rcu_read_lock#290240
     142: (b4) w1 = 1
     143: (85) call bpf_task_from_pid#287712
     144: (15) if r0 == 0x0 goto pc+2
     145: (bf) r1 = r0
     146: (85) call bpf_task_release#284768
     147: (85) call bpf_rcu_read_unlock#290272
     148: (bf) r1 = r6
     149: (18) r2 = map[id:3565]
     151: (b4) w3 = 0
     152: (85) call bpf_tail_call#12
     153: (18) r1 = map[id:3569][0]+4
     155: (b4) w2 = 6
     156: (bf) r3 = r7
     157: (85) call bpf_trace_printk#-61360
     158: (61) r1 = *(u32 *)(r10 -4)
     159: (18) r2 = map[id:3567][0]+0
     161: (18) r3 = map[id:3567][0]+16
     163: (db) lock *(u64 *)(r2 +0) += r7
     164: (c3) lock *(u32 *)(r3 +0) |= r1
     165: (db) lock *(u64 *)(r2 +0) &= r7
     166: (db) lock *(u64 *)(r2 +0) ^= r7
     167: (bf) r7 = (s8)r7
     168: (bf) r7 = (s16)r7
     169: (bf) r7 = (s32)r7
     170: (bc) w1 = (s8)w1
     171: (37) r7 s/= 3
     172: (97) r7 s%= -5
     173: (34) w1 s/= 3
     174: (bf) r11 = r1
     175: (04) w11 += 1
     176: (26) if w11 > 0x1 goto pc+3
     177: (16) if w11 == 0x1 goto pc+4
     178: (b4) w1 = 0
     179: (05) goto pc+1
     180: (9c) w1 s%= w1
     181: (05) goto pc+1
     182: (bc) w1 = w1
     183: (66) if w1 s> 0x7 goto pc+0
     184: (ae) if w1 < w1 goto pc+0
     185: (06) gotol pc+0
     186: (87) r7 = -r7
     187: (84) w1 = -w1
     188: (dc) r7 = be16 r7
     189: (d4) r7 = le64 r7
     190: (63) *(u32 *)(r10 -4) = r1
     191: (79) r11 = *(u64 *)(r10 -56)
     192: (15) if r11 == 0x0 goto pc+10
     193: (17) r11 -= 1
     194: (55) if r11 != 0x0 goto pc+2
     195: (b7) r11 = -56
     196: (85) call arch_bpf_timed_may_goto#-1542304
     197: (7b) *(u64 *)(r10 -56) = r11
     198: (18) r1 = map[id:3569][0]+10
     200: (b4) w2 = 6
     201: (bf) r3 = r7
     202: (85) call bpf_trace_printk#-61360
     203: (b4) w0 = 0
     204: (95) exit
     205: (bc) w0 = w1
     206: (24) w0 *= 3
     207: (66) if w1 s> 0xa goto pc+3
     208: (77) r2 >>= 2
     209: (0c) w1 += w2
     210: (bc) w0 = w1
     211: (95) exit
     212: (bc) w1 = w1
     213: (18) r2 = map[id:3567][0]+0
     215: (db) r1 = atomic64_fetch_add((u64 *)(r2 +0), r1)
     216: (b4) w0 = 0
     217: (95) exit
    """
}

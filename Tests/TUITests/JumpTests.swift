import BrowserModel
import Formatting
import XCTest
@testable import TUI

/// Enter on a jump in a program's instructions moves to its target.
final class JumpTests: XCTestCase {
    private func harness() -> Harness {
        let insns = [
            XlatedInstruction(code: 0xb7, dst: 1), // 0: r1 = 0
            XlatedInstruction(code: 0x25, dst: 1, off: 3), // 1: if r1 > 0x0 goto pc+3
            XlatedInstruction(code: 0xb7), // 2: r0 = 0
            XlatedInstruction(code: 0x05, off: 2), // 3: goto pc+2
            XlatedInstruction(code: 0x95), // 4: exit
            XlatedInstruction(code: 0xb7, imm: 1), // 5: r0 = 1
            XlatedInstruction(code: 0x95), // 6: exit
        ]
        let lines = Xlated.annotate(Xlated.format(insns), functions: [XlatedFunction(instruction: 0, signature: "int f(void * ctx)")],
                                    source: [XlatedSourceLine(instruction: 5, text: "return 1;")])
        let h = Harness(sampleSnapshot(), rows: 40)
        h.source.documents[.program(10)] = BrowserDocument(
            title: "Program 10 counter", lines: [.field("id", "10")] + LiveBrowserSource.instructionLines(lines))
        h.press(.enter)
        return h
    }

    /// Moves the cursor to the line of `instruction` (from the top);
    /// false, with a failure, when no line shows it.
    private func move(_ h: Harness, to instruction: Int, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        h.press(.home)
        while h.app.stack.last?.document.line?.instruction != instruction {
            let before = h.app.stack.last!.document.cursor
            h.press(.down)
            if h.app.stack.last!.document.cursor == before {
                XCTFail("no instruction \(instruction):\n\(h.text)", file: file, line: line)
                return false
            }
        }
        return true
    }

    func testEnterOnAJumpMovesToItsTarget() {
        let h = harness()
        XCTAssertTrue(h.screen.contains("; return 1;"), "source lines in the instructions:\n\(h.text)")
        XCTAssertTrue(h.screen.contains("int f(void * ctx):"), h.text)
        guard move(h, to: 1) else { return }
        h.press(.enter)
        XCTAssertEqual(h.app.stack.count, 1, "a jump opens no page")
        XCTAssertEqual(h.app.stack.last?.document.line?.instruction, 5, "on 'r0 = 1', past its source line")
        XCTAssertTrue(h.app.stack.last?.document.line?.text.contains("5: (b7) r0 = 1") == true)
        // A forward `goto` and back: instruction 3 goes to 6.
        guard move(h, to: 3) else { return }
        h.press(.enter)
        XCTAssertEqual(h.app.stack.last?.document.line?.instruction, 6)
        // Enter on a line that is no jump changes nothing.
        h.press(.enter)
        XCTAssertEqual(h.app.stack.last?.document.line?.instruction, 6)
        XCTAssertEqual(h.app.stack.count, 1)
    }

    func testAJumpToAFilteredOutInstructionSaysSo() {
        let h = harness()
        h.app.stack[h.app.stack.count - 1].document.filter = "goto pc+3"
        h.settle()
        XCTAssertEqual(h.app.stack.last?.document.line?.jump, nil, "the heading first")
        h.press(.down)
        XCTAssertEqual(h.app.stack.last?.document.line?.jump, 5)
        h.press(.enter)
        XCTAssertEqual(h.app.stack.last?.document.line?.instruction, 1, "the cursor stays")
        XCTAssertTrue(h.screen.contains("filtered out"), h.text)
    }
}

import BrowserModel
import Formatting
import XCTest
@testable import TUI

/// The documents the browser builds from a snapshot, and its number formats.
final class DocumentTests: XCTestCase {
    func testProgramDocumentLinksItsMapsPinsAndHolders() {
        let data = sampleSnapshot()
        var p = data.programs[0]
        p.pinned = [Array("/sys/fs/bpf/counter".utf8)]
        let document = BrowserDocuments.program(p, in: data)
        XCTAssertEqual(document.title, "Program 10 counter")
        let targets = document.lines.compactMap(\.target)
        XCTAssertEqual(targets, [.map(20), .pin(Array("/sys/fs/bpf/counter".utf8)), .task(300)])
        XCTAssertNil(document.mapID)
    }

    func testMapDocumentPagesItsEntries() {
        let data = sampleSnapshot()
        let document = BrowserDocuments.map(data.maps[0], in: data)
        XCTAssertEqual(document.mapID, 20)
        XCTAssertTrue(document.lines.contains(.text("program 10  tracing  counter", target: .program(10))))
    }

    func testPinOpensWhatIsPinned() {
        let data = sampleSnapshot()
        XCTAssertEqual(data.pins[0].opens, .pin(Array("/sys/fs/bpf".utf8)))
        XCTAssertEqual(data.pins[1].opens, .pin(Array("/sys/fs/bpf/files-pid-300".utf8)), "an iterator: its output")
        XCTAssertEqual(data.pins[2].opens, .map(20))
        var link = data.pins[1]
        link.link?.details = .unknown
        XCTAssertEqual(link.opens, .link(30))
    }

    func testMissingObjectsSaySo() {
        let document = BrowserDocuments.preview(.program(999), in: sampleSnapshot())
        XCTAssertTrue(document.lines[0].text.contains("not in the last listing"), "\(document)")
    }

    func testFormats() {
        XCTAssertEqual(BrowserFormat.bytes(512), "512")
        XCTAssertEqual(BrowserFormat.bytes(4096), "4.0K")
        XCTAssertEqual(BrowserFormat.bytes(96_778_288), "92M")
        XCTAssertEqual(BrowserFormat.duration(nanoseconds: 850), "850ns")
        XCTAssertEqual(BrowserFormat.duration(nanoseconds: 1_500_000), "1.5ms")
        XCTAssertEqual(BrowserFormat.fixed(0.25, digits: 2), "0.25")
        XCTAssertEqual(BrowserFormat.fixed(-1.05, digits: 1), "-1.1")
        XCTAssertEqual(BrowserFormat.fixed(12, digits: 0), "12")
        XCTAssertEqual(BrowserFormat.hex([0x2a, 0, 0xff]), "2a 00 ff")
    }

    func testDocumentFilterKeepsHeadings() {
        var state = DocumentState(BrowserDocument(title: "t", lines: [
            .field("id", "1"), .heading("Maps"), .text("map 1 alpha"), .text("map 2 beta"), .heading("Pins"),
            .text("/sys/fs/bpf/alpha"),
        ]))
        state.filter = "ALPHA"
        XCTAssertEqual(state.visible, [1, 2, 4, 5])
        state.filter = "pins"
        XCTAssertEqual(state.visible, [4])
        state.filter = ""
        XCTAssertEqual(state.visible.count, 6)
    }
}

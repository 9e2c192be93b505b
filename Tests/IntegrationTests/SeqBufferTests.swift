import BPFKit
import Foundation
import Iterators
import XCTest

/// One object's output larger than the kernel's seq_file buffer: E2BIG,
/// reported with the output read before it.
final class SeqBufferTests: BPFTestCase {
    func testE2BIGKeepsTheRowsBeforeIt() throws {
        let object = try BPFObject(elf: try Fixture.compile("big_rows.bpf.c"), name: "big_rows")
        try object.load()
        let link = try IterLink(programFD: object.programFD("big_rows"), program: "big_rows", params: .all)
        XCTAssertThrowsError(try IterReader(fd: link.makeIterator(), subject: "big_rows", bufferSize: 4096).readAll()) { error in
            guard let error = error as? IterReadError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.error.errno, E2BIG)
            XCTAssertEqual(String(decoding: error.partial, as: UTF8.self), "small row\nsmall row\n")
            XCTAssertTrue(error.description.contains("did not fit"), error.description)
        }

        // The same through a pin and `bpfnav cat`: the rows, then the error.
        try link.pin(at: pins.path("big"))
        let result = try bpfnav("cat", pins.path("big"))
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.text, "small row\nsmall row\n")
        XCTAssertTrue(result.stderr.contains("E2BIG") && result.stderr.contains("did not fit"), result.stderr)
    }
}

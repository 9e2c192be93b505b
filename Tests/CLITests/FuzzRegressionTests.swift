@_spi(Fuzzing) import BPFNavCLI
import Foundation
import XCTest

/// Every input that once made a fuzz harness fail (fuzz/regressions/HARNESS/),
/// replayed through the same property check, in the normal test run.
final class FuzzRegressionTests: XCTestCase {
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/regressions")

    private func replay(_ harness: String, _ property: (UnsafeRawBufferPointer) -> String?) throws -> Int {
        let dir = Self.root.appendingPathComponent(harness)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for name in names.sorted() {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            let failure = data.withUnsafeBytes { property($0) }
            XCTAssertNil(failure, "\(harness)/\(name)")
        }
        return names.count
    }

    func testEveryRegressionInputPasses() throws {
        var total = 0
        total += try replay("FuzzRecords", FuzzChecks.records)
        total += try replay("FuzzBTF", FuzzChecks.btf)
        total += try replay("FuzzXlated", FuzzChecks.xlated)
        total += try replay("FuzzArguments", FuzzChecks.arguments)
        XCTAssertGreaterThan(total, 0, "fuzz/regressions is where the inputs are")
    }

    /// Hand-made inputs of each kind pass.
    func testHandMadeInputsPass() {
        // A whole number of instructions is never rejected: 8 bytes decode.
        XCTAssertNil([UInt8](repeating: 0, count: 8).withUnsafeBytes { FuzzChecks.xlated($0) })
        // A truncated record stream is an error both ways, the same error.
        XCTAssertNil([UInt8]([0, 1, 0, 0]).withUnsafeBytes { FuzzChecks.records($0) })
        // An escape sequence in arguments stays escaped.
        XCTAssertNil(Array("tasks\0--pid\0\u{1b}[2J\u{202e}".utf8).withUnsafeBytes { FuzzChecks.arguments($0) })
    }
}

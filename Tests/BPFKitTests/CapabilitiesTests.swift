import Foundation
import XCTest
@testable import BPFKit

final class CapabilitiesTests: XCTestCase {
    static func caps(_ bits: Int...) -> Capabilities {
        Capabilities(effective: bits.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) })
    }

    func testCapabilityNumbers() {
        // include/uapi/linux/capability.h
        XCTAssertEqual(Capabilities.sysAdmin, 21)
        XCTAssertEqual(Capabilities.perfmon, 38)
        XCTAssertEqual(Capabilities.bpf, 39)
    }

    func testHas() {
        let c = Capabilities(effective: 0x0000_00C0_0020_0000)
        XCTAssertTrue(c.has(21))
        XCTAssertTrue(c.has(38))
        XCTAssertTrue(c.has(39))
        XCTAssertFalse(c.has(0))
        XCTAssertFalse(c.has(40))
        XCTAssertTrue(Capabilities(effective: 1 << 63).has(63))
    }

    func testSysAdminAloneIsEnough() {
        let c = Self.caps(Capabilities.sysAdmin)
        XCTAssertTrue(c.canLoadTracing)
        XCTAssertEqual(c.missingForTracing, [])
    }

    func testBPFAndPerfmonAreEnough() {
        let c = Self.caps(Capabilities.bpf, Capabilities.perfmon)
        XCTAssertTrue(c.canLoadTracing)
        XCTAssertEqual(c.missingForTracing, [])
    }

    func testBPFAloneMissesPerfmon() {
        let c = Self.caps(Capabilities.bpf)
        XCTAssertFalse(c.canLoadTracing)
        XCTAssertEqual(c.missingForTracing, ["CAP_PERFMON"])
    }

    func testPerfmonAloneMissesBPF() {
        let c = Self.caps(Capabilities.perfmon)
        XCTAssertFalse(c.canLoadTracing)
        XCTAssertEqual(c.missingForTracing, ["CAP_BPF"])
    }

    func testNothingMissesBoth() {
        for c in [Capabilities(effective: 0), Self.caps(0, 1, 2, 12, 19, 22, 40), Self.caps(20, 37, 40, 41)] {
            XCTAssertFalse(c.canLoadTracing)
            XCTAssertEqual(c.missingForTracing, ["CAP_BPF", "CAP_PERFMON"])
        }
    }

    func testFullSet() {
        let root = Capabilities(effective: 0x0000_01FF_FFFF_FFFF)
        XCTAssertTrue(root.canLoadTracing)
        XCTAssertEqual(root.missingForTracing, [])
        XCTAssertTrue(Self.caps(Capabilities.sysAdmin, Capabilities.bpf).canLoadTracing)
    }

    func testCurrentMatchesProcStatus() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("CapEff:") })
        let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(Capabilities.current().effective, try XCTUnwrap(UInt64(hex, radix: 16)))
    }

    func testTrimmingWhitespace() {
        XCTAssertEqual(Substring("\t0000003fffffffff\n").trimmingWhitespace(), "0000003fffffffff")
        XCTAssertEqual(Substring("  1f \t\n").trimmingWhitespace(), "1f")
        XCTAssertEqual(Substring("").trimmingWhitespace(), "")
        XCTAssertEqual(Substring(" \n").trimmingWhitespace(), "")
    }
}

import BPFKit
import ObjectModel
import Foundation
import Iterators
import TestSupport
import XCTest

/// RunStats against the kernel, on the demo's program (it runs on every
/// context switch, so this test's own sleeps make it run): statistics on make
/// its run_cnt grow; closing the fd stops it again; the sysctl is never
/// changed (the kernel counts stats fds apart from it).
final class RunStatsTests: BPFTestCase {
    private func demoProgramID() throws -> UInt32 {
        // The program only: no network namespace of the demo's.
        let pins = try Demo(directory: pinDirectory, network: nil).install().pins
        let link = try XCTUnwrap(pins.first { $0.kind == .link })
        return link.programID
    }

    /// Whether the program's run_cnt grows within `timeout`.
    private func counting(_ id: UInt32, timeout: TimeInterval) throws -> Bool {
        let start = try ProgramInfo(id: id).runCount
        return waitUntil(timeout: timeout) {
            usleep(10_000)
            return ((try? ProgramInfo(id: id).runCount) ?? 0) > start
        }
    }

    /// Statistics are off unless someone else keeps them on: then what
    /// disabling does cannot be observed.
    private var othersKeepStatsOn: Bool { RunStats.sysctlEnabled() != false }

    func testEnablingCountsRunsAndDisablingStopsThem() throws {
        let id = try demoProgramID()
        let before = try XCTUnwrap(RunStats.sysctlEnabled(), "cannot read \(RunStats.sysctlPath)")
        let stats = RunStats()
        try stats.enable()
        XCTAssertTrue(stats.enabled)
        XCTAssertEqual(RunStats.sysctlEnabled(), before, "enable() leaves kernel.bpf_stats_enabled alone")

        let first = try ProgramInfo(id: id)
        XCTAssertEqual(stats.sample(programs: [first]), [:], "the first sample has nothing to compare with")
        XCTAssertTrue(try counting(id, timeout: 5), "run_cnt of bpfnav_demo_sw stayed at \(first.runCount) with statistics on")
        let second = try ProgramInfo(id: id)
        XCTAssertGreaterThan(second.runTimeNs, first.runTimeNs)
        let rate = try XCTUnwrap(stats.sample(programs: [second])[id])
        XCTAssertGreaterThan(rate.eventsPerSecond, 0)
        XCTAssertGreaterThan(rate.cpuPercent, 0)
        XCTAssertLessThan(rate.cpuPercent, 100 * Double(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

        stats.disable()
        XCTAssertFalse(stats.enabled)
        XCTAssertEqual(RunStats.sysctlEnabled(), before, "disable() leaves kernel.bpf_stats_enabled as it was")
        if before == false, !othersKeepStatsOn {
            XCTAssertFalse(try counting(id, timeout: 0.3), "run_cnt still grows after disable()")
        }
    }

    func testReleasingTheObjectStopsTheStatistics() throws {
        let id = try demoProgramID()
        let before = try XCTUnwrap(RunStats.sysctlEnabled())
        do {
            let stats = RunStats()
            try stats.enable()
            try stats.enable() // twice: still one fd
            XCTAssertTrue(try counting(id, timeout: 5))
        }
        XCTAssertEqual(RunStats.sysctlEnabled(), before)
        if before == false, !othersKeepStatsOn {
            XCTAssertFalse(try counting(id, timeout: 0.3), "deinit must close the stats fd")
        }
    }

    func testNoFdIsLeftOpen() throws {
        let count = { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1 }
        let open = count()
        let stats = RunStats()
        try stats.enable()
        if RunStats.sysctlEnabled() == false {
            XCTAssertEqual(count(), open + 1, "one fd keeps statistics on")
        }
        stats.disable()
        stats.disable()
        XCTAssertEqual(count(), open)
    }
}

import BPFKit
import BrowserModel
import ObjectModel
import XCTest

/// The session's per-program history: rates from counters between two
/// snapshots, bounded rings, programs that go, counters that reset.
final class ProgramHistoryTests: XCTestCase {
    private func counted(_ id: UInt32, runs: UInt64, ns: UInt64) -> ProgramEntry {
        ProgramEntry(info: ProgramInfo(id: id, name: "p\(id)", runTimeNs: ns, runCount: runs))
    }

    private func stats(_ programs: [ProgramEntry], on: Bool = true) -> BrowserSnapshot {
        BrowserSnapshot(programs: programs, runStats: on)
    }

    func testRatesFromTwoSamples() {
        var history = ProgramHistory()
        history.record(stats([counted(1, runs: 100, ns: 50_000)]), at: 10)
        XCTAssertEqual(history.samples(1), [], "one snapshot is no interval")
        // 2 s later: 400 runs more, 2 ms of run time more.
        history.record(stats([counted(1, runs: 500, ns: 2_050_000)]), at: 12)
        XCTAssertEqual(history.samples(1), [
            ProgramSample(time: 12, seconds: 2, eventsPerSecond: 200, averageRunNs: 5000, cpuPercent: 0.1),
        ])
        XCTAssertEqual(history.span(1), 2)
        // An interval without runs: no time per run, zero rates.
        history.record(stats([counted(1, runs: 500, ns: 2_050_000)]), at: 13)
        XCTAssertEqual(history.latest(1), ProgramSample(time: 13, seconds: 1, eventsPerSecond: 0, averageRunNs: nil, cpuPercent: 0))
        XCTAssertEqual(history.span(1), 3)
    }

    func testCPUPercentIsOfOneCPU() {
        // 3 s of run time in 1 s (three CPUs at once): 300%, as bpftop.
        var history = ProgramHistory()
        history.record(stats([counted(7, runs: 0, ns: 0)]), at: 0)
        history.record(stats([counted(7, runs: 3, ns: 3_000_000_000)]), at: 1)
        XCTAssertEqual(history.latest(7)?.cpuPercent, 300)
        XCTAssertEqual(history.latest(7)?.averageRunNs, 1e9)
    }

    func testTheRingKeepsTheNewestSamples() {
        var history = ProgramHistory(capacity: 3)
        for step in 0...5 {
            history.record(stats([counted(1, runs: UInt64(step * step), ns: 0)]), at: Double(step))
        }
        // Intervals ending at 1…5 had 1, 3, 5, 7, 9 runs; the last three stay.
        XCTAssertEqual(history.samples(1).map(\.eventsPerSecond), [5, 7, 9])
        XCTAssertEqual(history.samples(1).map(\.time), [3, 4, 5])
        XCTAssertEqual(history.span(1), 3, "from the start of the oldest interval kept")

        var ring = SampleRing<Int>(capacity: 4)
        XCTAssertNil(ring.first)
        for n in 1...10 { ring.append(n) }
        XCTAssertEqual(ring.elements, [7, 8, 9, 10])
        XCTAssertEqual(ring.first, 7)
        XCTAssertEqual(ring.last, 10)
        XCTAssertEqual(ring.count, 4)
    }

    func testAProgramThatGoesLosesItsHistory() {
        var history = ProgramHistory()
        history.record(stats([counted(1, runs: 0, ns: 0), counted(2, runs: 0, ns: 0)]), at: 0)
        history.record(stats([counted(1, runs: 10, ns: 100), counted(2, runs: 20, ns: 100)]), at: 1)
        XCTAssertEqual(history.programs, [1, 2])
        history.record(stats([counted(2, runs: 40, ns: 200)]), at: 2)
        XCTAssertEqual(history.programs, [2])
        XCTAssertEqual(history.samples(1), [])
        XCTAssertNil(history.span(1))
        XCTAssertEqual(history.samples(2).count, 2)
        // A program new in this snapshot has its first sample at the next.
        history.record(stats([counted(2, runs: 40, ns: 200), counted(3, runs: 5, ns: 5)]), at: 3)
        XCTAssertEqual(history.samples(3), [])
        history.record(stats([counted(2, runs: 40, ns: 200), counted(3, runs: 9, ns: 5)]), at: 4)
        XCTAssertEqual(history.samples(3).map(\.eventsPerSecond), [4])
    }

    func testCountersThatGoBackwardsGiveNoSample() {
        var history = ProgramHistory()
        history.record(stats([counted(1, runs: 1000, ns: 1000)]), at: 0)
        history.record(stats([counted(1, runs: 10, ns: 10)]), at: 1)
        XCTAssertEqual(history.samples(1), [], "a reset is no negative rate")
        history.record(stats([counted(1, runs: 30, ns: 50)]), at: 2)
        XCTAssertEqual(history.samples(1).map(\.eventsPerSecond), [20], "counted from the reset on")
    }

    func testNothingIsRecordedWhileStatsAreOff() {
        var history = ProgramHistory()
        history.record(stats([counted(1, runs: 0, ns: 0)]), at: 0)
        history.record(stats([counted(1, runs: 10, ns: 10)]), at: 1)
        history.record(stats([counted(1, runs: 10, ns: 10)], on: false), at: 2)
        history.record(stats([counted(1, runs: 10, ns: 10)], on: false), at: 3)
        XCTAssertEqual(history.samples(1).count, 1, "no zeros while the kernel does not count")
        // On again: the first interval starts now, not when it went off.
        history.record(stats([counted(1, runs: 10, ns: 10)]), at: 10)
        history.record(stats([counted(1, runs: 30, ns: 10)]), at: 12)
        XCTAssertEqual(history.samples(1).map(\.eventsPerSecond), [10, 10])
        XCTAssertEqual(history.latest(1)?.seconds, 2)
    }

    func testAFailedListingOrAStoppedClockChangesNothing() {
        var history = ProgramHistory()
        history.record(stats([counted(1, runs: 0, ns: 0)]), at: 0)
        history.record(stats([counted(1, runs: 10, ns: 10)]), at: 1)
        var failed = stats([])
        failed.errors[.programs] = "list programs: EPERM"
        history.record(failed, at: 2)
        XCTAssertEqual(history.programs, [1], "a failed listing is not every program gone")
        // The same instant twice (a refresh right after one): no interval.
        history.record(stats([counted(1, runs: 20, ns: 10)]), at: 1)
        history.record(stats([counted(1, runs: 20, ns: 10)]), at: .nan)
        XCTAssertEqual(history.samples(1).count, 1)
        history.record(stats([counted(1, runs: 40, ns: 10)]), at: 3)
        XCTAssertEqual(history.samples(1).map(\.eventsPerSecond), [10, 15], "30 runs in the 2 s since the last good one")
    }
}

@testable import ObjectModel
import XCTest

/// The rate math of RunStats, without privileges: counters are given, not
/// read from the kernel.
final class RunStatsTests: XCTestCase {
    private typealias Counters = RunStats.Counters

    func testFirstSampleHasNoRates() {
        let stats = RunStats()
        XCTAssertEqual(stats.sample(counters: [7: Counters(runCount: 100, runTimeNs: 5_000)], now: 1_000_000_000), [:])
    }

    func testEmptySamples() {
        let stats = RunStats()
        XCTAssertEqual(stats.sample(counters: [:], now: 1), [:])
        XCTAssertEqual(stats.sample(counters: [:], now: 2), [:])
        XCTAssertEqual(stats.sample(programs: [], now: 3), [:])
    }

    func testRatesAreDeltasOverWallTime() {
        let stats = RunStats()
        _ = stats.sample(counters: [7: Counters(runCount: 100, runTimeNs: 5_000_000)], now: 10_000_000_000)
        // 0.5 s later: 250 more runs that took 25 ms of CPU in all.
        let rates = stats.sample(counters: [7: Counters(runCount: 350, runTimeNs: 30_000_000)], now: 10_500_000_000)
        XCTAssertEqual(rates.count, 1)
        let rate = try? XCTUnwrap(rates[7])
        XCTAssertEqual(rate?.eventsPerSecond ?? 0, 500, accuracy: 1e-9)
        // 25 ms busy per 500 ms of wall time: 5 % of one CPU, as bpftop shows.
        XCTAssertEqual(rate?.cpuPercent ?? 0, 5, accuracy: 1e-9)
    }

    func testEachSampleIsAgainstThePreviousOne() {
        let stats = RunStats()
        _ = stats.sample(counters: [1: Counters(runCount: 0, runTimeNs: 0)], now: 0 + 1)
        _ = stats.sample(counters: [1: Counters(runCount: 1_000, runTimeNs: 1_000_000_000)], now: 1_000_000_001)
        let rates = stats.sample(counters: [1: Counters(runCount: 1_010, runTimeNs: 1_000_000_000)], now: 2_000_000_001)
        XCTAssertEqual(rates[1], RunStats.Rate(eventsPerSecond: 10, cpuPercent: 0))
    }

    func testProgramsAcrossSeveralCPUsCanExceedOneHundredPercent() {
        let stats = RunStats()
        _ = stats.sample(counters: [3: Counters(runCount: 0, runTimeNs: 0)], now: 1_000_000_000)
        let rates = stats.sample(counters: [3: Counters(runCount: 10, runTimeNs: 1_500_000_000)], now: 2_000_000_000)
        XCTAssertEqual(rates[3]?.cpuPercent ?? 0, 150, accuracy: 1e-9)
    }

    func testNewAndVanishedProgramsHaveNoRate() {
        let stats = RunStats()
        _ = stats.sample(counters: [1: Counters(runCount: 10, runTimeNs: 10), 2: Counters(runCount: 5, runTimeNs: 5)],
                         now: 1_000_000_000)
        let rates = stats.sample(counters: [1: Counters(runCount: 20, runTimeNs: 20), 9: Counters(runCount: 50, runTimeNs: 50)],
                                 now: 2_000_000_000)
        XCTAssertEqual(Set(rates.keys), [1])
        // 9 was seen once: it has a rate from the next sample on.
        let later = stats.sample(counters: [9: Counters(runCount: 60, runTimeNs: 50)], now: 3_000_000_000)
        XCTAssertEqual(later[9], RunStats.Rate(eventsPerSecond: 10, cpuPercent: 0))
    }

    func testCountersThatGoBackwardsGiveNoRate() {
        let stats = RunStats()
        _ = stats.sample(counters: [1: Counters(runCount: 100, runTimeNs: 100)], now: 1_000_000_000)
        XCTAssertEqual(stats.sample(counters: [1: Counters(runCount: 5, runTimeNs: 100)], now: 2_000_000_000), [:])
        XCTAssertEqual(stats.sample(counters: [1: Counters(runCount: 15, runTimeNs: 100)], now: 3_000_000_000)[1]?.eventsPerSecond, 10)
    }

    func testNoTimeElapsedGivesNoRates() {
        let stats = RunStats()
        _ = stats.sample(counters: [1: Counters(runCount: 1, runTimeNs: 1)], now: 5)
        XCTAssertEqual(stats.sample(counters: [1: Counters(runCount: 2, runTimeNs: 2)], now: 5), [:])
        // A clock that went backwards (it cannot: monotonic) is no rate either.
        XCTAssertEqual(stats.sample(counters: [1: Counters(runCount: 3, runTimeNs: 3)], now: 4), [:])
    }

    func testIdleProgramIsZeroNotMissing() {
        let stats = RunStats()
        _ = stats.sample(counters: [4: Counters(runCount: 7, runTimeNs: 70)], now: 1_000_000_000)
        let rates = stats.sample(counters: [4: Counters(runCount: 7, runTimeNs: 70)], now: 1_250_000_000)
        XCTAssertEqual(rates[4], RunStats.Rate(eventsPerSecond: 0, cpuPercent: 0))
    }

    func testDisabledWithoutEnableIsHarmless() {
        let stats = RunStats()
        XCTAssertFalse(stats.enabled)
        stats.disable()
        XCTAssertFalse(stats.enabled)
    }
}

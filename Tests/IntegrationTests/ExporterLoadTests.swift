import Exporter
import Foundation
import Glibc
import XCTest

/// The CPU time of one collection under load: bench/exporter-load creates
/// the load (200 programs, 500 maps, 2,000 processes) and runs this with
/// BPFNAV_EXPORTER_LOAD=1 in a release build; it prints the figure. Not an
/// assertion about speed: the bench reports, the issue's bound is checked by
/// a person reading it.
final class ExporterLoadTests: XCTestCase {
    private func threadCPU() -> Double {
        // User and system time of this thread (the collection runs on it).
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    func testCPUTimeOfOneCollection() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["BPFNAV_EXPORTER_LOAD"] == "1",
                          "a measurement for bench/exporter-load (BPFNAV_EXPORTER_LOAD=1)")
        let configuration = ExporterConfiguration(budget: 30)
        // The first collection loads (or takes from the cache) the
        // iterators; a server does that once.
        let first = Collector.collect(configuration, budget: 30)
        XCTAssertFalse(first.truncated)
        var times: [Double] = []
        var wall: [Double] = []
        var last = first
        for _ in 0..<9 {
            let start = threadCPU()
            let clock = Deadline(seconds: 60)
            last = Collector.collect(configuration, budget: 30)
            wall.append(clock.elapsed)
            times.append(threadCPU() - start)
            XCTAssertFalse(last.truncated)
            XCTAssertEqual(last.errors, 0, String(decoding: last.body, as: UTF8.self).split(separator: "\n")
                .filter { $0.hasPrefix("bpfnav_scrape_errors_total") }.joined(separator: "\n"))
        }
        let text = String(decoding: last.body, as: UTF8.self)
        func count(_ prefix: String) -> Int { text.split(separator: "\n").count { $0.hasPrefix(prefix) } }
        let objects = text.split(separator: "\n").filter { $0.hasPrefix("bpf_objects{") || $0.hasPrefix("bpf_holder_processes ") }
        // Where the time goes: the phases of the last collection (wall
        // clock), and the rendering of its snapshot alone (CPU).
        let phases = text.split(separator: "\n").filter { $0.hasPrefix("bpfnav_scrape_phase_duration_seconds{") }
            .map { line -> String in
                let name = line.split(separator: "\"")[1]
                let seconds = Double(line.split(separator: " ").last ?? "") ?? 0
                return "\(name) \(String(format: "%.1f", seconds * 1000))"
            }
        let snapshot = Collector.read(configuration, deadline: Deadline(seconds: 30))
        let renderStart = threadCPU()
        let rendered = ExpositionRenderer.render(snapshot, scrape: .init(duration: { 0 }, errorTotals: [:], collections: 1))
        let render = threadCPU() - renderStart
        print("exporter-load: phases (wall ms): \(phases.joined(separator: ", ")); "
            + "rendering \(rendered.count) bytes: \(String(format: "%.1f", render * 1000)) ms CPU")
        times.sort()
        wall.sort()
        func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
        print("exporter-load: \(objects.joined(separator: " ")); series: \(count("bpf_program_info{")) programs, "
            + "\(count("bpf_map_info{")) maps, \(count("bpf_process_objects{")) comms; "
            + "body \(last.body.count) bytes; CPU per collection min \(ms(times[0])) ms, "
            + "median \(ms(times[times.count / 2])) ms, max \(ms(times[times.count - 1])) ms; "
            + "wall median \(ms(wall[wall.count / 2])) ms")
    }
}

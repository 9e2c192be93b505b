import BPFKit
import Foundation
import ObjectModel
import TestSupport
import XCTest

/// Run-time statistics from the browser's start, the Programs list's
/// sparkline and a program's charts, in tmux, on the demo's program (it
/// runs at every context switch, so it keeps running while the test
/// waits).
final class HistoryBrowserTests: BPFTestCase {
    private static let statsLink = "anon_inode:bpf-stats"

    private func demoProgramID() throws -> UInt32 {
        // The program only: no network namespace of the demo's.
        let pins = try Demo(directory: pinDirectory, network: nil).install().pins
        return try XCTUnwrap(pins.first { $0.kind == .link }).programID
    }

    private func browser(_ extra: [String] = []) throws -> TmuxSession {
        let session = try TmuxSession([bpfnavBinary, "browse", "-d", "1"] + extra, columns: 160, rows: 45,
                                      environment: ["BPFNAV_CACHE_DIR": pinDirectory])
        session.waitFor(timeout: 20, "the browser starts") { $0.contains("1 Programs") && $0.contains("q quit") }
        return session
    }

    /// Fds of `pid` that keep run-time statistics on (BPF_ENABLE_STATS).
    private func statsFDs(_ pid: pid_t) -> Int {
        let dir = "/proc/\(pid)/fd"
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/\($0)")) == Self.statsLink }.count
    }

    /// Moves the cursor of the filtered Programs list to program `id`'s row.
    private func select(_ id: UInt32, in tmux: TmuxSession) {
        tmux.sendKeys("/")
        tmux.sendText(Demo.programName)
        tmux.sendKeys("Enter")
        tmux.waitFor("the demo's program in the filtered list") { screen in
            screen.split(separator: "\n").contains { $0.split(separator: " ").first == Substring("\(id)") }
        }
        let lines = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.firstIndex(where: { $0.contains(" ID ") && $0.contains("NAME") }),
              let row = lines.firstIndex(where: { $0.split(separator: " ").first == Substring("\(id)") }) else {
            return XCTFail("no row of program \(id):\n\(tmux.capture())")
        }
        for _ in 0..<(row - header - 1) { tmux.sendKeys("Down") }
    }

    func testStatsAreOnAtStartWithASparklineAndChartsOfARunningProgram() throws {
        let id = try demoProgramID()
        let tmux = try browser()
        tmux.waitFor("statistics on from the start") { screen in
            screen.split(separator: "\n").first?.contains("stats on") == true && screen.contains("HISTORY")
                && screen.contains("AVG/RUN")
        }
        if RunStats.sysctlEnabled() == false, let pid = tmux.panePID {
            XCTAssertEqual(statsFDs(pid), 1, "bpfnav holds the fd that keeps statistics on")
        }
        select(id, in: tmux)
        let blocks = Set("▁▂▃▄▅▆▇█")
        tmux.waitFor(timeout: 30, "a sparkline of the demo's events/s in its row") { screen in
            screen.split(separator: "\n").contains { line in
                line.split(separator: " ").first == Substring("\(id)") && line.contains { blocks.contains($0) }
                    && (line.contains("µs") || line.contains("ns"))
            }
        }
        tmux.sendKeys("Enter")
        tmux.waitFor(timeout: 30, "the program's page charts its history") { screen in
            screen.contains("Program \(id) \(Demo.programName)") && screen.contains("History (this session")
                && screen.contains("events/s  now") && screen.contains("time per run  now") && screen.contains("CPU%  now")
                && screen.contains("/s┤") && screen.contains("%┤") && screen.contains("└─")
                && screen.unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28ff }
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
    }

    func testNoStatsLeavesThemOff() throws {
        let id = try demoProgramID()
        let tmux = try browser(["--no-stats"])
        let pid = try XCTUnwrap(tmux.panePID)
        // Three refreshes at -d 1: bpfnav never holds the stats fd.
        let off = try ProgramInfo(id: id)
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline {
            let header = tmux.capture().split(separator: "\n").first ?? ""
            XCTAssertTrue(header.contains("stats off"), String(header))
            XCTAssertEqual(statsFDs(pid), 0, "bpfnav turned statistics on")
            usleep(100_000)
        }
        let countedOff = try ProgramInfo(id: id).runCount - off.runCount
        XCTAssertFalse(tmux.capture().contains("HISTORY"), tmux.capture())

        // The program's page says why it has no charts; S turns them on.
        select(id, in: tmux)
        tmux.sendKeys("Enter")
        tmux.waitFor("the page says statistics are off") { $0.contains("run-time stats are off: S turns them on") }
        tmux.sendKeys("S")
        tmux.waitFor(timeout: 30, "S turns them on and the charts follow") { screen in
            screen.split(separator: "\n").first?.contains("stats on") == true && screen.contains("events/s  now")
        }
        if RunStats.sysctlEnabled() == false { XCTAssertEqual(statsFDs(pid), 1) }
        let on = try ProgramInfo(id: id)
        usleep(3_000_000)
        let countedOn = try ProgramInfo(id: id).runCount - on.runCount
        // The demo runs at every context switch. With statistics off the
        // kernel counts only while some process holds them on (another
        // bpfnav probing its features holds them for a moment): a few runs
        // at most, against thousands in as long with them on.
        if RunStats.sysctlEnabled() == false {
            XCTAssertGreaterThan(countedOn, 100, "statistics on: the demo's runs are counted")
            XCTAssertLessThan(countedOff * 20, countedOn, "the kernel counted \(countedOff) runs in 3 s with --no-stats")
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
    }

    /// Without CAP_SYS_ADMIN the kernel refuses BPF_ENABLE_STATS: the footer
    /// says so (with the other refusals of such a process) and the browser
    /// goes on, statistics off.
    func testARefusalIsSaidAndTheBrowserGoesOn() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv (util-linux)")
        try XCTSkipUnless(RunStats.sysctlEnabled() == false,
                          "kernel.bpf_stats_enabled is 1: statistics are on for everyone and nothing is refused")
        let caps = "-all,+bpf,+perfmon"
        let tmux = try TmuxSession(["/usr/bin/setpriv", "--inh-caps=\(caps)", "--ambient-caps=\(caps)", "--bounding-set=\(caps)",
                                    bpfnavBinary, "browse", "-d", "1"], columns: 200, rows: 30,
                                   environment: ["BPFNAV_CACHE_DIR": pinDirectory])
        tmux.waitFor(timeout: 20, "the refusal in the footer") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.first?.contains("stats off") == true && lines.contains {
                $0.contains("q quit") && $0.contains("CAP_SYS_ADMIN") && $0.contains("run-time stats stay off")
            }
        }
        tmux.waitFor(timeout: 20, "the browser goes on: the message goes, the lists stay") { screen in
            !screen.contains("run-time stats stay off") && screen.contains("5 Tasks") && screen.contains("stats off")
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
    }
}

import BPFKit
import CLibBPF
import Foundation
import Synchronization
import TestSupport
import XCTest

/// The browser as a live instrument, in tmux: a program's page follows its
/// run count without a key, and the value that changed is highlighted.
final class LiveBrowserTests: BPFTestCase {
    /// Runs `fd`'s program through BPF_PROG_TEST_RUN every 20 ms until
    /// the result is released: its run count grows while statistics are on.
    private final class Runner: @unchecked Sendable {
        private let stop = Atomic<Bool>(false)
        private let done = DispatchSemaphore(value: 0)

        init(fd: Int32) {
            Thread.detachNewThread { [self] in
                var packet = [UInt8](repeating: 0, count: 64)
                while !stop.load(ordering: .relaxed) {
                    packet.withUnsafeMutableBytes { bytes in
                        var opts = bpf_test_run_opts()
                        opts.sz = MemoryLayout<bpf_test_run_opts>.size
                        opts.data_in = UnsafeRawPointer(bytes.baseAddress)
                        opts.data_size_in = UInt32(bytes.count)
                        opts.repeat = 1
                        _ = bpf_prog_test_run_opts(fd, &opts)
                    }
                    usleep(20_000)
                }
                done.signal()
            }
        }

        func finish() {
            stop.store(true, ordering: .relaxed)
            done.wait()
        }
    }

    /// The number after "run_cnt" on the screen, if shown.
    private func runCount(_ screen: String) -> UInt64? {
        guard let line = screen.split(separator: "\n").first(where: { $0.contains("run_cnt") }) else { return nil }
        return line.split(separator: " ").last.flatMap { UInt64($0) }
    }

    func testAProgramsPageFollowsItsRunCountAndHighlightsTheChange() throws {
        let name = uniqueName("live")
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: name)
        let runner = Runner(fd: program.raw)
        defer {
            runner.finish()
            withExtendedLifetime(program) {}   // the fd stays open while the runner uses it
        }

        let tmux = try TmuxSession([bpfnavBinary, "browse", "-d", "1"], columns: 120, rows: 40,
                                   environment: ["BPFNAV_CACHE_DIR": pinDirectory, "NO_COLOR": ""])
        tmux.waitFor(timeout: 20, "the browser starts") { $0.contains("1 Programs") && $0.contains("stats o") }
        if tmux.capture().contains("stats off") {
            tmux.sendKeys("S")
            tmux.waitFor("run-time statistics on") { $0.contains("stats on") }
        }
        tmux.sendKeys("/")
        tmux.sendText(name)
        tmux.waitFor("the filter finds the test's program") { $0.contains(name) && $0.contains("1/1") }
        tmux.sendKeys("Enter")   // keep the filter
        tmux.sendKeys("Enter")   // open the program
        var first: UInt64 = 0
        tmux.waitFor("the program's page with its run count") { screen in
            guard screen.contains("Programs › Program"), screen.contains(name), let count = self.runCount(screen) else {
                return false
            }
            first = count
            return true
        }
        // No key from here on.
        tmux.waitFor("the run count changes by itself") { screen in
            (self.runCount(screen) ?? first) != first
        }
        // The count changes at every refresh: it is drawn highlighted (black
        // on yellow), and the key beside it is not.
        tmux.waitFor("the changed count highlighted") { _ in
            let screen = tmux.capture(attributes: true)
            guard let line = screen.split(separator: "\n").first(where: { $0.contains("run_cnt") }) else { return false }
            return Self.highlighted(String(line)).contains { $0.allSatisfy(\.isNumber) && !$0.isEmpty }
                && !Self.highlighted(String(line)).contains { $0.contains("run_cnt") }
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
    }

    /// The runs of text of an escaped line drawn on a yellow background
    /// (SGR 43, alone or among others).
    static func highlighted(_ line: String) -> [String] {
        var runs: [String] = []
        var current = ""
        var marked = false
        var rest = Substring(line)
        while let character = rest.first {
            if character == "\u{1b}", rest.dropFirst().first == "[", let end = rest.firstIndex(of: "m") {
                let codes = rest[rest.index(rest.startIndex, offsetBy: 2)..<end].split(separator: ";").map(String.init)
                if codes.isEmpty || codes.contains("0") || codes.contains("49") { marked = false }
                if codes.contains("43") { marked = true }
                rest = rest[rest.index(after: end)...]
                continue
            }
            if marked {
                current.append(character)
            } else if !current.isEmpty {
                runs.append(current)
                current = ""
            }
            rest = rest.dropFirst()
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}

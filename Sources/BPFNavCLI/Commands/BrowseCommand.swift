import BrowserModel
import Glibc
import TUI

extension OptionKey where Self == Option<Double> {
    /// The browser's refresh interval in seconds.
    static var delay: Option<Double> {
        Option("delay", "SECONDS", "Refresh the lists and the open page every SECONDS (default 2; 0 only on r). Short: -d.") { text throws(UsageError) in
            guard let seconds = Double(text), seconds.isFinite, seconds >= 0, !text.hasPrefix("+") else {
                throw UsageError("--delay takes a number of seconds (2, 0.5; 0 refreshes only on r), not '\(text)'")
            }
            // Faster than this the refresh itself would keep a core busy.
            return seconds == 0 ? 0 : max(seconds, 0.2)
        }
    }
}

extension OptionKey where Self == Flag {
    static var noMouse: Flag {
        Flag("no-mouse", "Leave the mouse to the terminal (to select text); by default a click selects a row, a view or a sort column.")
    }

    /// Leave run-time statistics off at the browser's start.
    static var noStats: Flag {
        Flag("no-stats", "Leave run-time statistics off at start (S turns them on). By default the browser turns them on, as bpftop does, until S or its end.")
    }
}

/// `bpfnav browse` (and `bpfnav` with no arguments on a terminal): the
/// terminal browser.
enum BrowseCommand {
    static let spec = CommandSpec(
        name: "browse",
        abstract: "Browse programs, maps, links, pins and tasks in the terminal (bpfnav with no arguments does too).",
        discussion: """
        Arrows or j/k move, Enter opens, Esc or Backspace goes back, Tab switches pane, / (F3, F4) filters as you type (a regular expression or text), s sorts by the next column and F6 by a column from a menu, 1-6 switch view, : jumps (:map 42, :pid 1234), z hides or zooms the preview, r refreshes, p pauses the automatic refresh, S turns run-time stats off or on (on from the start unless --no-stats: the kernel then counts every program's runs and run time while bpfnav runs, and the Programs list and a program's page chart them), x shows map entries in hex, F9 unpins a pin bpfnav made (after asking), ? (F1) lists every key, q (F10) quits. A click selects a row, a view or a sort column; --no-mouse leaves the mouse to the terminal.
        -d SECONDS is short for --delay SECONDS. Exit status: 0 after q, 130 after SIGINT, 143 after SIGTERM, 129 after SIGHUP, 1 on an error; the terminal is restored in every case. Without a terminal, bpfnav with no arguments prints the command overview instead.
        """,
        options: [.delay, .noStats, .noMouse],
        run: run
    )

    static let defaultDelay = 2.0

    static func run(_ args: Arguments) throws {
        try run(args, start: nil)
    }

    static func run(_ args: Arguments, start: BrowserTarget?) throws {
        let status = Browser.run(source: LiveBrowserSource(), refreshInterval: try args[.delay] ?? defaultDelay,
                                 start: start, runStats: !args[.noStats], mouse: !args[.noMouse])
        if status != 0 { throw Exit(status) }
    }

    /// `-d 5` and `-d5` as `--delay 5` (the command table has long options only).
    static func expandingShortOptions(_ args: [String]) -> [String] {
        var out: [String] = []
        var onlyPositionals = false
        for arg in args {
            if onlyPositionals || arg == "--" {
                onlyPositionals = true
                out.append(arg)
            } else if arg == "-d" {
                out.append("--delay")
            } else if arg.hasPrefix("-d"), !arg.hasPrefix("--") {
                out.append("--delay=" + arg.dropFirst(2))
            } else {
                out.append(arg)
            }
        }
        return out
    }

    /// `bpfnav` alone opens the browser on a terminal; piped or in a
    /// script, it prints the overview as it always did.
    static var hasTerminal: Bool { isatty(0) != 0 && isatty(1) != 0 }
}

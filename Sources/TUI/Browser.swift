import CCurses
import BrowserModel
import Platform
import Glibc

/// `bpfnav` with no arguments: the browser on the real terminal.
///
/// Every way out gives the terminal back (endwin) before anything is
/// printed: `q` (status 0), SIGINT (130), SIGTERM (143), SIGHUP (129) — the
/// shell's 128 + signal number — and an error (1, the message after the
/// terminal is restored). A crash (a Swift runtime trap, SIGSEGV) restores
/// the terminal too before the default action kills the process.
public enum Browser {
    /// How long a key poll waits at most: the automatic refresh and
    /// messages that expire show up within this (finished background work
    /// ends the wait at once).
    static let pollMilliseconds = 100

    /// `mouse`: clicks and the wheel (off: the terminal selects text).
    public static func run(source: any BrowserSource, refreshInterval: Double, start: BrowserTarget? = nil,
                           runStats: Bool = true, mouse: Bool = true) -> Int32 {
        Signals.install()
        let screen: CursesScreen
        do {
            screen = try CursesScreen(mouse: mouse)
        } catch {
            Signals.restore()
            printError("\(error)")
            return 1
        }
        Signals.installCrashHandlers()
        let app = App(source: source, refreshInterval: refreshInterval, start: start, runStats: runStats)
        screen.wakeup = app.jobs.wakeup
        let status = loop(app, screen: screen, keys: screen)
        screen.stop()
        Signals.restoreCrashHandlers()
        Signals.restore()
        return status
    }

    /// Runs until `q` or a signal; returns the exit status.
    static func loop(_ app: App, screen: Screen, keys: KeySource) -> Int32 {
        while true {
            if let signal = Signals.received { return 128 + signal }
            app.pump()
            if app.wantsDraw {
                app.draw(on: screen)
                screen.present()
            }
            guard let key = keys.nextKey(timeout: pollMilliseconds) else { continue }
            if app.handle(key) == .quit { return 0 }
        }
    }

    static func printError(_ message: String) {
        let text = "bpfnav: \(message)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}

/// SIGINT, SIGTERM and SIGHUP set a flag the event loop checks at every
/// key poll (the poll is cut short by the signal): the loop then leaves
/// and the terminal is restored in the normal way.
enum Signals {
    static var received: Int32? { SignalFlag.received }

    static let handled = [SIGINT, SIGTERM, SIGHUP]

    /// The key poll returns early on a signal and sees the flag.
    static func install() { SignalFlag.install(handled) }

    static func restore() { SignalFlag.restore(handled) }

    static let crashes = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]

    /// The handlers found before ours, by signal number (the Swift
    /// runtime's backtracer): a crash still reaches them.
    private nonisolated(unsafe) static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)

    /// On a crash: give the terminal back, then let the previous handler
    /// (or the default action) have the signal.
    static func installCrashHandlers() {
        let previous = Signals.previous
        for signal in crashes {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                endwin()
                sigaction(signal, Signals.previous + Int(signal), nil)
                // Blocked until this returns; then the previous handler runs.
                raise(signal)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, previous + Int(signal))
        }
    }

    static func restoreCrashHandlers() {
        for signal in crashes { sigaction(signal, previous + Int(signal), nil) }
    }
}

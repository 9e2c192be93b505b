import Explorer
import Glibc
import Synchronization

/// SIGINT or SIGTERM during a streaming dump.
///
/// Killed by the default action, a dump would stop in the middle of an entry
/// and leave a JSON array open or an NDJSON line cut, which a script's parser
/// then rejects. While a dump runs, the signal only sets a flag; the dump
/// looks at it between entries, finishes the document (closes the array) and
/// exits with 128 + the signal's number, as a shell reports a process killed
/// by it.
enum Interrupt {
    private static let caught = Atomic<Int32>(0)

    static let handled = [SIGINT, SIGTERM]

    /// From now on SIGINT and SIGTERM set the flag instead of ending bpfnav.
    static func install() {
        // Touch the flag now: a global's first use runs its initialiser,
        // which a signal handler must not do.
        _ = caught.load(ordering: .relaxed)
        for signal in handled {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                Interrupt.caught.store(signal, ordering: .relaxed)
            }
            sigemptyset(&action.sa_mask)
            // No SA_RESTART: a write blocked on a full pipe returns EINTR,
            // and Output.flush writes the rest of what it holds.
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
    }

    /// Throws `Interrupted` once a signal came.
    static func check() throws(Interrupted) {
        let signal = caught.load(ordering: .relaxed)
        if signal != 0 { throw Interrupted(signal: signal) }
    }
}

/// A dump stopped by a signal, after `Interrupt.check`.
struct Interrupted: Error {
    let signal: Int32

    /// 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
    var status: Int32 { 128 + signal }

    var name: String { signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)" }

    /// One line on stderr: what stopped, and that the output is incomplete.
    func report(_ what: String, count: Int, closed: String) {
        Output.standardError.write("bpfnav: \(what): interrupted by \(name) after \(count) \(count == 1 ? "entry" : "entries")\n  \(closed)\n")
    }
}

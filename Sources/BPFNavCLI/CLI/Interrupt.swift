import Encoding
import Platform
import Glibc

/// SIGINT or SIGTERM during a streaming dump.
///
/// Killed by the default action, a dump would stop in the middle of an entry
/// and leave a JSON array open or an NDJSON line cut, which a script's parser
/// then rejects. While a dump runs, the signal only sets a flag; the dump
/// looks at it between entries, finishes the document (closes the array) and
/// exits with 128 + the signal's number, as a shell reports a process killed
/// by it.
enum Interrupt {
    static let handled = [SIGINT, SIGTERM]

    /// From now on SIGINT and SIGTERM set the flag instead of ending bpfnav.
    static func install() {
        SignalFlag.install(handled)
    }

    /// Throws `Interrupted` once a signal came.
    static func check() throws(Interrupted) {
        if let signal = SignalFlag.received { throw Interrupted(signal: signal) }
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

    /// Ends a stream this signal cut short, between two whole `items`:
    /// appends `closing` (what closes a JSON array; nil for tables and
    /// NDJSON), flushes, says so on stderr, and returns the exit to throw.
    func end(_ out: Output, closing: StaticString?, _ what: String, count: Int, items: String) -> Exit {
        if let closing { out.append(closing) }
        out.flush()
        report(what, count: count, closed: closing != nil
            ? "the JSON array is closed: it holds the \(items) read so far"
            : "the \(items) read so far were printed whole")
        return Exit(status)
    }
}

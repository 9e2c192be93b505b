import Glibc
import Synchronization

/// Signals that only set a flag, for code that stops at a point of its own
/// choosing: a dump between two entries, the browser at its next key poll.
/// The handler does nothing else (storing an atomic is async-signal-safe).
/// No SA_RESTART: a blocked write or poll returns EINTR, and the caller
/// looks at `received`.
public enum SignalFlag {
    private static let caught = Atomic<Int32>(0)

    /// The last signal caught since `install`, if any.
    public static var received: Int32? {
        let signal = caught.load(ordering: .relaxed)
        return signal == 0 ? nil : signal
    }

    /// From now on `signals` set the flag instead of their default action.
    public static func install(_ signals: [Int32]) {
        // Touch the flag now: a global's first use runs its initialiser,
        // which a signal handler must not do.
        _ = caught.load(ordering: .relaxed)
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                SignalFlag.caught.store(signal, ordering: .relaxed)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
    }

    /// `signals` back to their default actions.
    public static func restore(_ signals: [Int32]) {
        for signal in signals { Glibc.signal(signal, SIG_DFL) }
    }
}

import Glibc
import Synchronization

/// Failure injection for tests, at the points where the kernel cannot be made
/// to fail on demand (these kernels have neither fail_function nor
/// bpf_override_return): a pin that gets ENOSPC, a rename that gets EIO, a
/// read that gets ENOMEM half way through.
///
/// Debug builds only read `BPFNAV_FAULTS`, a comma-separated list of
/// `POINT=ERRNO@N` (the N-th call at POINT fails; N defaults to 1) or
/// `POINT=ERRNO@N+` (that call and every later one):
///
///     BPFNAV_FAULTS=pin=ENOSPC@3,read=EIO@2+
///
/// Points: `pin` (bpf_obj_pin), `rename` (moving a pin into place), `read`
/// (reading an iterator), `open` (opening a pinned object), `batch`
/// (BPF_MAP_LOOKUP_BATCH: `batch=ENOTSUPP@1+` answers as 5.10 does for a
/// per-CPU array), `exchange` (renameat2 with RENAME_EXCHANGE, inside a
/// `rename`: `exchange=EINVAL@1+` answers as bpffs before 5.16 does).
/// Release builds compile all of this away: the environment cannot make
/// them misbehave.
public enum Faults {
    public enum Point: String, CaseIterable, Sendable {
        case pin, rename, read, open, batch, exchange
    }

    /// The errno to fail this call at `point` with, if one is planned.
    @inline(__always)
    public static func injected(_ point: Point) -> Int32? {
        #if DEBUG
        return injector.next(point)
        #else
        return nil
        #endif
    }

    /// Reads the plan now, so that a malformed one stops bpfnav before it
    /// does anything (debug builds; nothing in release builds).
    public static func prepare() {
        #if DEBUG
        _ = injector
        #endif
    }

    /// A plan parsed from the text of `BPFNAV_FAULTS`; nil if it is malformed.
    struct Rule: Equatable, Sendable {
        var point: Point
        var errno: Int32
        var call: Int
        var andLater: Bool
    }

    static func parse(_ text: String) -> [Rule]? {
        var rules: [Rule] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let point = Point(rawValue: parts[0]) else { return nil }
            var spec = Substring(parts[1]), call = 1, andLater = false
            if let at = spec.firstIndex(of: "@") {
                var count = spec[spec.index(after: at)...]
                if count.hasSuffix("+") { andLater = true; count = count.dropLast() }
                guard let n = Int(count), n >= 1 else { return nil }
                call = n
                spec = spec[..<at]
            }
            guard let code = Errno.code(named: String(spec)) else { return nil }
            rules.append(Rule(point: point, errno: code, call: call, andLater: andLater))
        }
        return rules
    }

    #if DEBUG
    private static let injector = Injector(getenv("BPFNAV_FAULTS").map { String(cString: $0) })

    private final class Injector: Sendable {
        private let rules: [Rule]
        private let calls = Mutex([Point: Int]())

        init(_ text: String?) {
            guard let text, !text.isEmpty else { rules = []; return }
            guard let rules = Faults.parse(text) else {
                // A typo must not make a test pass for the wrong reason.
                let message = Array("bpfnav: BPFNAV_FAULTS is malformed: \(text)\n".utf8)
                _ = Glibc.write(2, message, message.count)
                exit(70)
            }
            self.rules = rules
        }

        func next(_ point: Point) -> Int32? {
            guard !rules.isEmpty else { return nil }
            let call = calls.withLock { counts in
                counts[point, default: 0] += 1
                return counts[point]!
            }
            for rule in rules where rule.point == point {
                if call == rule.call || (rule.andLater && call > rule.call) { return rule.errno }
            }
            return nil
        }
    }
    #endif
}

extension Faults {
    /// Runs `body` unless a failure is planned at `point`; then sets errno
    /// and returns -1, as the system call would have.
    @inline(__always)
    public static func call<Result: BinaryInteger>(_ point: Point, _ body: () -> Result) -> Result {
        if let code = injected(point) {
            errno = code
            return -1
        }
        return body()
    }
}

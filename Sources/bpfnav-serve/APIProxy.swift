// /api/v1/…: the JSON the CLI prints, from the bpfnav binary beside this
// one run with a fixed argv, its stdout streamed to the client. A thread per
// child reads the pipe (bpfnav blocks in syscalls; no event loop waits for
// it), one chunk at a time: the next read waits until the client took the
// previous chunk, so memory does not grow with the output.

import Dispatch
import Glibc
import NIOPosix
import Synchronization

/// What the child's output becomes, told to the connection on its event loop.
enum ProxyEvent {
    /// The child exited within the first chunk: its whole output, and the
    /// status its exit code means.
    case complete(status: Int, body: [UInt8])
    /// More than one chunk: a 200, and this first chunk.
    case start([UInt8])
    /// A further chunk; `taken` is called when the client took it (true)
    /// or went away (false).
    case chunk([UInt8], taken: @Sendable (Bool) -> Void)
    /// The end of a streamed output; false if it was cut short (the child
    /// failed or ran past its time): the connection is then closed.
    case end(complete: Bool)
}

/// Runs bpfnav for /api/v1, a few children at a time.
final class APIProxy: Sendable {
    /// Output buffered before the status is decided: a command that ends
    /// within it gets a status from its exit code.
    static let chunkSize = 64 * 1024
    /// Children at once; more requests get 503.
    static let maxChildren = 4

    let executable: String
    /// Seconds a child may run before it is killed.
    let timeout: Double
    /// Children admitted (a slot is taken before the spawn) and their pids.
    private let running = Mutex<(slots: Int, pids: Set<pid_t>)>((0, []))
    private let pool = NIOThreadPool(numberOfThreads: maxChildren)

    init(executable: String, timeout: Double = 60) {
        self.executable = executable
        self.timeout = timeout
        pool.start()
    }

    /// Children running now.
    var children: Int { running.withLock { $0.slots } }

    /// Starts `bpfnav arguments`; `deliver` gets the events on the reading
    /// thread (the caller hops to its event loop). Nil when too many
    /// children run already; an error when it could not start.
    func run(_ arguments: [String], deliver: @escaping @Sendable (ProxyEvent) -> Void) -> Result<Void, ProxyError>? {
        let admitted = running.withLock { state -> Bool in
            guard state.slots < Self.maxChildren else { return false }
            state.slots += 1
            return true
        }
        guard admitted else { return nil }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            let code = errno
            running.withLock { $0.slots -= 1 }
            return .failure(ProxyError("create a pipe for", code, subject: executable))
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        switch spawn(arguments, stdout: fds[1]) {
        case .success(let child): pid = child
        case .failure(let error):
            close(fds[0]); close(fds[1])
            running.withLock { $0.slots -= 1 }
            return .failure(error)
        }
        close(fds[1])
        running.withLock { _ = $0.pids.insert(pid) }
        let reader = fds[0]
        // As many threads as children are admitted: never a wait for one.
        pool.submit { [self] _ in pump(pid: pid, fd: reader, deliver: deliver) }
        return .success(())
    }

    /// Kills every child (at shutdown).
    func killAll() {
        for pid in running.withLock({ $0.pids }) { kill(pid, SIGKILL) }
    }

    private func spawn(_ arguments: [String], stdout: Int32) -> Result<pid_t, ProxyError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        // The CLI's errors are in its JSON on stdout; its stderr would only
        // interleave with the server's log.
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing of the server's (sockets, the statistics fd) in the child.
        _ = spawnAddCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The server blocks SIGTERM and SIGINT (a thread waits for them)
        // and ignores SIGPIPE: the child starts with neither.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = [executable] + arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cargs { free(arg) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, &cargs, environ)
        guard rc == 0 else { return .failure(ProxyError("run", rc, subject: executable)) }
        return .success(pid)
    }

    /// Reads the child's output until it ends, the client goes away or
    /// the time runs out; then reaps the child.
    private func pump(pid: pid_t, fd: Int32, deliver: @escaping @Sendable (ProxyEvent) -> Void) {
        defer {
            close(fd)
            running.withLock {
                $0.pids.remove(pid)
                $0.slots -= 1
            }
        }
        let deadline = monotonicSeconds() + timeout
        var first: [UInt8] = []
        var ended = false
        var timedOut = false
        // The first chunk: up to chunkSize or the end of the output.
        while first.count < Self.chunkSize {
            switch read(fd, upTo: Self.chunkSize - first.count, before: deadline) {
            case .bytes(let bytes): first += bytes
            case .end: ended = true
            case .timeout: timedOut = true
            }
            if ended || timedOut { break }
        }
        if timedOut {
            kill(pid, SIGKILL)
            reap(pid)
            deliver(.complete(status: 504, body: errorJSON("the command ran longer than \(Int(timeout)) s and was stopped")))
            return
        }
        if ended {
            let status = reap(pid)
            deliver(.complete(status: Self.status(exit: status, body: first), body: first))
            return
        }
        deliver(.start(first))
        let gate = Gate()
        while true {
            switch read(fd, upTo: Self.chunkSize, before: deadline) {
            case .bytes(let bytes):
                deliver(.chunk(bytes, taken: { gate.open($0) }))
                guard gate.wait() else {
                    // The client went away: so does the child.
                    kill(pid, SIGKILL)
                    reap(pid)
                    return
                }
            case .end:
                let status = reap(pid)
                deliver(.end(complete: status == 0))
                return
            case .timeout:
                kill(pid, SIGKILL)
                reap(pid)
                deliver(.end(complete: false))
                return
            }
        }
    }

    /// The HTTP status of a command's exit: 0 is 200; 64 (a usage error:
    /// a wrong parameter) 400; an error with ENOENT (no such object) or
    /// ESRCH (no such process: ?pid=) 404; anything else 500.
    static func status(exit: Int32?, body: [UInt8]) -> Int {
        switch exit {
        case 0: 200
        case 64: 400
        case 1 where contains(body, "\"errno\":\"ENOENT\"") || contains(body, "\"errno\":\"ESRCH\""): 404
        default: 500
        }
    }

    private static func contains(_ body: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard body.count >= needle.count else { return false }
        for start in 0...(body.count - needle.count) where body[start] == needle[0] {
            if body[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }

    private enum ReadResult {
        case bytes([UInt8]), end, timeout
    }

    private func read(_ fd: Int32, upTo count: Int, before deadline: Double) -> ReadResult {
        while true {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return .timeout }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(left * 1000, 1000)) + 1)
            if ready < 0, errno == EINTR { continue }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: count)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .end
            }
            if n == 0 { return .end }
            buffer.removeLast(count - n)
            return .bytes(buffer)
        }
    }

    /// Waits for the child; its exit code, nil if a signal ended it.
    @discardableResult
    private func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : nil
    }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (2.34), which its
/// headers declare for _GNU_SOURCE only: NIO's sockets are not
/// close-on-exec, and a child holding a client's socket would keep the
/// connection open.
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnAddCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

/// A child that could not be started.
struct ProxyError: Error {
    let message: String

    init(_ operation: String, _ code: Int32, subject: String = "") {
        message = "\(operation) \(subject.isEmpty ? "" : subject + ": ")\(String(cString: strerror(code)))"
    }
}

/// One chunk in flight: the reader waits until the client took it.
private final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let result = Mutex(true)

    func open(_ taken: Bool) {
        result.withLock { $0 = taken }
        semaphore.signal()
    }

    func wait() -> Bool {
        semaphore.wait()
        return result.withLock { $0 }
    }
}

/// `{"error":"MESSAGE"}` and a newline, as the CLI prints its errors.
func errorJSON(_ message: String) -> [UInt8] {
    var out = Array("{\"error\":\"".utf8)
    for scalar in message.unicodeScalars {
        switch scalar {
        case "\"": out += Array("\\\"".utf8)
        case "\\": out += Array("\\\\".utf8)
        case "\n": out += Array("\\n".utf8)
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8)
        default: out += Array(String(scalar).utf8)
        }
    }
    return out + Array("\"}\n".utf8)
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

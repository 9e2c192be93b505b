import Foundation
import Glibc
import XCTest

/// One end-to-end terminal session: a command running in a detached tmux
/// pane of a private server, driven with send-keys and read back with
/// capture-pane (fzf's tmux tests do the same).
///
/// tmux is run with posix_spawn + waitpid, not Foundation.Process: the server
/// that `new-session -d` forks inherits the client's stdout, so waiting for
/// its end (as Process does) never returns. `new-session` therefore gets
/// /dev/null and a file for stderr; later commands talk to a running server
/// and can be read through a pipe.
public final class TmuxSession {
    /// Why a session could not be started or driven.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let name: String
    public private(set) var columns: Int
    public private(set) var rows: Int
    /// Private to this session: its socket, and stderr of tmux runs.
    private let directory: String
    private let socket: String
    private let tmux: String
    private var killed = false

    /// Starts `command` (argv, run without a shell) in a `columns` × `rows`
    /// pane, with LANG=C.UTF-8, TERM=xterm-256color and `environment` on top
    /// of this process's environment. The pane stays when the command exits,
    /// so its exit status can be read (`exitStatus`).
    public init(_ command: [String], columns: Int = 100, rows: Int = 30, environment: [String: String] = [:],
         name: String = "bpfnav") throws {
        let candidates = ["/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"]
        guard let tmux = candidates.first(where: { path in access(path, X_OK) == 0 }) else {
            throw Failure(description: "tmux is not installed (apt-get install tmux)")
        }
        _ = Self.sweptOnce
        var template = Array("/tmp/bpfnav-tmux-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Failure(description: "mkdtemp: \(String(cString: strerror(errno)))")
        }
        self.tmux = tmux
        self.directory = String(cString: made)
        // Whose session this is: a later run cleans up after a test process
        // that died before its teardown (a trap ends the process at once).
        FileManager.default.createFile(atPath: directory + "/owner", contents: Data("\(getpid())\n".utf8))
        self.socket = directory + "/socket"
        self.name = name
        self.columns = columns
        self.rows = rows

        var env = ProcessInfo.processInfo.environment
        // A test run inside tmux must not reach the user's server.
        env["TMUX"] = nil
        env["TMUX_PANE"] = nil
        env["LC_ALL"] = nil
        env["LC_CTYPE"] = nil
        env["LANG"] = "C.UTF-8"
        env["TERM"] = "xterm-256color"
        env.merge(environment) { _, given in given }

        // Options before the session: the pane's TERM comes from
        // default-terminal, and remain-on-exit must hold from the start
        // for a command that exits at once. No status line: the pane is the
        // whole window.
        let result = try run([
            "start-server", ";",
            "set-option", "-g", "default-terminal", "xterm-256color", ";",
            "set-option", "-g", "remain-on-exit", "on", ";",
            "set-option", "-g", "status", "off", ";",
            "new-session", "-d", "-x", "\(columns)", "-y", "\(rows)", "-s", name, "--",
        ] + command, environment: env, detached: true)
        guard result.status == 0 else {
            removeDirectory()
            throw Failure(description: "tmux new-session \(command) failed (\(result.status)): \(result.stderr)")
        }
    }

    deinit { kill() }

    /// Sends tmux keys: names (`Enter`, `Escape`, `Down`, `C-c`, `F1`) or
    /// text, which tmux sends as typed when it is not a key name.
    public func sendKeys(_ keys: String...) {
        expectSuccess(["send-keys", "-t", name] + keys)
    }

    /// Types `text` literally (`send-keys -l`): "Enter" is five letters.
    public func sendText(_ text: String) {
        expectSuccess(["send-keys", "-t", name, "-l", "--", text])
    }

    /// Presses `key` (a prompt: "/", ":", "="), types `text` and presses Enter.
    public func answer(_ key: String, _ text: String) {
        sendKeys(key)
        sendText(text)
        sendKeys("Enter")
    }

    /// A click of the first button at `row`, `col` (0-based screen cells),
    /// as an xterm sends it in SGR mode (ESC [<0;X;YM, then m): the bytes go
    /// to the pane as typed (`send-keys -H`), so the program must have
    /// asked for the mouse with TERM's sequence (xterm-256color: SGR).
    public func click(row: Int, col: Int, button: Int = 0) {
        let press = "\u{1b}[<\(button);\(col + 1);\(row + 1)M"
        let release = button >= 64 ? "" : "\u{1b}[<\(button);\(col + 1);\(row + 1)m"
        expectSuccess(["send-keys", "-t", name, "-H"] + Array((press + release).utf8).map { String($0, radix: 16) })
    }

    /// A tmux format of the pane (`display-message -p`), such as
    /// `#{mouse_any_flag}`.
    public func display(_ format: String) -> String {
        ((try? run(["display-message", "-p", "-t", name, format]))?.stdout ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The visible screen, one line per row (wrapped lines joined, `-J`);
    /// with `attributes`, the escape sequences of colours and attributes
    /// too (`-e`).
    public func capture(attributes: Bool = false) -> String {
        (try? run(["capture-pane", "-p", "-J"] + (attributes ? ["-e"] : []) + ["-t", name]))?.stdout ?? ""
    }

    /// Polls the screen every 50 ms until `predicate` holds; on timeout the
    /// test fails with the whole screen in the message.
    @discardableResult
    public func waitFor(timeout: TimeInterval = 10, _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (String) -> Bool) -> Bool {
        let timeout = timeout * testTimeScale
        let deadline = Date().addingTimeInterval(timeout)
        var screen = capture()
        while !predicate(screen) {
            if Date() >= deadline {
                let what = message.isEmpty ? "" : "\(message): "
                XCTFail("\(what)screen did not match within \(timeout) s; it shows (\(columns)x\(rows)):\n"
                        + framed(screen), file: file, line: line)
                return false
            }
            usleep(50_000)
            screen = capture()
        }
        return true
    }

    /// Resizes the window (and so the pane) to `cols` × `rows`.
    public func resize(cols: Int, rows: Int) {
        expectSuccess(["resize-window", "-t", name, "-x", "\(cols)", "-y", "\(rows)"])
        columns = cols
        self.rows = rows
    }

    /// Whether the command in the pane has exited, and how: its exit
    /// status, or 128 + the signal that killed it, as a shell reports it.
    /// tmux marks the pane dead when its terminal closes, which can be
    /// before it has reaped the command: `status` is nil until then.
    public var paneState: (dead: Bool, status: Int32?) {
        guard let result = try? run(["display-message", "-p", "-t", name,
                                     "#{pane_dead} #{pane_dead_status} #{pane_dead_signal} #{pid}"]),
              result.status == 0 else { return (true, nil) }
        let fields = result.stdout.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard fields.count == 4, fields[0] == "1" else { return (false, nil) }
        if let status = Int32(fields[1]) { return (true, status) }
        if let signal = Int32(fields[2]) { return (true, 128 + signal) }
        // tmux 3.3a sometimes never reaps a pane's command: seen here in a
        // quarter of `bpfnav demo` exits, where a first SIGCHLD of the
        // child is followed ~80 ms later by its exit, which the server's
        // log never shows; the zombie waits until the next SIGCHLD. Sending
        // one makes it reap (its handler only calls waitpid(WNOHANG)).
        if let server = pid_t(fields[3]) { Glibc.kill(server, SIGCHLD) }
        return (true, nil)
    }

    public var paneDead: Bool { paneState.dead }

    /// The command's exit status (128 + signal if a signal ended it); nil
    /// while it runs.
    public var exitStatus: Int32? { paneState.status }

    /// Waits for the command to exit; returns its status as `exitStatus`
    /// does, nil on timeout.
    public func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout * testTimeScale)
        while Date() < deadline {
            if let status = paneState.status { return status }
            usleep(50_000)
        }
        return paneState.status
    }

    /// The pid of the command in the pane.
    public var panePID: pid_t? {
        guard let result = try? run(["display-message", "-p", "-t", name, "#{pane_pid}"]) else { return nil }
        return pid_t(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Ends the server (the pane's command gets SIGHUP) and removes the
    /// session's directory. Also done on deinit.
    /// Sessions whose test process is gone (it crashed before its
    /// teardown), swept once per process: their browsers would otherwise
    /// run on, holding run-time statistics on. Only directories with an
    /// owner file, which only this harness writes, are touched.
    private static let sweptOnce: Void = {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []
        for entry in entries where entry.hasPrefix("bpfnav-tmux-") {
            let directory = "/tmp/" + entry
            guard let text = try? String(contentsOfFile: directory + "/owner", encoding: .utf8),
                  let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid != getpid(),
                  Glibc.kill(pid, 0) != 0, errno == ESRCH else { continue }
            for tmux in ["/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux"] where access(tmux, X_OK) == 0 {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: tmux)
                process.arguments = ["-S", directory + "/socket", "kill-server"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                if (try? process.run()) != nil { process.waitUntilExit() }
                break
            }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                unlink("\(directory)/\(name)")
            }
            rmdir(directory)
        }
    }()

    public func kill() {
        guard !killed else { return }
        killed = true
        _ = try? run(["kill-server"])
        removeDirectory()
    }

    private func removeDirectory() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            unlink("\(directory)/\(name)")
        }
        rmdir(directory)
    }

    private func framed(_ screen: String) -> String {
        let rule = "+" + String(repeating: "-", count: columns) + "+"
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        return ([rule] + lines.prefix(rows).map { "|\($0)" } + [rule]).joined(separator: "\n")
    }

    private func expectSuccess(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            let result = try run(arguments)
            if result.status != 0 {
                XCTFail("tmux \(arguments.joined(separator: " ")): exit \(result.status): \(result.stderr)", file: file, line: line)
            }
        } catch {
            XCTFail("tmux \(arguments.joined(separator: " ")): \(error)", file: file, line: line)
        }
    }

    /// Runs tmux on this session's socket to its end. `detached`: stdout
    /// goes to /dev/null (for a command that may fork the server).
    private func run(_ arguments: [String], environment: [String: String]? = nil,
                     detached: Bool = false) throws -> (status: Int32, stdout: String, stderr: String) {
        let errPath = "\(directory)/stderr-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(errPath) }
        var pipeFDs: [Int32] = [-1, -1]
        if !detached {
            guard pipe(&pipeFDs) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if detached {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        }
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The server lives on: it must not keep any of the test's fds (BPF
        // links, pipes of other children) open.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }

        let argv = [tmux, "-S", socket, "-f", "/dev/null"] + arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cargs { free(arg) } }
        let env = environment ?? ProcessInfo.processInfo.environment
        var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for entry in cenv { free(entry) } }

        // The server and everything it starts inherit the spawning thread's
        // signal mask and ignored signals: XCTest's threads can have
        // SIGCHLD or SIGINT blocked, which would keep tmux from reaping its
        // panes and the browser from seeing Ctrl-C. Start them clean.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let rc = posix_spawn(&child, tmux, &actions, &attributes, &cargs, &cenv)
        if !detached { close(pipeFDs[1]) }
        guard rc == 0 else {
            if !detached { close(pipeFDs[0]) }
            throw Failure(description: "posix_spawn \(tmux): \(String(cString: strerror(rc)))")
        }
        var output: [UInt8] = []
        if !detached {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(pipeFDs[0], &buffer, buffer.count)
                if n > 0 { output += buffer[0..<n]; continue }
                if n < 0, errno == EINTR { continue }
                break
            }
            close(pipeFDs[0])
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0, errno == EINTR {}
        let exited = (status & 0x7f) == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (code, String(decoding: output, as: UTF8.self), stderr)
    }
}

import Foundation
import Glibc
import TestSupport
import XCTest

/// A child process started with posix_spawn: stdin/stdout/stderr on
/// /dev/null and every other fd of the test process closed, so the test knows
/// exactly which fds it holds.
final class Child {
    let pid: pid_t
    private var stopped = false

    /// Runs `/bin/sh -c script` with `arguments` as $1, $2, …; `passing`
    /// gives the child fds of the test's (child's fd: test's fd), kept
    /// across the script's exec.
    init(shell script: String, arguments: [String] = [], passing: [Int32: Int32] = [:]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        for (target, source) in passing {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        // Every other fd of the test process stays out of the child.
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 && passing[fd] == nil {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        let argv = ["/bin/sh", "-c", script, "sh"] + arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cargs { free(arg) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, "/bin/sh", &actions, nil, &cargs, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        pid = child
    }

    /// The child's comm, from /proc.
    var comm: String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .newlines)
    }

    /// The child's state letter (R, S, D, …), from /proc/PID/stat.
    var state: Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[close...].dropFirst().first { $0 != " " }
    }

    /// Waits until the shell has exec'd `comm` and the program has finished
    /// starting: asleep (every child here ends in a sleep) with the same
    /// mappings twice in a row. A comm alone is set at exec, before the
    /// dynamic loader and the locale have mapped their files, and a test
    /// that compares /proc with an iterator would race them.
    func waitForExec(_ comm: String, timeout: TimeInterval = 5) -> Bool {
        var lastMaps: String?
        return waitUntil(timeout: timeout) {
            guard self.comm == comm, self.state == "S" else { return false }
            let maps = try? String(contentsOfFile: "/proc/\(self.pid)/maps", encoding: .utf8)
            defer { lastMaps = maps }
            return maps != nil && maps == lastMaps
        }
    }

    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    deinit { stop() }
}

/// Output and exit status of a command run to completion.
struct RunResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `executable` with `arguments`, capturing stdout and stderr.
func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    // stderr goes to a file: a large message (a verifier log) cannot block
    // the child while the test reads stdout.
    let errPath = NSTemporaryDirectory() + "bpfnav-test-stderr-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: errPath) }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle(forWritingAtPath: errPath)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let stderrData = FileManager.default.contents(atPath: errPath) ?? Data()
    return RunResult(status: process.terminationStatus, stdout: [UInt8](stdoutData),
                     stderr: String(decoding: stderrData, as: UTF8.self))
}

/// The bpfnav binary built beside the test bundle, or $BPFNAV_TEST_BINARY
/// (e.g. the static release build: `swift build -c release` then
/// `BPFNAV_TEST_BINARY=$PWD/.build/release/bpfnav ./dev test`).
let bpfnavBinary: String = {
    if let binary = ProcessInfo.processInfo.environment["BPFNAV_TEST_BINARY"], !binary.isEmpty { return binary }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("bpfnav").path
}()

/// The calling thread's id (gettid), from /proc/thread-self -> "PID/task/TID".
func currentTID() -> UInt32 {
    let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
    return UInt32(link.split(separator: "/").last ?? "") ?? 0
}

/// Starts another thread of this process, parked until `release` is called:
/// its tid, which is not the process's pid, and `release`.
func parkThread(file: StaticString = #filePath, line: UInt = #line) throws -> (tid: UInt32, release: () -> Void) {
    let tidBox = TidBox()
    let release = DispatchSemaphore(value: 0)
    let thread = Thread {
        tidBox.set(currentTID())
        release.wait()
    }
    thread.start()
    XCTAssertTrue(waitUntil { tidBox.get() != nil }, file: file, line: line)
    do {
        return (try XCTUnwrap(tidBox.get(), file: file, line: line), { release.signal() })
    } catch {
        release.signal()
        throw error
    }
}

private final class TidBox: @unchecked Sendable {
    private let lock = NSLock()
    private var tid: UInt32?
    func set(_ value: UInt32) { lock.withLock { tid = value } }
    func get() -> UInt32? { lock.withLock { tid } }
}

import BPFKit
import Foundation
import Iterators
import TestSupport
import XCTest

/// Base for tests that load real BPF programs and pin into a real bpffs.
///
/// Each test gets its own pin directory under /sys/fs/bpf, removed in
/// tearDown. Where BPF is unavailable the test is skipped with the reason,
/// unless BPFNAV_REQUIRE_BPF=1 (CI), where that is a failure.
class BPFTestCase: XCTestCase {
    private(set) var pinDirectory = ""
    /// The network namespace `bpfnav demo` makes in this test
    /// (BPFNAV_DEMO_NETNS): never a user's `bpfnav-demo`.
    private(set) var demoNetns = ""
    private var directory: TestDirectory?
    private var children: [Child] = []

    override class func setUp() {
        super.setUp()
        ProcessCacheDirectory.install()
        ProcessTemporaryDirectory.install()
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try requireBPF()
        let directory = try TestDirectory.onBPFFS()
        self.directory = directory
        pinDirectory = directory.path
        demoNetns = "bpfnav-test-\(getpid())-\(UInt32.random(in: 0..<0xffff_ffff) % 1_000_000)"
    }

    override func tearDownWithError() throws {
        for child in children { child.stop() }
        children.removeAll()
        // A demo the test left running: its namespace is the test's own.
        if !demoNetns.isEmpty, access("/run/netns/\(demoNetns)", F_OK) == 0 {
            _ = try? runCommand("/usr/bin/env", ["ip", "netns", "del", demoNetns])
        }
        if let directory {
            // The directory is this test's own: everything in it is too
            // (pins, and the program cache of the bpfnav runs it made).
            XCTAssertTrue(directory.remove(), "rmdir \(directory.path): \(String(cString: strerror(errno)))")
        }
        try super.tearDownWithError()
    }

    var pins: IterPins { IterPins(directory: pinDirectory) }

    /// Whether this kernel has task_vma iterators (5.12).
    var hasVMAs: Bool { Features.current.supports(.taskVMAIter) }

    /// `names` (commands or pin names) without the vmas ones where the
    /// kernel has no task_vma iterator; those get their own refusal tests
    /// (TaskVMATests).
    func onThisKernel(_ names: [String]) -> [String] {
        hasVMAs ? names : names.filter { !$0.hasPrefix("vmas") }
    }

    /// Runs the bpfnav binary with its program cache in this test's
    /// directory, so that nothing outlives the test.
    func bpfnav(_ arguments: String...) throws -> RunResult {
        try bpfnav(arguments)
    }

    func bpfnav(_ arguments: [String], environment extra: [String: String] = [:]) throws -> RunResult {
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        environment["BPFNAV_DEMO_NETNS"] = demoNetns
        environment.merge(extra) { $1 }
        return try runCommand(bpfnavBinary, arguments, environment: environment)
    }

    /// Starts a child that the test stops in tearDown.
    func spawn(_ child: Child) -> Child {
        children.append(child)
        return child
    }

    /// A unique name for objects this test creates (maps, comms).
    func uniqueName(_ prefix: String) -> String {
        "\(prefix)\(UInt32.random(in: 0..<0xffff_ffff) % 100_000)"
    }
}

/// The program and feature cache of the test process itself (what
/// `Features.current` and `ProgramCache.standard` use in-process): a
/// directory of its own, removed when the process exits, so that the tests
/// never write to bpfnav's default directory. bpfnav runs get each test's
/// own directory instead (`bpfnav(_:)`).
enum ProcessCacheDirectory {
    nonisolated(unsafe) static var path = ""

    static func install() {
        guard path.isEmpty, BPFFS.isBPFFS(BPFFS.defaultMount) else { return }
        let dir = "\(BPFFS.defaultMount)/bpfnav-test-\(getpid())-process"
        guard mkdir(dir, 0o700) == 0 else { return }
        path = dir
        setenv("BPFNAV_CACHE_DIR", dir, 1)
        atexit {
            let dir = ProcessCacheDirectory.path
            for name in (try? BPFFS.entries(of: dir)) ?? [] {
                let sub = "\(dir)/\(name)"
                for inner in (try? BPFFS.entries(of: sub)) ?? [] { unlink("\(sub)/\(inner)") }
                if rmdir(sub) != 0 { unlink(sub) }
            }
            rmdir(dir)
        }
    }
}

/// $TMPDIR of the test process and of every bpfnav it runs: a directory of
/// its own (mode 1777, as /tmp: unprivileged runs write there too), removed
/// when the process exits, so that the verifier logs the tests provoke on
/// purpose and their scratch files go with it.
enum ProcessTemporaryDirectory {
    nonisolated(unsafe) static var path = ""

    static func install() {
        guard path.isEmpty else { return }
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        let dir = "\(base)/bpfnav-tests-\(getpid())"
        guard mkdir(dir, 0o700) == 0 else { return }
        guard chmod(dir, 0o1777) == 0 else {
            rmdir(dir)
            return
        }
        path = dir
        setenv("TMPDIR", dir, 1)
        atexit { try? FileManager.default.removeItem(atPath: ProcessTemporaryDirectory.path) }
    }
}

import Glibc
import Netlink
import TestSupport
import XCTest

/// NetNamespaceScanner on a made-up /proc: each namespace is a file, a
/// process in it a hard link to that file at PID/ns/net (stat gives the
/// file's inode, as nsfs gives the namespace's), /run/netns names one the
/// same way. The scanner remembers each process by its pid and the inode of
/// its PID directory.
final class NamespaceScannerTests: XCTestCase {
    var root = ""
    var proc: String { "\(root)/proc" }
    var run: String { "\(root)/netns" }
    var now = 1000.0

    override func setUpWithError() throws {
        root = try temporaryDirectory("bpfnav-netns-scan")
        for directory in [proc, run, "\(root)/ns", "\(proc)/self", "\(proc)/self/ns"] {
            XCTAssertEqual(mkdir(directory, 0o755), 0, directory)
        }
        for namespace in ["home", "blue", "green", "red"] {
            let fd = open("\(root)/ns/\(namespace)", O_CREAT | O_WRONLY, 0o644)
            XCTAssertGreaterThanOrEqual(fd, 0)
            close(fd)
        }
        XCTAssertEqual(link("\(root)/ns/home", "\(proc)/self/ns/net"), 0)
    }

    func inode(_ namespace: String) -> UInt64 {
        var status = stat()
        XCTAssertEqual(stat("\(root)/ns/\(namespace)", &status), 0)
        return UInt64(status.st_ino)
    }

    /// Process `pid` in `namespace`, in a directory of its own: made beside
    /// and renamed into place, so that a pid made again gets a new inode.
    func start(_ pid: Int32, in namespace: String) {
        let made = "\(proc)/.new-\(pid)"
        XCTAssertEqual(mkdir(made, 0o755), 0)
        XCTAssertEqual(mkdir("\(made)/ns", 0o755), 0)
        XCTAssertEqual(link("\(root)/ns/\(namespace)", "\(made)/ns/net"), 0)
        if access("\(proc)/\(pid)", F_OK) == 0 { end(pid) }
        XCTAssertEqual(rename(made, "\(proc)/\(pid)"), 0)
    }

    func end(_ pid: Int32) {
        unlink("\(proc)/\(pid)/ns/net")
        rmdir("\(proc)/\(pid)/ns")
        XCTAssertEqual(rmdir("\(proc)/\(pid)"), 0)
    }

    /// setns(2) in place: the same process (directory), another namespace.
    func move(_ pid: Int32, to namespace: String) {
        XCTAssertEqual(unlink("\(proc)/\(pid)/ns/net"), 0)
        XCTAssertEqual(link("\(root)/ns/\(namespace)", "\(proc)/\(pid)/ns/net"), 0)
    }

    func scanner(interval: Double = 30) -> NetNamespaceScanner {
        NetNamespaceScanner(proc: proc, runDirectories: [run], rescanInterval: interval) { [unowned self] in now }
    }

    /// A scanner that has looked at every process twice: a new process is
    /// remembered once two looks at consecutive scans agree.
    func settled(interval: Double = 30) -> NetNamespaceScanner {
        let scanner = scanner(interval: interval)
        _ = scanner.scan()
        _ = scanner.scan()
        return scanner
    }

    /// What a scan that remembers nothing finds now.
    func everything() -> [NetNamespace] {
        NetNamespace.all(proc: proc, runDirectories: [run])
    }

    func labels(_ namespaces: [NetNamespace]) -> [String] {
        namespaces.map { "\($0.label)=\($0.inode)@\($0.path.dropFirst(root.count))" }
    }

    func testARememberingScanFindsWhatAFullOneFinds() {
        start(1, in: "home")
        start(7, in: "blue")
        start(3, in: "blue")
        start(9, in: "green")
        XCTAssertEqual(link("\(root)/ns/green", "\(run)/lab"), 0)
        let scanner = scanner()
        let full = NetNamespace.all(proc: proc, runDirectories: [run])
        XCTAssertEqual(labels(full), ["current=\(inode("home"))@/proc/1/ns/net", "lab=\(inode("green"))@/netns/lab",
                                      "pid 3=\(inode("blue"))@/proc/3/ns/net"])
        XCTAssertEqual(full.map(\.pid), [1, 9, 3])
        XCTAssertEqual(scanner.scan(), full)
        XCTAssertTrue(scanner.lastWasFull)
        XCTAssertEqual(scanner.scan(), full)
        XCTAssertFalse(scanner.lastWasFull)
        XCTAssertEqual(scanner.lastStats, 8, "self, the named one, each process looked at again, and the two paths to enter by pid")
        XCTAssertEqual(scanner.scan(), full)
        XCTAssertFalse(scanner.lastWasFull)
        XCTAssertEqual(scanner.lastStats, 4, "self, the named one, and the two paths to enter by pid: no process")
    }

    func testANewProcessInANewNamespaceIsFoundAtTheNextScan() {
        start(1, in: "home")
        let scanner = settled()
        XCTAssertEqual(scanner.scan().map(\.inode), [inode("home")])
        XCTAssertEqual(scanner.lastStats, 2, "self and the path to enter")
        start(40, in: "red")
        let found = scanner.scan()
        XCTAssertEqual(found.map(\.inode), [inode("home"), inode("red")])
        XCTAssertFalse(scanner.lastWasFull)
        XCTAssertEqual(scanner.lastStats, 4, "self, the new process, and the two paths to enter")
        XCTAssertEqual(found, everything())
        XCTAssertEqual(scanner.scan(), found)
        XCTAssertEqual(scanner.lastStats, 4, "the new process looked at a second time")
        XCTAssertEqual(scanner.scan(), found)
        XCTAssertEqual(scanner.lastStats, 3, "self and the two paths to enter: no process")
    }

    func testAVanishedProcessIsDropped() {
        start(1, in: "home")
        start(5, in: "blue")
        start(6, in: "blue")
        start(8, in: "red")
        let scanner = settled()
        XCTAssertEqual(scanner.scan().map(\.pid), [1, 5, 8])
        end(5)
        end(8)
        let found = scanner.scan()
        XCTAssertFalse(scanner.lastWasFull)
        XCTAssertEqual(found.map(\.pid), [1, 6], "blue entered through 6 now; red has no process left")
        XCTAssertEqual(found.map(\.path).last, "\(proc)/6/ns/net")
        XCTAssertEqual(found, everything())
        // Forgotten: a process made again with pid 8 is looked at.
        start(8, in: "green")
        XCTAssertEqual(scanner.scan().map(\.inode), [inode("home"), inode("blue"), inode("green")])
        XCTAssertFalse(scanner.lastWasFull)
        XCTAssertEqual(scanner.lastStats, 5, "self, pid 8, and the three paths to enter")
    }

    func testAReusedPidIsANewProcess() {
        start(1, in: "home")
        start(9, in: "blue")
        start(12, in: "blue")
        let scanner = settled()
        XCTAssertEqual(scanner.scan().map(\.inode), [inode("home"), inode("blue")])
        // 12 exits and another process gets its pid, in another namespace.
        start(12, in: "red")
        let found = scanner.scan()
        XCTAssertEqual(found.map(\.inode), [inode("home"), inode("blue"), inode("red")])
        XCTAssertFalse(scanner.lastWasFull)
        XCTAssertEqual(scanner.lastStats, 5, "self, the new 12, and the three paths to enter")
        XCTAssertEqual(found, everything())
    }

    func testAProcessThatChangesNamespaceInPlaceIsFoundByTheRescan() {
        start(1, in: "home")
        start(20, in: "blue")
        start(21, in: "blue")
        let scanner = settled(interval: 30)
        XCTAssertEqual(scanner.scan().map(\.inode), [inode("home"), inode("blue")])
        // 21 (not the pid blue is entered through) unshares into red: the
        // remembered namespace stands until the rescan.
        move(21, to: "red")
        now += 10
        XCTAssertEqual(scanner.scan().map(\.inode), [inode("home"), inode("blue")])
        XCTAssertFalse(scanner.lastWasFull)
        now += 20
        let rescanned = scanner.scan()
        XCTAssertEqual(rescanned.map(\.inode), [inode("home"), inode("blue"), inode("red")])
        XCTAssertTrue(scanner.lastWasFull)
        XCTAssertEqual(rescanned, everything())
        now += 1
        _ = scanner.scan()
        XCTAssertFalse(scanner.lastWasFull, "the interval counts from the rescan")
        XCTAssertEqual(scanner.lastStats, 5, "self, 21 looked at a second time, and the three paths to enter")
        XCTAssertEqual(scanner.scan(), rescanned)
        XCTAssertEqual(scanner.lastStats, 4)
    }

    /// `unshare -n`, `ip netns exec`: a process seen before it leaves its
    /// parent's namespace is looked at again at the next scan.
    func testAProcessThatMovesRightAfterItIsFirstSeenIsFoundAtTheNextScan() {
        start(1, in: "home")
        start(30, in: "blue")
        let scanner = settled()
        start(31, in: "blue")
        XCTAssertEqual(scanner.scan().map(\.inode), [inode("home"), inode("blue")])
        move(31, to: "red")
        now += 1
        let found = scanner.scan()
        XCTAssertFalse(scanner.lastWasFull)
        XCTAssertEqual(found.map(\.inode), [inode("home"), inode("blue"), inode("red")])
        XCTAssertEqual(found, everything())
    }

    func testAPathThatLeadsElsewhereMakesTheScanFull() {
        start(1, in: "home")
        start(20, in: "blue")
        start(21, in: "blue")
        let scanner = settled(interval: 30)
        // 20, through which blue is entered, moves to red: never enter
        // "blue" through it.
        move(20, to: "red")
        now += 1
        let found = scanner.scan()
        XCTAssertTrue(scanner.lastWasFull)
        XCTAssertEqual(labels(found), ["current=\(inode("home"))@/proc/1/ns/net", "pid 20=\(inode("red"))@/proc/20/ns/net",
                                       "pid 21=\(inode("blue"))@/proc/21/ns/net"])
    }

    func testANamedNamespaceIsReadEveryScan() {
        start(1, in: "home")
        let scanner = scanner()
        XCTAssertEqual(scanner.scan().count, 1)
        XCTAssertEqual(link("\(root)/ns/blue", "\(run)/blue"), 0)
        XCTAssertEqual(scanner.scan().map(\.label), ["current", "blue"])
        XCTAssertEqual(unlink("\(run)/blue"), 0)
        XCTAssertEqual(scanner.scan().map(\.label), ["current"])
    }

    func testAClockThatGoesBackMakesTheScanFull() {
        start(1, in: "home")
        let scanner = scanner()
        _ = scanner.scan()
        now -= 5
        _ = scanner.scan()
        XCTAssertTrue(scanner.lastWasFull)
    }

    func testWithoutAnIntervalEveryScanIsFull() {
        start(1, in: "home")
        start(2, in: "blue")
        let scanner = scanner(interval: 0)
        _ = scanner.scan()
        _ = scanner.scan()
        XCTAssertTrue(scanner.lastWasFull)
        XCTAssertEqual(scanner.lastStats, 3)
    }
}

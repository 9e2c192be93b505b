import Glibc
@testable import Platform
import XCTest

final class ProcessStatTests: XCTestCase {
    func testStatFieldsAfterACommWithSpacesAndParentheses() {
        // pid (comm) state ppid … utime(14) stime(15) … rss(24)
        var fields = ["S"] + (4...30).map { "\($0 * 0)" }
        fields[14 - 3] = "150"   // utime, ticks
        fields[15 - 3] = "50"    // stime
        fields[24 - 3] = "256"   // rss, pages
        let line = "1234 (a (b) c) " + fields.joined(separator: " ") + "\n"
        let stat = ProcessStat.parse(Array(line.utf8), ticksPerSecond: 100, pageSize: 4096)
        XCTAssertEqual(stat, ProcessStat(cpuTime: 2_000_000_000, rss: 1 << 20))
    }

    func testTruncatedStatIsNil() {
        XCTAssertNil(ProcessStat.parse(Array("1 (x) S 0 1".utf8)))
        XCTAssertNil(ProcessStat.parse(Array("no comm".utf8)))
    }

    func testOwnProcessIsReadable() throws {
        let stat = try XCTUnwrap(ProcessStat.read(pid: UInt32(getpid())))
        XCTAssertGreaterThan(stat.rss, 0)
        let line = try XCTUnwrap(ProcessStat.commandLine(pid: UInt32(getpid())))
        XCTAssertFalse(line.contains(0))
    }

    func testArgumentsJoinWithSpaces() {
        XCTAssertEqual(ProcessStat.arguments(Array("sleep\u{0}30\u{0}".utf8)), Array("sleep 30".utf8))
        XCTAssertNil(ProcessStat.arguments([0, 0]), "a kernel thread's empty cmdline")
        XCTAssertNil(ProcessStat.arguments([]))
    }

    func testUserNamesFromPasswdFirstNameWinsAndUnknownIsANumber() throws {
        let text = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"
            + "alias:x:1000:1000::/:/bin/sh\nbroken line\n:x:5:5::/:/bin/sh\n"
        XCTAssertEqual(UserNames.parse(Array(text.utf8)), [0: "root", 1000: "alice"])

        var template = Array("/tmp/bpfnav-passwd-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let path = String(cString: template)
        defer { unlink(path) }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let names = UserNames(path: path)
        XCTAssertEqual(names.name(1000), "alice")
        // Read once: a change to the file is not seen by the cache.
        unlink(path)
        XCTAssertEqual(names.name(0), "root", "cached after the first look-up")
        XCTAssertEqual(names.name(4242), "4242")
    }
}

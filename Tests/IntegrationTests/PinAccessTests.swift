import BPFKit
import Foundation
import XCTest

/// Pin permissions: private by default, shared only when asked, with a
/// warning for pins that show other users' paths.
final class PinAccessTests: BPFTestCase {
    private func mode(_ path: String) -> (mode: mode_t, gid: gid_t) {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0, path)
        return (st.st_mode & 0o777, st.st_gid)
    }

    func testPrivateByDefaultSharedWhenAsked() throws {
        let dir = pinDirectory + "/sub"
        let plain = try bpfnav("pin", "tasks", "--dir", dir)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(mode(dir).mode, 0o700)
        XCTAssertEqual(mode(dir + "/tasks").mode, 0o600)
        XCTAssertEqual(plain.stderr, "")

        let shared = try bpfnav("pin", "files", "--pid", "\(getpid())", "--mode", "640", "--group", "65534", "--dir", dir)
        XCTAssertEqual(shared.status, 0, shared.stderr)
        let pin = dir + "/files-pid-\(getpid())"
        XCTAssertEqual(mode(pin).mode, 0o640)
        XCTAssertEqual(mode(pin).gid, 65534)
        XCTAssertTrue(shared.stderr.contains("warning") && shared.stderr.contains("other users' file paths"), shared.stderr)

        // Pinning the same name again without --mode does not keep it wider.
        let again = try bpfnav("pin", "files", "--pid", "\(getpid())", "--dir", dir)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(mode(pin).mode, 0o600)

        for bad in ["777", "abc", "400", "1600", ""] {
            let result = try bpfnav("pin", "tasks", "--mode", bad, "--dir", dir)
            XCTAssertEqual(result.status, 64, "--mode \(bad): \(result.stderr)")
        }
        let noGroup = try bpfnav("pin", "tasks", "--group", "no-such-group-here", "--dir", dir)
        XCTAssertEqual(noGroup.status, 64)
        // A group by name, as /etc/group has it.
        let byName = try bpfnav("pin", "tasks", "--name", "named-group", "--mode", "640", "--group", "nogroup", "--dir", dir)
        XCTAssertEqual(byName.status, 0, byName.stderr)
        XCTAssertEqual(mode(dir + "/named-group").gid, 65534)

        for name in try BPFFS.entries(of: dir) { unlink(dir + "/" + name) }
        rmdir(dir)
    }
}

/// Running out of file descriptors: a clear error with what to do, and no
/// half-made set of pins.
final class ResourceLimitTests: BPFTestCase {
    func testTooManyOpenFiles() throws {
        let dir = pinDirectory + "/limited"
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        environment["BPFNAV_NO_CACHE"] = "1"
        for limit in [6, 8, 10, 12, 14] {
            let result = try runCommand("/bin/sh", ["-c", "ulimit -n \(limit) && exec \"$0\" pin --dir \"$1\"", bpfnavBinary, dir],
                                        environment: environment)
            // The manifest is made before the first pin, and stays.
            let all = BPFFS.isDirectory(dir) ? try BPFFS.entries(of: dir) : []
            let names = all.filter { $0 != "bpfnav-manifest" }
            if result.status == 0 {
                XCTAssertEqual(Set(names), ["tasks", "files", "vmas", "maps"], "limit \(limit)")
            } else if limit <= 6 {
                // With almost no fds, libbpf itself fails part way through a
                // program load and reports EINVAL: still a clear failure.
                XCTAssertTrue(result.stderr.hasPrefix("bpfnav: "), "limit \(limit): \(result.stderr)")
            } else {
                XCTAssertTrue(result.stderr.contains("EMFILE") && result.stderr.contains("ulimit -n"),
                              "limit \(limit): \(result.stderr)")
                XCTAssertEqual(names, [], "limit \(limit): no partial set of pins")
            }
            for name in all { unlink(dir + "/" + name) }
        }
        rmdir(dir)
    }
}

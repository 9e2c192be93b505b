import BPFKit
import Foundation
import XCTest

/// What works with which capabilities (docs/errors.md's table), run as the
/// unprivileged user nobody through setpriv.
final class PrivilegeTests: BPFTestCase {
    private var binary = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs setpriv (util-linux)")
        }
        // nobody must be able to run the binary: the build directory may not
        // be world-readable.
        binary = NSTemporaryDirectory() + "bpfnav-caps-\(getpid())"
        try? FileManager.default.removeItem(atPath: binary)
        try FileManager.default.copyItem(atPath: bpfnavBinary, toPath: binary)
        chmod(binary, 0o755)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: binary)
        try super.tearDownWithError()
    }

    /// Runs bpfnav as nobody with exactly `caps` (e.g. "+bpf,+perfmon").
    private func asNobody(_ caps: String, _ arguments: String...) throws -> RunResult {
        try runArgs(caps, arguments)
    }

    func testBPFAndPerfmonAreEnoughForIterators() throws {
        for kind in onThisKernel(["tasks", "files", "vmas", "maps"]) {
            let result = try asNobody("+bpf,+perfmon", kind, "--pid", "\(getpid())", "--json")
            if kind == "maps" { continue }
            XCTAssertEqual(result.status, 0, "\(kind): \(result.stderr)")
            let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]], kind)
            XCTAssertTrue(array.contains { $0["pid"] as? Int == Int(getpid()) }, "\(kind) shows this process")
        }
        // maps falls back to the bpf_map iterator without CAP_SYS_ADMIN.
        let maps = try asNobody("+bpf,+perfmon", "maps", "--json")
        XCTAssertEqual(maps.status, 0, maps.stderr)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(maps.stdout)) as? [[String: Any]])
    }

    func testObjectsByIdNeedSysAdminAndSaySo() throws {
        for arguments in [["progs"], ["links"], ["map", "dump", "1"], ["prog", "1"]] {
            let result = try runArgs("+bpf,+perfmon", arguments)
            XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("CAP_SYS_ADMIN") && result.stderr.contains("EPERM"),
                          "\(arguments): \(result.stderr)")
        }
    }

    func testNoCapabilitiesFailFastNamingWhatIsMissing() throws {
        for arguments in [["tasks"], ["files", "--json"], ["pin", "--dir", pinDirectory], ["demo", "--no-browse", "--dir", pinDirectory]] {
            let result = try runArgs("", arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            let text = result.stderr + result.text
            XCTAssertTrue(text.contains("CAP_BPF") && text.contains("CAP_PERFMON"), "\(arguments): \(text)")
        }
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), [], "nothing was pinned")
    }

    private func runArgs(_ caps: String, _ arguments: [String]) throws -> RunResult {
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_NO_CACHE"] = "1"  // nobody cannot write the test's 0700 directory
        return try runCommand("/usr/bin/setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups",
                                                   "--inh-caps=-all\(caps.isEmpty ? "" : "," + caps)",
                                                   "--ambient-caps=-all\(caps.isEmpty ? "" : "," + caps)",
                                                   binary] + arguments, environment: environment)
    }
}

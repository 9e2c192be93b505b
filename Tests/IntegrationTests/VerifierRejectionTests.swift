import BPFKit
import Encoding
import Foundation
import XCTest
@testable import BPFNavCLI

/// A program the verifier refuses (Fixtures/verifier_reject.bpf.c), loaded
/// for real with the capabilities it needs: the error names the program and
/// the verifier's reason, never says "run as root", and the file it names
/// holds the whole log, far longer than libbpf's print callback once kept.
final class VerifierRejectionTests: BPFTestCase {
    private var savedLogs: [String] = []

    override func tearDownWithError() throws {
        for path in savedLogs { unlink(path) }
        try super.tearDownWithError()
    }

    private func rejection() throws -> BPFError {
        let object = try BPFObject(elf: try Fixture.compile("verifier_reject.bpf.c"), name: "verifier_reject")
        do {
            try object.load()
        } catch {
            if let path = error.logPath { savedLogs.append(path) }
            return error
        }
        XCTFail("the verifier accepted bpfnav_rejected_fx")
        throw XCTSkip("nothing to check")
    }

    func testRejectionNamesProgramAndReason() throws {
        let error = try rejection()
        XCTAssertTrue(error.message.hasPrefix("the kernel's verifier rejected bpfnav_rejected_fx: "), error.description)
        XCTAssertTrue(error.message.contains("invalid mem access 'map_value_or_null'"), error.description)
        // The verifier's error line, on every kernel; 7.x's report after
        // it (its last section a suggestion) is not the reason.
        XCTAssertEqual(error.cause, "R0 invalid mem access 'map_value_or_null'", error.description)
        if error.log?.contains("\nVerification failed:") == true {
            XCTAssertTrue(error.hint?.contains("; the verifier suggests: Add a NULL check") ?? false, error.description)
        }
        XCTAssertTrue([EACCES, EINVAL].contains(error.errno), "errno kept: \(error.errnoName)")
        XCTAssertTrue(error.message.hasSuffix("(\(error.errnoName))"), error.message)
        XCTAssertFalse(error.description.contains("run as root"), error.description)
        XCTAssertTrue(error.description.contains("verifier_reject"), "names the object: \(error.description)")
        // libbpf's DEBUG lines (CO-RE, map creation) are not kept.
        XCTAssertFalse(error.log?.contains("libbpf: loaded kernel BTF") ?? false)
        XCTAssertFalse(error.log?.contains("sec 'iter/task'") ?? false)
    }

    func testTheNamedFileHoldsTheWholeLog() throws {
        let error = try rejection()
        let path = try XCTUnwrap(error.logPath, error.description)
        XCTAssertTrue(error.description.contains(path), error.description)
        let name = (path as NSString).lastPathComponent
        XCTAssertTrue(name.hasPrefix("bpfnav-verifier-bpfnav_rejected_fx-") && name.hasSuffix(".log"), name)
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
        XCTAssertEqual(st.st_uid, getuid())
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertGreaterThan(text.utf8.count, 4096, "longer than the old 4 KiB message buffer")
        let lines = text.split(separator: "\n")
        XCTAssertTrue(lines.last?.hasPrefix("processed ") ?? false, "ends with the verifier's summary: \(lines.suffix(3))")
        XCTAssertTrue(lines.contains { $0.contains("invalid mem access 'map_value_or_null'") })
        XCTAssertTrue(lines.prefix(5).contains { $0.hasPrefix("0: ") }, "from the first instruction: \(lines.prefix(5))")
        // The same log the error carries, whole.
        XCTAssertTrue(error.log?.contains(text) ?? false)
    }

    /// The CLI's printer with the real error: the message on stderr with the
    /// file, the log itself only with --verbose; with --json, a "log" field.
    func testCLIMessage() throws {
        let error = try rejection()
        let path = try XCTUnwrap(error.logPath)
        let plain = capture { CLI.report(error, json: false) }
        XCTAssertTrue(plain.stderr.hasPrefix("bpfnav: the kernel's verifier rejected bpfnav_rejected_fx: "), plain.stderr)
        XCTAssertTrue(plain.stderr.contains(path))
        XCTAssertFalse(plain.stderr.contains("run as root"))
        XCTAssertLessThan(plain.stderr.split(separator: "\n").count, 5, plain.stderr)
        let verbose = capture { CLI.report(error, json: false, verbose: true) }
        XCTAssertTrue(verbose.stderr.contains("processed "), "--verbose prints the whole log")
        let json = capture { CLI.report(error, json: true) }
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["log"] as? String, path)
        XCTAssertEqual(object["errno"] as? String, error.errnoName)
    }

    private func capture(_ body: () -> Void) -> (stdout: String, stderr: String) {
        Output.standardOutput.flush()
        Output.standardError.flush()
        func temporary() -> (Int32, String) {
            var template = Array((NSTemporaryDirectory() + "/bpfnav-verifier-capture-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            return (fd, template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        let (outFD, outPath) = temporary(), (errFD, errPath) = temporary()
        let savedOut = dup(1), savedErr = dup(2)
        dup2(outFD, 1)
        dup2(errFD, 2)
        body()
        Output.standardOutput.flush()
        Output.standardError.flush()
        dup2(savedOut, 1)
        dup2(savedErr, 2)
        close(savedOut); close(savedErr); close(outFD); close(errFD)
        defer { unlink(outPath); unlink(errPath) }
        return ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

import Foundation
import XCTest
@testable import BPFKit

/// A refused program: the program and the verifier's reason found in
/// libbpf's messages, the message and hint chosen from the capabilities
/// held, and the whole log saved to a file of its own. No privileges.
final class VerifierLogTests: XCTestCase {
    /// What libbpf 1.1 prints when the kernel refuses `program` (its
    /// warnings; the DEBUG lines are not kept).
    static func libbpfMessages(program: String, log: String, errno: String = "Permission denied") -> String {
        "libbpf: prog '\(program)': BPF program load failed: \(errno)\n"
            + "libbpf: prog '\(program)': -- BEGIN PROG LOAD LOG --\n\(log)-- END PROG LOAD LOG --\n"
            + "libbpf: prog '\(program)': failed to load: -13\n"
            + "libbpf: failed to load object 'task_vma'\n"
    }

    /// 6.18.44's refusal of bpf_d_path on vma->vm_file (issue 10).
    static let untrustedLog = """
        reg type unsupported for arg#0 function bpfnav_vma_text#25
        0: R1=ctx() R10=fp0
        ; int bpfnav_vma_text(struct bpf_iter__task_vma *ctx) @ task_vma.bpf.c:97
        0: (79) r6 = *(u64 *)(r1 +16)         ; R1=ctx() R6_w=ptr_or_null_vm_area_struct(id=1)
        1: (15) if r6 == 0x0 goto pc+40       ; R6_w=ptr_vm_area_struct()
        ; path = vma->vm_file @ task_vma.bpf.c:104
        12: (85) call bpf_d_path#147
        R1 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_
        processed 13 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1

        """

    func testReasonIsTheLastLineBeforeTheSummary() {
        XCTAssertEqual(VerifierLog.reason(in: Self.untrustedLog), "R1 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_")
        let nullDeref = """
            0: R1=ctx() R10=fp0
            0: (b7) r1 = 0                        ; R1_w=0
            5: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0)
            6: (79) r1 = *(u64 *)(r0 +0)
            R0 invalid mem access 'map_value_or_null'
            verification time 37 usec
            stack depth 4
            processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

            """
        XCTAssertEqual(VerifierLog.reason(in: nullDeref), "R0 invalid mem access 'map_value_or_null'")
        // 5.10 prints the reason and the summary with nothing between.
        XCTAssertEqual(VerifierLog.reason(in: "BPF_STX uses reserved fields\nprocessed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"),
                       "BPF_STX uses reserved fields")
        // 6.1 after bpf_d_path: the reason is followed by a line of state.
        XCTAssertEqual(VerifierLog.reason(in: """
            34: (71) r1 = *(u8 *)(r6 +0)
            R6 unbounded memory access, make sure to bounds check any such access
            processed 40 insns (limit 1000000) max_states_per_insn 0 total_states 3 peak_states 3 mark_read 2
            """), "R6 unbounded memory access, make sure to bounds check any such access")
    }

    // MARK: - Real logs of Fixtures/verifier_reject.bpf.c (a map value used
    // without a NULL check), their last lines as each kernel wrote them.

    /// Debian's 5.10.0-32: precision-tracking lines, no state after the
    /// instructions.
    static let rejectLog5_10 = """
        601: (b4) w1 = 0
        ; __u32 key = 0;
        602: (63) *(u32 *)(r10 -4) = r1
        last_idx 602 first_idx 0
        regs=2 stack=0 before 601: (b4) w1 = 0
        ; value = bpf_map_lookup_elem(&counts, &key);
        605: (18) r1 = 0xffff990341eff400
        607: (85) call bpf_map_lookup_elem#1
        ; return *value ? 1 : 0;
        608: (79) r1 = *(u64 *)(r0 +0)
        R0 invalid mem access 'map_value_or_null'
        processed 607 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

        """

    /// Debian's 6.1.0-50: register state beside each instruction.
    static let rejectLog6_1 = """
        601: (b4) w1 = 0                      ; R1_w=0
        ; __u32 key = 0;
        602: (63) *(u32 *)(r10 -4) = r1       ; R1_w=0 R10=fp0 fp-8=0000????
        ; value = bpf_map_lookup_elem(&counts, &key);
        605: (18) r1 = 0xff11442301968c00     ; R1_w=map_ptr(off=0,ks=4,vs=8,imm=0)
        607: (85) call bpf_map_lookup_elem#1          ; R0_w=map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0)
        ; return *value ? 1 : 0;
        608: (79) r1 = *(u64 *)(r0 +0)
        R0 invalid mem access 'map_value_or_null'
        processed 607 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

        """

    /// Debian's 7.3.4 (trixie-backports): after the error line, a report
    /// whose last section is a suggestion, then the summary.
    static let rejectLog7_3 = """
        601: (b4) w1 = 0                      ; R1=0
        ; __u32 key = 0; @ verifier_reject.bpf.c:27
        602: (63) *(u32 *)(r10 -4) = r1       ; R1=0 R10=fp0 fp-8=0000????
        ; value = bpf_map_lookup_elem(&counts, &key); @ verifier_reject.bpf.c:33
        605: (18) r1 = 0xff23b8a242864800     ; R1=map_ptr(map=counts,ks=4,vs=8)
        607: (85) call bpf_map_lookup_elem#1          ; R0=map_value_or_null(id=1,map=counts,ks=4,vs=8)
        ; return *value ? 1 : 0; @ verifier_reject.bpf.c:35
        608: (79) r1 = *(u64 *)(r0 +0)
        R0 invalid mem access 'map_value_or_null'

        Verification failed: Register Type Safety: Invalid dereference

        Reason:
          R0 may be NULL here (a nullable map value pointer). The program could dereference NULL on this
          path, so the verifier cannot prove this access is safe.

        At:
          bpfnav_rejected_fx @ verifier_reject.bpf.c:35:9
          Source context:
              33 |         value = bpf_map_lookup_elem(&counts, &key);
              34 | ...
          >>> 35 |         return *value ? 1 : 0;
                 |         ^-- error: invalid dereference of R0 (a nullable map value pointer)
              36 | ...
              37 | ...
          Instruction context:
              607 | (85) call bpf_map_lookup_elem#1
          >>> 608 | (79) r1 = *(u64 *)(r0 +0)
              609 | (b4) w0 = 1
              610 | (55) if r1 != 0x0 goto pc+1

        Causal path:
          bpfnav_rejected_fx @ verifier_reject.bpf.c:33:10
          Source context:
              31 | ...
              32 |                 sink += i;
          >>> 33 |         value = bpf_map_lookup_elem(&counts, &key);
                 |         ^-- update: R0 changed from uninitialized value to nullable map value from counts
                 |             at offset 0
              34 | ...
              35 |         return *value ? 1 : 0;
          Instruction context:
              605 | (18) r1 = 0xff23b8a242864800
          >>> 607 | (85) call bpf_map_lookup_elem#1
              608 | (79) r1 = *(u64 *)(r0 +0)
              609 | (b4) w0 = 1

        Suggestion:
          Add a NULL check before the access and dereference the pointer only on the non-NULL path.

        processed 607 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

        """

    /// 7.3.4 on a program that returns without setting R0: the whole log.
    static let uninitializedR0Log7_3 = """
        0: R1=ctx() R10=fp0
        0: (95) exit
        R0 !read_ok

        Verification failed: Register Type Safety: Unreadable register

        Reason:
          R0 has never been initialized on this path, so the verifier cannot use it as an input.

        At:
          insn 0
               | ^-- error: R0 is not readable
          Instruction context:
          >>> 0 | (95) exit

        Causal path:
          no retained diagnostic events on this path

        Suggestion:
          Initialize R0 on every path before this instruction.

        processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0

        """

    func testReasonIsTheErrorLineOnEveryKernel() {
        for (kernel, log) in [("5.10", Self.rejectLog5_10), ("6.1", Self.rejectLog6_1), ("7.3", Self.rejectLog7_3)] {
            let parsed = VerifierLog(program: "bpfnav_rejected_fx", text: log)
            XCTAssertEqual(parsed.reason, "R0 invalid mem access 'map_value_or_null'", kernel)
        }
        XCTAssertNil(VerifierLog(program: "p", text: Self.rejectLog5_10).suggestion)
        XCTAssertNil(VerifierLog(program: "p", text: Self.rejectLog6_1).suggestion)
        XCTAssertEqual(VerifierLog(program: "p", text: Self.rejectLog7_3).suggestion,
                       "Add a NULL check before the access and dereference the pointer only on the non-NULL path.")
        let r0 = VerifierLog(program: "bad_ret", text: Self.uninitializedR0Log7_3)
        XCTAssertEqual(r0.reason, "R0 !read_ok")
        XCTAssertEqual(r0.suggestion, "Initialize R0 on every path before this instruction.")
    }

    func testReportWithoutAnErrorLineBeforeIt() {
        // Only the report: its headline says what failed.
        let log = "0: (95) exit\n\nVerification failed: Register Type Safety: Unreadable register\n\nSuggestion:\n  Initialize R0.\n\nprocessed 1 insns (limit 1000000)\n"
        XCTAssertEqual(VerifierLog.reason(in: log), "Verification failed: Register Type Safety: Unreadable register")
        // A suggestion too long for a hint stays in the log.
        let long = "R0 !read_ok\n\nVerification failed: x\n\nSuggestion:\n  " + String(repeating: "word ", count: 40) + "\n\nprocessed 1 insns (limit 1000000)\n"
        XCTAssertNil(VerifierLog.suggestion(in: long))
        XCTAssertEqual(VerifierLog.reason(in: long), "R0 !read_ok")
    }

    /// The message names the error; the suggestion is the hint's.
    func testSuggestionIsInTheHint() {
        let e = error(log: Self.libbpfMessages(program: "bpfnav_rejected_fx", log: Self.rejectLog7_3), capabilities: root)
        XCTAssertEqual(e.message, "the kernel's verifier rejected bpfnav_rejected_fx: R0 invalid mem access 'map_value_or_null' (EACCES)")
        XCTAssertEqual(e.hint, "in BPF object task_vma; the verifier suggests: Add a NULL check before the access and dereference the pointer only on the non-NULL path.")
        let old = error(log: Self.libbpfMessages(program: "bpfnav_rejected_fx", log: Self.rejectLog6_1), capabilities: root)
        XCTAssertEqual(old.hint, "in BPF object task_vma")
    }

    func testReasonWithoutASummary() {
        // Too large: the kernel stops before its summary line.
        XCTAssertEqual(VerifierLog.reason(in: "0: (b7) r0 = 0\nBPF program is too large. Processed 1000001 insn\n"),
                       "BPF program is too large. Processed 1000001 insn")
        // libbpf's own note on a poisoned CO-RE relocation comes last.
        XCTAssertEqual(VerifierLog.reason(in: "14: <invalid CO-RE relocation>\nfailed to resolve CO-RE relocation <byte_off> [7] struct task_struct.__state (0:1 @ offset 16)\n"),
                       "failed to resolve CO-RE relocation <byte_off> [7] struct task_struct.__state (0:1 @ offset 16)")
        XCTAssertNil(VerifierLog.reason(in: ""))
        XCTAssertNil(VerifierLog.reason(in: "0: (b7) r0 = 0\n; return 0;\nprocessed 1 insns (limit 1000000)\n"))
    }

    func testProgramAndWholeLogFromLibbpfMessages() throws {
        let long = (0..<2_000).map { "\($0): (07) r1 += 1                       ; R1_w=\($0)\n" }.joined()
            + "R0 invalid mem access 'map_value_or_null'\nprocessed 2001 insns (limit 1000000)\n"
        let parsed = try XCTUnwrap(VerifierLog(libbpfMessages: Self.libbpfMessages(program: "bpfnav_rejected_fx", log: long)))
        XCTAssertEqual(parsed.program, "bpfnav_rejected_fx")
        XCTAssertEqual(parsed.text, long, "the whole log, not a 4 KiB piece")
        XCTAssertEqual(parsed.reason, "R0 invalid mem access 'map_value_or_null'")
        XCTAssertNil(VerifierLog(libbpfMessages: "libbpf: failed to find BTF for extern 'x'\n"))
        // A failed load whose log libbpf did not pass on: no verifier log.
        XCTAssertNil(VerifierLog(libbpfMessages: "libbpf: prog 'p': BPF program load failed: Operation not permitted\n"))
    }

    // MARK: - The message and hint

    private let root = Capabilities(effective: 1 << UInt64(Capabilities.sysAdmin))
    private let unprivileged = Capabilities(effective: 0)

    private func error(code: Int32 = EACCES, log: String, capabilities: Capabilities, fdsShort: Bool = false,
                       saved: String? = "/tmp/bpfnav-verifier-p-abc123.log") -> BPFError {
        BPFObject.loadError(object: "task_vma", code: code, log: log, capabilities: capabilities, fdsShort: fdsShort) { _ throws(BPFError) in
            guard let saved else { throw BPFError("create a file for the verifier's log in", "/tmp", errno: EROFS) }
            return saved
        }
    }

    func testRefusalWithTheCapabilitiesIsTheVerifiers() {
        let log = Self.libbpfMessages(program: "bpfnav_vma_text", log: Self.untrustedLog)
        for code in [EACCES, EINVAL, EPERM] {
            let e = error(code: code, log: log, capabilities: root)
            XCTAssertEqual(e.message, "the kernel's verifier rejected bpfnav_vma_text: R1 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_ (\(Errno.name(code)))")
            XCTAssertEqual(e.errno, code)
            XCTAssertEqual(e.logPath, "/tmp/bpfnav-verifier-p-abc123.log")
            XCTAssertEqual(e.log, log)
            XCTAssertFalse(e.description.contains("run as root"), e.description)
            XCTAssertTrue(e.description.contains("task_vma"), "names the object: \(e.description)")
            XCTAssertTrue(e.description.hasSuffix("\n  the verifier's whole log is in /tmp/bpfnav-verifier-p-abc123.log"), e.description)
        }
        let bpfAndPerfmon = Capabilities(effective: 1 << UInt64(Capabilities.bpf) | 1 << UInt64(Capabilities.perfmon))
        XCTAssertTrue(error(log: log, capabilities: bpfAndPerfmon).message.hasPrefix("the kernel's verifier rejected"))
    }

    func testMissingCapabilitiesKeepTheHint() {
        let log = "libbpf: prog 'p': BPF program load failed: Operation not permitted\n"
        let e = error(code: EPERM, log: log, capabilities: unprivileged)
        XCTAssertEqual(e.message, "load BPF object task_vma: Operation not permitted (EPERM)")
        XCTAssertTrue(e.hint?.contains("CAP_BPF and CAP_PERFMON") ?? false, e.description)
        XCTAssertTrue(e.hint?.hasSuffix("run as root") ?? false, e.description)
        XCTAssertNil(e.logPath)
        // CAP_BPF alone: the hint names what is missing.
        let half = error(code: EPERM, log: log, capabilities: Capabilities(effective: 1 << UInt64(Capabilities.bpf)))
        XCTAssertTrue(half.hint?.contains("lacks CAP_PERFMON") ?? false, half.description)
    }

    func testRefusalWithoutAVerifierLogNeverSaysRunAsRoot() {
        let e = error(code: EPERM, log: "libbpf: prog 'p': BPF program load failed: Operation not permitted\n", capabilities: root)
        XCTAssertEqual(e.message, "load BPF object task_vma: Operation not permitted (EPERM)")
        XCTAssertFalse(e.description.contains("run as root"), e.description)
        XCTAssertTrue(e.hint?.contains("--verbose") ?? false, e.description)
    }

    func testFileDescriptorShortageKeepsItsHint() {
        let log = Self.libbpfMessages(program: "p", log: "invalid func unknown#195896080\nprocessed 3 insns (limit 1000000)\n")
        let e = error(code: EINVAL, log: log, capabilities: root, fdsShort: true)
        XCTAssertTrue(e.hint?.contains("file descriptors ran short") ?? false, e.description)
        XCTAssertEqual(e.cause, "invalid func unknown#195896080")
        let emfile = error(code: EMFILE, log: "", capabilities: root, fdsShort: true)
        XCTAssertEqual(emfile.hint, BPFError.resourceHint(EMFILE))
    }

    func testUnsavedLogSaysSo() {
        let e = error(log: Self.libbpfMessages(program: "p", log: Self.untrustedLog), capabilities: root, saved: nil)
        XCTAssertNil(e.logPath)
        XCTAssertTrue(e.hint?.contains("could not be saved") ?? false, e.description)
        XCTAssertTrue(e.hint?.contains("EROFS") ?? false, e.description)
    }

    func testOtherErrorsAreUnchanged() {
        let e = error(code: ENOENT, log: "libbpf: failed to open\n", capabilities: root)
        XCTAssertEqual(e.message, "load BPF object task_vma: No such file or directory (ENOENT)")
        XCTAssertNil(e.cause)
    }

    // MARK: - The log file

    func testSaveWritesTheWholeLogToANewPrivateFile() throws {
        let dir = NSTemporaryDirectory() + "bpfnav-verifier-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        XCTAssertEqual(mkdir(dir, 0o700), 0)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = String(repeating: "0: (b7) r0 = 0\n", count: 10_000) + "processed 10000 insns (limit 1000000)\n"
        let log = VerifierLog(program: "bad/../name\u{1b}", text: text)
        let first = try log.save(directory: dir)
        let second = try log.save(directory: dir)
        XCTAssertNotEqual(first, second, "a new file each time")
        for path in [first, second] {
            XCTAssertTrue(path.hasPrefix(dir + "/bpfnav-verifier-bad____name_-"), path)
            XCTAssertTrue(path.hasSuffix(".log"), path)
            XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), text)
            var st = stat()
            XCTAssertEqual(lstat(path, &st), 0)
            XCTAssertEqual(st.st_mode & 0o777, 0o600)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFREG)
        }
        XCTAssertThrowsError(try log.save(directory: dir + "/missing")) { error in
            XCTAssertEqual((error as? BPFError)?.errno, ENOENT)
        }
    }

    func testMessageWithCause() {
        var e = BPFError("the kernel's verifier rejected", "p", errno: EACCES)
        e.cause = "R0 invalid mem access 'scalar'"
        e.logPath = "/tmp/x.log"
        XCTAssertEqual(e.description, "the kernel's verifier rejected p: R0 invalid mem access 'scalar' (EACCES)\n  the verifier's whole log is in /tmp/x.log")
    }
}

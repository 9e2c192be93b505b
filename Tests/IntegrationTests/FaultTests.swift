import BPFKit
import Foundation
import Iterators
import TestSupport
import XCTest

/// Failures the kernel cannot be made to produce on demand here (these
/// kernels have neither fail_function nor bpf_override_return), injected
/// with BPFNAV_FAULTS into the debug build; and the ones it can (a full
/// disk is /dev/full, an fd limit is ulimit -n), for real.
final class FaultTests: BPFTestCase {
    private var kinds: Set<String> { Set(onThisKernel(["tasks", "files", "vmas", "maps"])) }

    override func setUpWithError() throws {
        try super.setUpWithError()
        // Release builds compile injection away; a malformed plan is then
        // ignored instead of refused.
        let probe = try bpfnav(["--help"], environment: ["BPFNAV_FAULTS": "no-such-point"])
        guard probe.status == 70 else {
            throw XCTSkip("this bpfnav build ignores BPFNAV_FAULTS (a release build): fault injection is compiled out")
        }
    }

    /// Names in the pin directory other than the program cache and the manifest.
    private func pinNames() throws -> Set<String> {
        // The manifest stays, as it does after unpin --all.
        Set(try BPFFS.entries(of: pinDirectory).filter { !$0.hasPrefix("progs-") && $0 != "bpfnav-manifest" })
    }

    /// After a replacement that failed under `plan`: the pins are `before`'s
    /// names, each the very same pin (inode), and each reads.
    private func assertOldPinsKept(_ before: [String: UInt64], _ plan: String,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try pinNames(), Set(before.keys), "\(plan): the same names, no temporary ones", file: file, line: line)
        for name in before.keys.sorted() {
            XCTAssertEqual(inode(name), before[name], "\(plan): \(name) is the old pin", file: file, line: line)
            let read = try runCommand("/bin/cat", ["\(pinDirectory)/\(name)"])
            XCTAssertEqual(read.status, 0, "\(plan): \(name): \(read.stderr)", file: file, line: line)
            XCTAssertFalse(read.stdout.isEmpty, "\(plan): \(name)", file: file, line: line)
        }
    }

    private func inode(_ name: String) -> UInt64 {
        var st = stat()
        XCTAssertEqual(stat("\(pinDirectory)/\(name)", &st), 0, name)
        return UInt64(st.st_ino)
    }

    /// `pin` with a failure at each step: no pin and no temporary name is
    /// left, and the message names the pin and the errno.
    func testAFailedPinLeavesNothing() throws {
        let last = kinds.count  // the last pin: 4, or 3 without task_vma (5.10)
        let cases: [(plan: String, errno: String)] = [
            ("pin=ENOSPC@1", "ENOSPC"), ("pin=ENOSPC@\(last - 1)", "ENOSPC"), ("pin=ENOMEM@\(last)", "ENOMEM"),
            ("rename=EIO@1", "EIO"), ("rename=EIO@\(last - 1)", "EIO"), ("rename=ENOSPC@\(last)", "ENOSPC"),
        ]
        for (plan, errnoName) in cases {
            // No program cache: the plan counts only the four link pins.
            let result = try bpfnav(["pin", "--dir", pinDirectory],
                                    environment: ["BPFNAV_FAULTS": plan, "BPFNAV_NO_CACHE": "1"])
            XCTAssertEqual(result.status, 1, plan)
            XCTAssertEqual(result.text, "", "\(plan): nothing reported as pinned")
            XCTAssertTrue(result.stderr.hasPrefix("bpfnav: "), "\(plan): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("(\(errnoName))"), "\(plan): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("bpfnav-new-"), "\(plan): the message names the pin, not a temporary name: \(result.stderr)")
            if errnoName == "ENOSPC" {
                XCTAssertTrue(result.stderr.contains("no space left"), "\(plan): a hint: \(result.stderr)")
            }
            XCTAssertEqual(try pinNames(), [], "\(plan): no partial set, no temporary names")
        }
    }

    /// Replacing a set that is already pinned: a failure part way through
    /// puts the old pins back (the very same objects), every one readable.
    func testAFailedReplacementKeepsTheOldSet() throws {
        let first = try bpfnav("pin", "--dir", pinDirectory)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(try pinNames(), kinds)
        let before = Dictionary(uniqueKeysWithValues: kinds.map { ($0, inode($0)) })

        let last = kinds.count
        for plan in ["rename=EIO@1", "rename=EIO@2", "rename=EIO@\(last)", "pin=ENOSPC@\(last - 1)"] {
            let result = try bpfnav(["pin", "--dir", pinDirectory],
                                    environment: ["BPFNAV_FAULTS": plan, "BPFNAV_NO_CACHE": "1"])
            XCTAssertEqual(result.status, 1, plan)
            try assertOldPinsKept(before, plan)
        }

        // Without a fault the set is replaced: new objects, old ones gone.
        let again = try bpfnav("pin", "--dir", pinDirectory)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try pinNames(), kinds)
        for kind in kinds { XCTAssertNotEqual(inode(kind), before[kind], kind) }
    }

    /// bpffs before 5.16 cannot exchange two pins (renameat2 answers
    /// RENAME_EXCHANGE with EINVAL; injected here): a set is still replaced
    /// whole, and a failure part way still puts back the very same old pins.
    func testReplacementWhereBPFFSCannotExchange() throws {
        let noExchange = "exchange=EINVAL@1+"
        let first = try bpfnav(["pin", "--dir", pinDirectory], environment: ["BPFNAV_FAULTS": noExchange])
        XCTAssertEqual(first.status, 0, first.stderr)
        // Every kind this kernel has (5.10: no vmas).
        let names = try pinNames()
        XCTAssertTrue(names.isSuperset(of: ["tasks", "files", "maps"]), "\(names)")
        let before = Dictionary(uniqueKeysWithValues: names.map { ($0, inode($0)) })

        // No program cache: the plans count only the link pins and their moves.
        for plan in ["rename=EIO@2", "rename=EIO@\(names.count)", "pin=ENOSPC@\(names.count)"] {
            let result = try bpfnav(["pin", "--dir", pinDirectory],
                                    environment: ["BPFNAV_FAULTS": "\(noExchange),\(plan)", "BPFNAV_NO_CACHE": "1"])
            XCTAssertEqual(result.status, 1, plan)
            XCTAssertTrue(result.stderr.contains("(\(plan.hasPrefix("rename") ? "EIO" : "ENOSPC"))"), "\(plan): \(result.stderr)")
            try assertOldPinsKept(before, plan)
        }

        let again = try bpfnav(["pin", "--dir", pinDirectory], environment: ["BPFNAV_FAULTS": noExchange])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try pinNames(), names, "no temporary or spare names left")
        for name in names {
            XCTAssertNotEqual(inode(name), before[name], name)
            let read = try runCommand("/bin/cat", ["\(pinDirectory)/\(name)"])
            XCTAssertEqual(read.status, 0, "\(name): \(read.stderr)")
        }
    }

    /// A read that fails half way: what was read is printed, then the error
    /// with the pin's path; a JSON dump still closes its array.
    func testAFailedReadKeepsWhatWasRead() throws {
        // A child with 2,000 mappings (alternating protections do not
        // merge) and 2,000 open files: more than one 64 KiB read of the
        // mappings (5.12+) or the files, whatever else runs.
        let child = spawn(try Child(shell: """
            exec python3 -c 'import mmap, os, resource, time
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4096)), hard))
            m = [mmap.mmap(-1, 4096, prot=mmap.PROT_READ if i % 2 else mmap.PROT_READ | mmap.PROT_WRITE) for i in range(2000)]
            f = [os.open("/dev/null", os.O_RDONLY) for i in range(2000)]
            time.sleep(1000)'
            """))
        XCTAssertTrue(waitUntil { ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd")) ?? []).count >= 2000 })
        let vmas = Features.current.supports(.taskVMAIter)
        let kind = vmas ? "vmas" : "files"
        let pinned = try bpfnav("pin", kind, "--dir", pinDirectory)
        XCTAssertEqual(pinned.status, 0, pinned.stderr)
        // 64 KiB reads: the whole machine's rows take several.
        let full = try bpfnav("cat", kind, "--dir", pinDirectory)
        XCTAssertEqual(full.status, 0, full.stderr)
        XCTAssertGreaterThan(full.stdout.count, 64 * 1024, "enough rows for a second read")

        let cut = try bpfnav(["cat", kind, "--dir", pinDirectory], environment: ["BPFNAV_FAULTS": "read=EIO@2"])
        XCTAssertEqual(cut.status, 1)
        XCTAssertTrue(cut.stderr.contains("read iterator \(pinDirectory)/\(kind)") && cut.stderr.contains("(EIO)"), cut.stderr)
        XCTAssertGreaterThan(cut.stdout.count, 0, "the first read is printed")
        XCTAssertTrue(full.text.hasPrefix(String(cut.text.prefix { $0 != "\n" })), "it starts as a whole read does")

        for kind in ["tasks", "files"] + (vmas ? ["vmas"] : []) {
            let dump = try bpfnav(["\(kind)", "--json"], environment: ["BPFNAV_FAULTS": "read=ENOMEM@2"])
            XCTAssertEqual(dump.status, 1, kind)
            XCTAssertTrue(dump.stderr.contains("(ENOMEM)"), "\(kind): \(dump.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(dump.stdout))
            XCTAssertTrue(json is [Any] || (json as? [String: Any])?["errno"] as? String == "ENOMEM",
                          "\(kind): an array of what was read, or the error object: \(dump.text.prefix(200))")
        }
    }

    /// Opening a pin fails: EMFILE injected, and EMFILE for real under
    /// `ulimit -n`. Both name the pin and what to do.
    func testOpeningAPinWithoutFileDescriptors() throws {
        let pinned = try bpfnav("pin", "tasks", "--dir", pinDirectory)
        XCTAssertEqual(pinned.status, 0, pinned.stderr)

        let injected = try bpfnav(["cat", "tasks", "--dir", pinDirectory], environment: ["BPFNAV_FAULTS": "open=EMFILE"])
        XCTAssertEqual(injected.status, 1)
        XCTAssertEqual(injected.text, "")
        XCTAssertTrue(injected.stderr.contains("open pinned iterator \(pinDirectory)/tasks") && injected.stderr.contains("ulimit -n"),
                      injected.stderr)
    }
}

/// Tasks exiting while an iterator walks them, for real: the walk goes on
/// over the ones that are left, without an error, a torn row or a repeat.
final class ExitDuringIterationTests: BPFTestCase {
    func testTasksExitingMidIteration() throws {
        // 120 idle children, each with fds 0-2 on /dev/null.
        var children: [Child] = []
        for _ in 0..<120 { children.append(spawn(try Child(shell: "exec sleep 1000"))) }
        for child in children { XCTAssertTrue(child.waitForExec("sleep")) }
        let first = children[0].pid

        let link = try IterLoader().attach(.taskFile, .text, params: .all)
        let reader = IterReader(fd: try link.makeIterator(), subject: "task_file", bufferSize: 512)
        var text: [UInt8] = []
        var killedAt: Int?
        var killed: Set<pid_t> = []
        try reader.forEachChunk { chunk in
            text.append(contentsOf: chunk)
            // Once the walk has reached the first child, every other child
            // exits and is reaped, most of them before the walk gets there.
            let firstRow = ("\n" + String(repeating: " ", count: max(0, 7 - "\(first)".count)) + "\(first) ")
            guard killedAt == nil, String(decoding: text, as: UTF8.self).contains(String(firstRow)) else { return }
            killedAt = text.count
            for (index, child) in children.enumerated() where index % 2 == 1 {
                child.stop()
                killed.insert(child.pid)
            }
        }
        XCTAssertNotNil(killedAt, "the walk reached the children")

        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.first.map(String.init), "    PID    FD    FLAGS        POS      INODE PATH")
        XCTAssertEqual(lines.last, "", "the output ends with a whole row")
        var seen: Set<String> = []
        var fdsOf: [pid_t: Set<UInt32>] = [:]
        for line in lines.dropFirst().dropLast() {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            XCTAssertEqual(fields.count, 6, "a whole row: \(line)")
            guard fields.count == 6, let pid = pid_t(fields[0]), let fd = UInt32(fields[1]) else { continue }
            XCTAssertTrue(seen.insert("\(pid)/\(fd)").inserted, "repeated: \(line)")
            fdsOf[pid, default: []].insert(fd)
        }
        // The children that live on are all there, whole.
        for (index, child) in children.enumerated() where index % 2 == 0 {
            XCTAssertEqual(fdsOf[child.pid], [0, 1, 2], "child \(child.pid)")
        }
        // The ones that exited show whatever fds were read before, never
        // more than they had.
        for pid in killed {
            XCTAssertTrue((fdsOf[pid] ?? []).isSubset(of: [0, 1, 2]), "child \(pid): \(fdsOf[pid] ?? [])")
        }
        XCTAssertLessThan(killed.filter { fdsOf[$0] != nil }.count, killed.count, "some exited before the walk reached them")
    }
}

/// Running out of something for real: a full disk (/dev/full fails every
/// write with ENOSPC) and no file descriptors left (ulimit -n).
final class ResourceFaultTests: BPFTestCase {
    /// Output to a full disk (/dev/full gives ENOSPC on every write): exit 1
    /// with the reason, never a silent success with the output lost.
    func testOutputToAFullDisk() throws {
        let pinned = try bpfnav("pin", "tasks", "--dir", pinDirectory)
        XCTAssertEqual(pinned.status, 0, pinned.stderr)
        let commands = [
            "tasks", "tasks --json", "files --ndjson", "maps --json", "progs", "links --json",
            "pins \(pinDirectory)", "cat tasks --dir \(pinDirectory)", "--help", "files --help",
        ] + (Features.current.supports(.taskVMAIter) ? ["vmas"] : [])
        for command in commands {
            let script = "exec \"$0\" \(command) >/dev/full"
            let result = try runCommand("/bin/sh", ["-c", script, bpfnavBinary],
                                        environment: ProcessInfo.processInfo.environment.merging(["BPFNAV_CACHE_DIR": pinDirectory]) { $1 })
            XCTAssertEqual(result.status, 1, command)
            XCTAssertTrue(result.stderr.contains("write standard output: ") && result.stderr.contains("(ENOSPC)"),
                          "\(command): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("incomplete"), "\(command): \(result.stderr)")
        }
    }

    /// A dump under tighter and tighter fd limits: it works, or it fails
    /// with a JSON error that says to raise ulimit -n; never a crash or a
    /// cut-off document.
    func testDumpsWithoutFileDescriptors() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        environment["BPFNAV_NO_CACHE"] = "1"
        var failures = 0
        for limit in 4...12 {
            let result = try runCommand("/bin/sh", ["-c", "ulimit -n \(limit) && exec \"$0\" tasks --json", bpfnavBinary],
                                        environment: environment)
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout))
            if result.status == 0 {
                XCTAssertTrue(json is [Any], "limit \(limit)")
                continue
            }
            failures += 1
            XCTAssertEqual(result.status, 1, "limit \(limit)")
            let error = (json as? [String: Any])?["error"] as? String ?? ""
            XCTAssertTrue(error.contains("ulimit -n"), "limit \(limit): \(error)")
        }
        XCTAssertGreaterThan(failures, 0, "the lowest limits are too tight to load a program")
    }
}

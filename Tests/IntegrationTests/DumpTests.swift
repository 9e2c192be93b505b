import BPFKit
import Foundation
import Iterators
import TestSupport
import XCTest

/// `bpfnav tasks|files|vmas|maps` as JSON and NDJSON, against /proc.
final class DumpTests: BPFTestCase {
    private func jsonArray(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let parsed = try JSONText.parse(result.stdout)
        return try XCTUnwrap(parsed as? [[String: Any]], "not an array of objects: \(result.text.prefix(300))", file: file, line: line)
    }

    private func ndjsonLines(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return try result.text.split(separator: "\n").map { row in
            try XCTUnwrap(try JSONText.parse(row.utf8) as? [String: Any], String(row), file: file, line: line)
        }
    }

    private func idleChild(_ script: String = "exec sleep 1000", arguments: [String] = [], comm: String = "sleep") throws -> Child {
        let child = spawn(try Child(shell: script, arguments: arguments))
        XCTAssertTrue(child.waitForExec(comm), "child did not exec \(comm)")
        return child
    }

    func testEveryDumpCarriesTheDocumentedFields() throws {
        let child = try idleChild("exec 5</etc/hostname; exec sleep 1000")
        let pid = "\(child.pid)"
        let expected: [(args: [String], keys: Set<String>)] = [
            (["tasks"], ["pid", "tid", "ppid", "uid", "ruid", "gid", "state", "comm", "kthread", "start_time_ns"]),
            (["files", "--pid", pid], ["pid", "fd", "type", "path", "flags", "pos", "inode", "dev", "mode"]),
            (["vmas", "--pid", pid], ["pid", "start", "end", "perms", "pgoff", "dev", "inode", "path"]),
            (["maps"], ["id", "type", "name", "flags", "bytes_key", "bytes_value", "max_entries"]),
        ].filter { hasVMAs || $0.args[0] != "vmas" }
        for (args, keys) in expected {
            let array = try jsonArray(try bpfnav(args + ["--json"]))
            XCTAssertFalse(array.isEmpty, "\(args) printed no objects")
            for object in array {
                // Optional extras are allowed (path_error, bpf); the documented ones must all be there.
                XCTAssertTrue(keys.isSubset(of: Set(object.keys)), "\(args): \(object.keys.sorted()) lacks \(keys.subtracting(object.keys))")
            }
            let lines = try ndjsonLines(try bpfnav(args + ["--ndjson"]))
            if args.count > 1 { // pid-filtered: the idle child does not change between runs
                XCTAssertEqual(lines.count, array.count, "\(args): NDJSON and JSON disagree")
            }
        }
        // A table too, with its header first.
        let table = try bpfnav("files", "--pid", pid)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.text.hasPrefix("    PID    FD TYPE"), table.text)
        XCTAssertTrue(table.text.contains("/etc/hostname"), table.text)
    }

    func testControlledChildIsReportedExactlyAsProcReportsIt() throws {
        let dir = NSTemporaryDirectory() + "bpfnav-dump-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let data = dir + "/data file"
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: data))
        // The child is a copy of sleep with a comm of our choosing; it holds
        // the data file open at offset 100.
        let binary = dir + "/navchild"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: binary)
        let child = try idleChild("exec 4<\"$1\"; dd bs=100 count=1 <&4 >/dev/null 2>&1; exec \"$2\" 1000",
                                  arguments: [data, binary], comm: "navchild")

        let tasks = try jsonArray(try bpfnav("tasks", "--pid", "\(child.pid)", "--json"))
        XCTAssertEqual(tasks.count, 1)
        let status = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
        func statusField(_ name: String) -> String {
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map {
                $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
            } ?? ""
        }
        let task = try XCTUnwrap(tasks.first)
        XCTAssertEqual(task["comm"] as? String, "navchild")
        XCTAssertEqual(task["pid"] as? Int, Int(child.pid))
        XCTAssertEqual(task["tid"] as? Int, Int(child.pid))
        XCTAssertEqual("\(task["ppid"] as? Int ?? -1)", statusField("PPid"))
        XCTAssertEqual(task["state"] as? String, String(statusField("State").prefix(1)))
        let uids = statusField("Uid").split(separator: "\t")
        XCTAssertEqual("\(task["ruid"] as? Int ?? -1)", String(uids[0]))
        XCTAssertEqual("\(task["uid"] as? Int ?? -1)", String(uids[1]))

        let files = try jsonArray(try bpfnav("files", "--pid", "\(child.pid)", "--json"))
        let procFds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").compactMap(Int.init).sorted()
        XCTAssertEqual(files.compactMap { $0["fd"] as? Int }.sorted(), procFds)
        for entry in files {
            let fd = try XCTUnwrap(entry["fd"] as? Int)
            XCTAssertEqual(entry["path"] as? String,
                           try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/fd/\(fd)"))
        }
        let held = try XCTUnwrap(files.first { $0["fd"] as? Int == 4 })
        XCTAssertEqual(held["path"] as? String, data)
        XCTAssertEqual(held["pos"] as? Int, 100)
        XCTAssertEqual(held["type"] as? String, "REG")
        var st = stat()
        XCTAssertEqual(stat(data, &st), 0)
        XCTAssertEqual(held["inode"] as? Int, Int(st.st_ino))

        guard hasVMAs else { return }
        let vmas = try jsonArray(try bpfnav("vmas", "--pid", "\(child.pid)", "--json"))
        let maps = try String(contentsOfFile: "/proc/\(child.pid)/maps", encoding: .utf8)
            .split(separator: "\n").compactMap(TaskVMATests.parse).filter { $0.path != "[vsyscall]" }
        XCTAssertEqual(vmas.count, maps.count)
        for (v, truth) in zip(vmas, maps) {
            XCTAssertEqual(UInt64(v["start"] as? String ?? "", radix: 16), truth.start)
            XCTAssertEqual(UInt64(v["end"] as? String ?? "", radix: 16), truth.end)
            XCTAssertEqual(v["perms"] as? String, truth.perms)
            XCTAssertEqual(v["pgoff"] as? Int, Int(truth.offset))
            XCTAssertEqual(v["dev"] as? String, truth.dev)
            XCTAssertEqual(v["inode"] as? Int, Int(truth.inode))
            if truth.path.hasPrefix("/") { XCTAssertEqual(v["path"] as? String, truth.path) }
        }
        XCTAssertTrue(vmas.contains { $0["path"] as? String == binary }, "the child's own binary is mapped")
    }

    func testExactStringsSurviveJSON() throws {
        let dir = NSTemporaryDirectory() + "bpfnav-strings-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // comm: q, newline, tab, quote, backslash, 0xff (invalid UTF-8).
        // The file it holds: a newline and a tab in its name.
        let child = spawn(try Child(shell: """
            p="$1/$(printf 'q\\n\\t\\042\\134\\377')"
            f="$1/$(printf 'new\\nline\\ttab')"
            cp /bin/sleep "$p" && : > "$f" && exec 3<"$f" && exec "$p" 1000
            """, arguments: [dir]))
        let comm: [UInt8] = [0x71, 0x0a, 0x09, 0x22, 0x5c, 0xff]
        XCTAssertTrue(waitUntil {
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child.pid)/comm"))).map { [UInt8]($0) } == comm + [0x0a]
        }, "child did not exec")

        let tasks = try bpfnav("tasks", "--pid", "\(child.pid)", "--ndjson")
        XCTAssertEqual(tasks.status, 0, tasks.stderr)
        XCTAssertTrue(tasks.text.contains(#""comm":"q\n\t\"\\\udcff""#), tasks.text)
        XCTAssertEqual(JSONText.stringField("comm", in: tasks.stdout), comm)
        XCTAssertEqual(tasks.text.split(separator: "\n").count, 1, "one object, one line")

        let files = try bpfnav("files", "--pid", "\(child.pid)", "--ndjson")
        XCTAssertEqual(files.status, 0, files.stderr)
        let line3 = try XCTUnwrap(files.stdout.split(separator: 0x0a).first { $0.starts(with: Array("{\"pid\":\(child.pid),\"fd\":3,".utf8)) })
        XCTAssertEqual(JSONText.stringField("path", in: Array(line3)), Array((dir + "/new\nline\ttab").utf8))
        // Valid UTF-8 objects still parse with a strict parser.
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line3)))

        if hasVMAs {
            let vmas = try bpfnav("vmas", "--pid", "\(child.pid)", "--json")
            XCTAssertTrue(vmas.text.contains(#"q\n\t\"\\\udcff""#), "the exec'd path, exact")
        }

        // A table must never hand the terminal a raw control byte.
        let table = try bpfnav("tasks", "--pid", "\(child.pid)")
        XCTAssertTrue(table.text.contains(#"q\n\t"\\\xff"#), table.text)
        let body = table.stdout.split(separator: 0x0a).joined()
        XCTAssertFalse(body.contains { $0 < 0x20 || $0 == 0x7f }, "raw control bytes in the table")
    }

    func testPidShowsOnlyThatProcess() throws {
        let child = try idleChild()
        for kind in onThisKernel(["tasks", "files", "vmas"]) {
            let lines = try ndjsonLines(try bpfnav(kind, "--pid", "\(child.pid)", "--ndjson"))
            XCTAssertFalse(lines.isEmpty, kind)
            XCTAssertTrue(lines.allSatisfy { $0["pid"] as? Int == Int(child.pid) }, "\(kind): other processes")
        }
    }

    func testBadInput() throws {
        let both = try bpfnav("files", "--pid", "1", "--tid", "1")
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.stderr.contains("--pid and --tid cannot be used together"), both.stderr)

        let pidMax = try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let gone = "\((Int(pidMax) ?? 4_194_304) + 1)"
        let table = try bpfnav("files", "--pid", gone)
        XCTAssertEqual(table.status, 1)
        XCTAssertTrue(table.stderr.contains("process \(gone)") && table.stderr.contains("ESRCH"), table.stderr)
        XCTAssertTrue(table.stdout.isEmpty)

        let json = try bpfnav(hasVMAs ? "vmas" : "tasks", "--pid", gone, "--json")
        XCTAssertEqual(json.status, 1)
        let error = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any], json.text)
        XCTAssertEqual(error["errno"] as? String, "ESRCH")
        XCTAssertTrue((error["error"] as? String)?.contains("process \(gone)") == true)

        let garbage = try bpfnav("tasks", "--pid", "12abc", "--json")
        XCTAssertEqual(garbage.status, 64)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(garbage.stdout)) as? [String: Any], garbage.text)
    }

    func testProcessesExitingDuringADumpLeaveValidJSON() throws {
        // A shell that starts and reaps short-lived processes as fast as it
        // can, while whole-system dumps run.
        let churn = spawn(try Child(shell: "while :; do /bin/true; done"))
        _ = churn
        for _ in 0..<8 {
            for kind in onThisKernel(["tasks", "files", "vmas"]) {
                let result = try bpfnav(kind, "--json")
                XCTAssertEqual(result.status, 0, "\(kind): \(result.stderr)")
                XCTAssertNoThrow(try JSONText.parse(result.stdout), kind)
            }
        }
        // A --pid process that exits before the dump: a clean error before,
        // valid (empty) output if it goes between the check and the read.
        let child = try idleChild()
        child.stop()
        let after = try bpfnav("files", "--pid", "\(child.pid)", "--json")
        XCTAssertEqual(after.status, 1)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(after.stdout)))
    }

    func testClosedStdoutEndsQuietly() throws {
        let script = "\"$0\" files --ndjson | head -1; echo \"status=${PIPESTATUS[0]}\""
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        let result = try runCommand("/bin/bash", ["-c", script, bpfnavBinary], environment: environment)
        XCTAssertEqual(result.status, 0)
        let lines = result.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, result.text)
        XCTAssertNoThrow(try JSONText.parse(lines[0].utf8))
        XCTAssertEqual(lines.last, "status=0")
        XCTAssertEqual(result.stderr, "", "no message for a reader that went away")
    }
}

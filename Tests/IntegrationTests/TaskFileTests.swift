import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

final class TaskFileTests: BPFTestCase {
    func testPidPinShowsExactlyTheChildsFds() throws {
        let dir = NSTemporaryDirectory() + "bpfnav files \(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spaced = dir + "/a file with spaces.txt"
        let plain = dir + "/plain"
        try Data("0123456789".utf8).write(to: URL(fileURLWithPath: spaced))
        // fd 3 reads the spaced file after skipping 4 bytes; fd 7 appends to
        // another; fd 9 is a pipe.
        let child = spawn(try Child(shell: """
            exec 3<"$1" 7>>"$2" 9</dev/zero
            read -r -n 4 x <&3 2>/dev/null || dd bs=4 count=1 <&3 >/dev/null 2>&1
            exec sleep 1000
            """, arguments: [spaced, plain]))
        XCTAssertTrue(child.waitForExec("sleep"))

        let spec = PinSpec(kind: .taskFile, params: .pid(UInt32(child.pid)))
        XCTAssertEqual(spec.name, "files-pid-\(child.pid)")
        try pins.create([spec])
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        XCTAssertEqual(out.status, 0, out.stderr)

        // Ground truth: /proc/PID/fd and fdinfo.
        var truth: [UInt32: (path: String, pos: UInt64, flags: UInt32)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd") {
            let fd = try XCTUnwrap(UInt32(name))
            let path = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/fd/\(name)")
            let info = try String(contentsOfFile: "/proc/\(child.pid)/fdinfo/\(name)", encoding: .utf8)
            var pos: UInt64 = 0, flags: UInt32 = 0
            for line in info.split(separator: "\n") {
                let parts = line.split(separator: "\t", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.first == "pos:" { pos = UInt64(parts[1]) ?? 0 }
                if parts.first == "flags:" { flags = UInt32(parts[1], radix: 8) ?? 0 }
            }
            truth[fd] = (path, pos, flags)
        }
        XCTAssertEqual(Set(truth.keys), [0, 1, 2, 3, 7, 9])
        XCTAssertEqual(truth[3]?.path, spaced)

        // The text pin: one row per fd of that process only, path last.
        let rows = out.text.split(separator: "\n").dropFirst()
        var textFds: [UInt32: String] = [:]
        for row in rows {
            let fields = row.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            XCTAssertEqual(fields.count, 6, String(row))
            XCTAssertEqual(fields[0], "\(child.pid)", "a row of another process: \(row)")
            textFds[UInt32(fields[1]) ?? 9999] = String(fields[5])
        }
        XCTAssertEqual(Set(textFds.keys), Set(truth.keys), out.text)
        // Without bpf_d_path() in iterators (before 5.11) the pin has the
        // file's name only, marked as such.
        let wholePaths = Features.current.supports(.fileDPath)
        for (fd, expected) in truth {
            let name = expected.path.split(separator: "/").last.map(String.init) ?? ""
            XCTAssertEqual(textFds[fd], wholePaths ? expected.path : "\u{2026}/" + name, "fd \(fd)")
        }

        // The records program agrees with /proc field by field.
        let records = try IterLoader().records(FileRecord.self, .taskFile, params: .pid(UInt32(child.pid)))
        XCTAssertEqual(Set(records.map(\.fd)), Set(truth.keys))
        for record in records {
            let expected = try XCTUnwrap(truth[record.fd])
            XCTAssertEqual(record.pid, UInt32(child.pid))
            XCTAssertEqual(String(decoding: record.path, as: UTF8.self), expected.path, "fd \(record.fd)")
            XCTAssertEqual(record.pos, expected.pos, "fd \(record.fd) pos")
            // fdinfo shows f_flags with O_CLOEXEC folded in from the fd table;
            // compare the access mode and O_APPEND, which are the file's own.
            XCTAssertEqual(record.flags & 0o2003, expected.flags & 0o2003, "fd \(record.fd) flags")
            var st = stat()
            if stat("/proc/\(child.pid)/fd/\(record.fd)", &st) == 0 {
                XCTAssertEqual(record.inode, UInt64(st.st_ino), "fd \(record.fd) inode")
            }
        }
        XCTAssertEqual(records.first { $0.fd == 3 }?.pos, 4)
    }

    func testBPFMapFdsAreRecognised() throws {
        let map = try BPFMap(type: .hash, name: uniqueName("nav_fd"), keySize: 8, valueSize: 8, maxEntries: 4)
        let id = try map.id()
        let records = try IterLoader().records(FileRecord.self, .taskFile, params: .pid(UInt32(getpid())))
        let mine = try XCTUnwrap(records.first { $0.fd == UInt32(map.fd.raw) })
        XCTAssertEqual(mine.bpfObject, .map(id))
        XCTAssertEqual(String(decoding: mine.path, as: UTF8.self), "anon_inode:bpf-map")
    }
}

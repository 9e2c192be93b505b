import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

final class TaskVMATests: BPFTestCase {
    struct MapsLine: Equatable {
        var start: UInt64, end: UInt64, perms: String, offset: UInt64, dev: String, inode: UInt64, path: String
    }

    /// Parses /proc/PID/maps (or the pin's rows after the PID column).
    static func parse(_ line: Substring) -> MapsLine? {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count >= 5 else { return nil }
        let range = fields[0].split(separator: "-")
        guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
              let offset = UInt64(fields[2], radix: 16), let inode = UInt64(fields[4]) else { return nil }
        let path = fields.count > 5 ? fields[5].trimmingCharacters(in: .whitespaces) : ""
        return MapsLine(start: start, end: end, perms: String(fields[1]), offset: offset, dev: String(fields[3]),
                        inode: inode, path: path)
    }

    func testPidPinMatchesProcMaps() throws {
        let child = spawn(try Child(shell: "exec sleep 1000"))
        XCTAssertTrue(child.waitForExec("sleep"))
        let spec = PinSpec(kind: .taskVMA, params: .pid(UInt32(child.pid)))
        XCTAssertEqual(spec.name, "vmas-pid-\(child.pid)")
        if !Features.current.supports(.taskVMAIter) {
            // Before 5.12: refused, naming the version, by the library and
            // by the command line; nothing pinned.
            XCTAssertThrowsError(try pins.create([spec])) { error in
                XCTAssertEqual((error as? BPFError)?.errno, EOPNOTSUPP)
                XCTAssertTrue("\(error)".contains("task_vma iterators need Linux 5.12"), "\(error)")
            }
            XCTAssertEqual(try BPFFS.entries(of: pinDirectory), [])
            let cli = try bpfnav("vmas", "--pid", "\(child.pid)", "--json")
            XCTAssertEqual(cli.status, 1)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(cli.stdout)) as? [String: Any])
            XCTAssertEqual(json["errno"] as? String, "EOPNOTSUPP")
            XCTAssertTrue((json["error"] as? String)?.contains("need Linux 5.12; this is \(RunningKernel.release)") == true, cli.text)
            return
        }
        try pins.create([spec])
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        XCTAssertEqual(out.status, 0, out.stderr)
        let procText = try String(contentsOfFile: "/proc/\(child.pid)/maps", encoding: .utf8)
        // [vsyscall] is the fixed legacy gate page, not a mapping of the
        // process's own: /proc adds it, iterators do not see it.
        let proc = procText.split(separator: "\n").compactMap(Self.parse).filter { $0.path != "[vsyscall]" }
        let rows = out.text.split(separator: "\n").dropFirst()
        var pinned: [MapsLine] = []
        for row in rows {
            let fields = row.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            XCTAssertEqual(fields.first, "\(child.pid)", String(row))
            pinned.append(try XCTUnwrap(Self.parse(fields[1]), String(row)))
        }
        let dPath = Features.current.supports(.vmaDPath)
        XCTAssertEqual(pinned.map { [$0.start, $0.end] }, proc.map { [$0.start, $0.end] },
                       "ranges differ\n--- /proc\n\(procText)--- pin\n\(out.text)")
        for (p, truth) in zip(pinned, proc) {
            XCTAssertEqual(p.perms, truth.perms)
            XCTAssertEqual(p.offset, truth.offset)
            XCTAssertEqual(p.dev, truth.dev)
            XCTAssertEqual(p.inode, truth.inode)
            // Names the kernel gives special mappings ([vvar], [anon:…]) are
            // not all reproducible from an iterator; files, heap, stack and
            // vdso are.
            if truth.path.hasPrefix("/") && (!dPath || Self.isStacked(truth.path)) {
                // Without bpf_d_path() on VMAs, or for a file mapped from
                // overlayfs (a backing file), the pin knows the name only,
                // and says so.
                XCTAssertEqual(p.path, "\u{2026}/" + truth.path.split(separator: "/").last!)
            } else if truth.path.hasPrefix("/") || ["[heap]", "[stack]", "[vdso]"].contains(truth.path) {
                XCTAssertEqual(p.path, truth.path)
            }
        }

        let records = try IterLoader().records(VMARecord.self, .taskVMA, params: .pid(UInt32(child.pid)))
        XCTAssertEqual(records.map { [$0.start, $0.end] }, proc.map { [$0.start, $0.end] })
        XCTAssertEqual(records.map(\.perms), proc.map(\.perms))
        XCTAssertTrue(records.contains { String(decoding: $0.path, as: UTF8.self).hasSuffix("/sleep") })
        // Records have whole paths either way (map_files completes names).
        for (r, truth) in zip(records, proc) where truth.path.hasPrefix("/") {
            XCTAssertEqual(String(decoding: r.path, as: UTF8.self), truth.path)
            XCTAssertEqual(r.pathSource, dPath && !Self.isStacked(truth.path) ? .dPath : .mapFiles)
        }
    }

    /// Whether `path` is on overlayfs or FUSE: mapped through a backing file
    /// from 6.8 (virtme-ng guests share the host's root that way).
    static func isStacked(_ path: String) -> Bool {
        guard let kernel = KernelVersion(release: RunningKernel.release), kernel >= KernelVersion(6, 8) else { return false }
        return [0x794c_7630, 0x6573_5546].contains(bpfnav_fs_magic(path))
    }
}

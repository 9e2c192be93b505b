import Glibc
import XCTest
@testable import Iterators

final class VMARecordTests: XCTestCase {
    // VM_READ 0x1, VM_WRITE 0x2, VM_EXEC 0x4, VM_SHARED 0x8, VM_MAYREAD 0x10,
    // VM_MAYWRITE 0x20, VM_MAYEXEC 0x40, VM_MAYSHARE 0x80 (include/linux/mm.h).
    func vma(flags: UInt64 = 0, path: String = "", special: VMARecord.Special = .none, dev: UInt32 = 0) -> VMARecord {
        VMARecord(pid: 1, start: 0x1000, end: 0x2000, pgoff: 0, inode: 0, vmFlags: flags, dev: dev,
                  path: Array(path.utf8), special: special)
    }

    func testPerms() {
        XCTAssertEqual(vma(flags: 0).perms, "---p")
        XCTAssertEqual(vma(flags: 0x1 | 0x4 | 0x10 | 0x40).perms, "r-xp")
        XCTAssertEqual(vma(flags: 0x1 | 0x2 | 0x8 | 0x80).perms, "rw-s")
        XCTAssertEqual(vma(flags: 0x1 | 0x80).perms, "r--s", "read-only shared mapping: VM_MAYSHARE without VM_SHARED")
        XCTAssertEqual(vma(flags: 0x1 | 0x2 | 0x8).perms, "rw-p", "'s' comes from VM_MAYSHARE, not VM_SHARED")
        XCTAssertEqual(vma(flags: 0x7).perms, "rwxp")
        XCTAssertEqual(vma(flags: 0x2).perms, "-w-p")
        XCTAssertEqual(vma(flags: 0x10 | 0x20 | 0x40).perms, "---p", "VM_MAY* do not show as permissions")
        XCTAssertEqual(vma(flags: ~UInt64(0)).perms, "rwxs")
        XCTAssertEqual(vma(flags: 0x8000_0000_0000_0000 | 0x100_0000).perms, "---p")
    }

    func testDisplayPath() {
        XCTAssertEqual(vma(special: .heap).displayPath, Array("[heap]".utf8))
        XCTAssertEqual(vma(special: .stack).displayPath, Array("[stack]".utf8))
        XCTAssertEqual(vma(special: .vdso).displayPath, Array("[vdso]".utf8))
        XCTAssertEqual(vma().displayPath, [])
        XCTAssertEqual(vma(path: "/usr/bin/bash").displayPath, Array("/usr/bin/bash".utf8))
        XCTAssertEqual(vma(path: "/a\nb", special: .heap).displayPath, Array("/a\nb".utf8), "a file path wins")
        let raw: [UInt8] = [0x2F, 0xFF, 0xFE, 0x0A]
        let v = VMARecord(pid: 1, start: 0, end: 1, pgoff: 0, inode: 0, vmFlags: 0, dev: 0, path: raw)
        XCTAssertEqual(v.displayPath, raw)
    }

    func testSpecialProcNames() {
        XCTAssertNil(VMARecord.Special.none.procName)
        XCTAssertEqual(VMARecord.Special.heap.procName, "[heap]")
        XCTAssertEqual(VMARecord.Special(rawValue: 2), .stack)
        XCTAssertEqual(VMARecord.Special(rawValue: 3)?.procName, "[vdso]")
        XCTAssertNil(VMARecord.Special(rawValue: 4))
    }

    func testMajorMinor() {
        // Kernel dev_t: MINORBITS 20 (include/linux/kdev_t.h).
        let cases: [(UInt32, UInt32, UInt32)] = [
            (0, 0, 0), ((8 << 20) | 1, 8, 1), ((259 << 20) | 3, 259, 3), ((0 << 20) | 0x2A, 0, 42),
            ((4095 << 20) | 0xFFFFF, 4095, 0xFFFFF), (0x0010_0000, 1, 0), (0x000F_FFFF, 0, 0xFFFFF),
        ]
        for (dev, major, minor) in cases {
            let v = vma(dev: dev)
            XCTAssertEqual(v.major, major, "dev \(dev)")
            XCTAssertEqual(v.minor, minor, "dev \(dev)")
            let f = FileRecord(pid: 1, fd: 0, flags: 0, mode: 0, dev: dev, pos: 0, inode: 0, path: [])
            XCTAssertEqual(f.major, major, "dev \(dev)")
            XCTAssertEqual(f.minor, minor, "dev \(dev)")
        }
    }

    /// A record with only the file's name (bpf_d_path() refused on this
    /// kernel) decodes as such and keeps its mark through a round trip.
    func testNameOnlyPathDecodes() throws {
        var v = vma(path: "libc.so.6")
        v.pathSource = .name
        var decoder = RecordDecoder<VMARecord>()
        var out: [VMARecord] = []
        try decoder.feed(Wire.vma(v)) { out.append($0) }
        try decoder.finish()
        XCTAssertEqual(out, [v])
        XCTAssertEqual(out.first?.pathSource, .name)
        var whole = vma(path: "/usr/lib/libc.so.6")
        whole.pathSource = .dPath
        try decoder.feed(Wire.vma(whole)) { out.append($0) }
        XCTAssertEqual(out.last?.pathSource, .dPath)
    }

    /// completed() takes the path from /proc/PID/map_files, for this
    /// process's own mapping of a file; it changes nothing else.
    func testCompletedReadsMapFiles() throws {
        guard getuid() == 0 else { throw XCTSkip("reading /proc/PID/map_files needs CAP_SYS_ADMIN") }
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        let line = try XCTUnwrap(maps.split(separator: "\n").first { $0.split(separator: " ").last?.hasPrefix("/") == true })
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let range = fields[0].split(separator: "-")
        let path = String(fields[5...].joined(separator: " "))
        let name = String(path.split(separator: "/").last!)
        let v = VMARecord(pid: UInt32(getpid()), start: UInt64(range[0], radix: 16)!, end: UInt64(range[1], radix: 16)!,
                          pgoff: 0, inode: 1, vmFlags: 0, dev: 0, path: Array(name.utf8), pathSource: .name)
        let done = v.completed()
        XCTAssertEqual(String(decoding: done.path, as: UTF8.self), path)
        XCTAssertEqual(done.pathSource, .mapFiles)
        XCTAssertEqual(done.start, v.start)
        // Nothing to complete: a whole path, an error, or a gone mapping.
        let whole = vma(path: "/x")
        XCTAssertEqual(whole.completed(), whole)
        var gone = v
        gone.start = 0x10; gone.end = 0x20
        XCTAssertEqual(gone.completed(), gone, "no such mapping: the name stays, marked")
        XCTAssertEqual(gone.completed().pathSource, .name)
    }

    func testPathSourceLabels() {
        XCTAssertEqual(VMARecord.PathSource.dPath.label, "d_path")
        XCTAssertEqual(VMARecord.PathSource.name.label, "name")
        XCTAssertEqual(VMARecord.PathSource.mapFiles.label, "map_files")
    }
}

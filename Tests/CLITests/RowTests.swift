import BPFKit
import Foundation
import Iterators
import TestSupport
import XCTest
@testable import BPFNavCLI

final class RowTests: XCTestCase {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// One JSON object: parses, has exactly `keys` (each once, in this order).
    private func object(_ json: [UInt8], keys: [String],
                        file: StaticString = #filePath, line: UInt = #line) -> [String: Any] {
        XCTAssertEqual(json.first, UInt8(ascii: "{"), file: file, line: line)
        XCTAssertEqual(json.last, UInt8(ascii: "}"), file: file, line: line)
        XCTAssertFalse(json.contains(0x0a), "an NDJSON record is one line", file: file, line: line)
        XCTAssertEqual(topLevelKeys(json), keys, String(decoding: json, as: UTF8.self), file: file, line: line)
        let parsed = parseObject(json, file: file, line: line)
        XCTAssertEqual(Set(parsed.keys), Set(keys), file: file, line: line)
        return parsed
    }

    // MARK: - tasks

    private let taskKeys = ["pid", "tid", "ppid", "uid", "ruid", "gid", "state", "comm", "kthread", "start_time_ns"]

    private func task(pid: UInt32 = 1234, tid: UInt32 = 1235, state: UInt32 = 1, flags: UInt32 = 0,
                      comm: [UInt8] = Array("bash".utf8)) -> TaskRecord {
        TaskRecord(pid: pid, tid: tid, ppid: 1, uid: 1000, ruid: 1001, gid: 100, rawState: state, flags: flags,
                   startTime: 123_456_789_012, comm: comm)
    }

    func testTaskRow() {
        XCTAssertEqual(renderText { TasksCommand.row(task(), $0) }, "   1234    1235       1   1000 S bash")
        XCTAssertEqual(renderText { TasksCommand.row(task(pid: 4_000_000_000, tid: 7, state: 0), $0) },
                       "4000000000       7       1   1000 R bash", "wide numbers push, never truncate")
        XCTAssertEqual(renderText { TasksCommand.row(task(state: 0x40), $0) }, "   1234    1235       1   1000 P bash")
    }

    func testTaskJSON() {
        let json = render { TasksCommand.json(task(), $0) }
        XCTAssertEqual(String(decoding: json, as: UTF8.self),
                       #"{"pid":1234,"tid":1235,"ppid":1,"uid":1000,"ruid":1001,"gid":100,"state":"S","comm":"bash","kthread":false,"start_time_ns":123456789012}"#)
        let o = object(json, keys: taskKeys)
        XCTAssertEqual(o["pid"] as? Int, 1234)
        XCTAssertEqual(o["tid"] as? Int, 1235)
        XCTAssertEqual(o["ruid"] as? Int, 1001)
        XCTAssertEqual(o["state"] as? String, "S")
        XCTAssertEqual(o["comm"] as? String, "bash")
        XCTAssertEqual(o["kthread"] as? Bool, false)
        XCTAssertEqual(o["start_time_ns"] as? Int, 123_456_789_012)

        let kthread = object(render { TasksCommand.json(task(state: 0x402, flags: 0x0020_0000, comm: bytes("kworker/0:1")), $0) },
                             keys: taskKeys)
        XCTAssertEqual(kthread["kthread"] as? Bool, true)
        XCTAssertEqual(kthread["state"] as? String, "I")
        XCTAssertEqual(kthread["comm"] as? String, "kworker/0:1")
    }

    func testTaskStates() {
        let letters: [(UInt32, String)] = [(0, "R"), (1, "S"), (2, "D"), (4, "T"), (8, "t"), (0x10, "X"), (0x20, "Z"),
                                           (0x40, "P"), (0x402, "I")]
        for (raw, letter) in letters {
            XCTAssertEqual(object(render { TasksCommand.json(task(state: raw), $0) }, keys: taskKeys)["state"] as? String,
                           letter, "state \(raw)")
            XCTAssertTrue(renderText { TasksCommand.row(task(state: raw), $0) }.hasSuffix(" \(letter) bash"))
        }
    }

    func testHostileCommIsEscapedInTablesAndExactInJSON() {
        let comm = bytes("\u{1b}[31mred\u{1b}[0m")
        let row = render { TasksCommand.row(task(comm: comm), $0) }
        XCTAssertFalse(row.contains(0x1b), "raw ESC reaches the terminal")
        XCTAssertTrue(String(decoding: row, as: UTF8.self).hasSuffix(#" S \x1b[31mred\x1b[0m"#))

        let json = render { TasksCommand.json(task(comm: comm), $0) }
        XCTAssertNotNil(json.firstRange(of: bytes(#""comm":"\u001b[31mred\u001b[0m""#)), String(decoding: json, as: UTF8.self))
        XCTAssertEqual(object(json, keys: taskKeys)["comm"] as? String, "\u{1b}[31mred\u{1b}[0m")
    }

    func testInvalidUTF8CommIsSurrogateEscapedInJSON() throws {
        let comm: [UInt8] = [0x61, 0xff, 0x22, 0x5c, 0x0a]
        let json = render { TasksCommand.json(task(comm: comm), $0) }
        XCTAssertNotNil(json.firstRange(of: bytes(#""comm":"a\udcff\"\\\n""#)), String(decoding: json, as: UTF8.self))
        XCTAssertEqual(topLevelKeys(json), taskKeys)
        let range = try XCTUnwrap(json.firstRange(of: bytes(#""comm":"#)))
        let value = Array(json[range.upperBound...].prefix(while: { $0 != UInt8(ascii: ",") }))
        XCTAssertEqual(try JSONText.decode(value), comm)
        XCTAssertEqual(renderText { TasksCommand.row(task(comm: comm), $0) }, #"   1234    1235       1   1000 S a\xff"\\\n"#)
    }

    // MARK: - files

    private let fileKeys = ["pid", "fd", "type", "path", "path_source", "flags", "pos", "inode", "dev", "mode"]

    private func file(fd: UInt32 = 3, flags: UInt32 = 0o100002, mode: UInt32 = 0o100644, path: String = "/var/log/syslog",
                      pathError: Int32 = 0, object: BPFObjectRef? = nil) -> FileRecord {
        FileRecord(pid: 42, fd: fd, flags: flags, mode: mode, dev: 0xfe << 20 | 1, pos: 4096, inode: 131_073,
                   pathError: pathError, path: Array(path.utf8), bpfObject: object)
    }

    func testFileRow() {
        XCTAssertEqual(renderText { FilesCommand.row(file(), $0) },
                       "     42     3 REG       0100002       4096     131073 /var/log/syslog")
        XCTAssertEqual(renderText { FilesCommand.row(file(fd: 0, flags: 0, mode: 0o020620, path: "/dev/pts/0"), $0) },
                       "     42     0 CHR             0       4096     131073 /dev/pts/0")
        XCTAssertEqual(renderText { FilesCommand.row(file(mode: 0o600, path: "anon_inode:[eventfd]"), $0) },
                       "     42     3 a_inode   0100002       4096     131073 anon_inode:[eventfd]")
        XCTAssertEqual(renderText { FilesCommand.row(file(path: "/tmp/a\u{1b}]0;pwned\u{7}\\"), $0) },
                       #"     42     3 REG       0100002       4096     131073 /tmp/a\x1b]0;pwned\x07\\"#)
    }

    func testFileJSON() {
        let json = render { FilesCommand.json(file(), $0) }
        XCTAssertEqual(String(decoding: json, as: UTF8.self),
                       #"{"pid":42,"fd":3,"type":"REG","path":"/var/log/syslog","path_source":"d_path","flags":32770,"pos":4096,"inode":131073,"dev":"fe:01","mode":33188}"#)
        let o = object(json, keys: fileKeys)
        XCTAssertEqual(o["flags"] as? Int, 0o100002)
        XCTAssertEqual(o["mode"] as? Int, 0o100644)
        XCTAssertEqual(o["dev"] as? String, "fe:01")
        XCTAssertEqual(o["path"] as? String, "/var/log/syslog")
        XCTAssertEqual(o["path_source"] as? String, "d_path")
    }

    /// Before 5.11 the kernel gives the file's name only: the row marks it,
    /// the JSON says where each path came from.
    func testFilePathSources() {
        var named = file(path: "syslog")
        named.pathSource = .name
        XCTAssertEqual(renderText { FilesCommand.row(named, $0) },
                       "     42     3 REG       0100002       4096     131073 \u{2026}/syslog")
        XCTAssertEqual(object(render { FilesCommand.json(named, $0) }, keys: fileKeys)["path_source"] as? String, "name")
        var completed = file()
        completed.pathSource = .fd
        XCTAssertEqual(renderText { FilesCommand.row(completed, $0) },
                       "     42     3 REG       0100002       4096     131073 /var/log/syslog")
        XCTAssertEqual(object(render { FilesCommand.json(completed, $0) }, keys: fileKeys)["path_source"] as? String, "fd")
    }

    func testFileBPFObjects() {
        let objects: [(BPFObjectRef, String, String)] = [
            (.map(7), "map", "anon_inode:bpf-map"), (.program(12), "prog", "anon_inode:bpf-prog"),
            (.link(3), "link", "anon_inode:bpf_link"), (.btf(99), "btf", "anon_inode:btf"),
        ]
        for (bpf, type, path) in objects {
            let json = render { FilesCommand.json(file(mode: 0o600, path: path, object: bpf), $0) }
            let id = Int(bpf.id)
            XCTAssertNotNil(json.firstRange(of: bytes(#","bpf":{"type":"\#(type)","id":\#(id)}}"#)),
                            String(decoding: json, as: UTF8.self))
            let o = object(json, keys: fileKeys + ["bpf"])
            let nested = o["bpf"] as? [String: Any]
            XCTAssertEqual(nested?.count, 2)
            XCTAssertEqual(nested?["type"] as? String, type)
            XCTAssertEqual(nested?["id"] as? Int, id)
            XCTAssertEqual(o["type"] as? String, "a_inode")
        }
        XCTAssertNil(object(render { FilesCommand.json(file(), $0) }, keys: fileKeys)["bpf"])
    }

    func testFilePathError() {
        let record = file(path: "", pathError: ENAMETOOLONG)
        let json = render { FilesCommand.json(record, $0) }
        let o = object(json, keys: ["pid", "fd", "type", "path", "path_error", "flags", "pos", "inode", "dev", "mode"])
        XCTAssertEqual(o["path_error"] as? String, "ENAMETOOLONG")
        XCTAssertEqual(o["path"] as? String, "")
        XCTAssertEqual(renderText { FilesCommand.row(record, $0) },
                       "     42     3 REG       0100002       4096     131073 ?(ENAMETOOLONG)")
        let unknown = object(render { FilesCommand.json(file(path: "", pathError: 4095), $0) },
                             keys: ["pid", "fd", "type", "path", "path_error", "flags", "pos", "inode", "dev", "mode"])
        XCTAssertNotNil(unknown["path_error"] as? String)
    }

    func testFileTypeNames() {
        let modes: [(UInt32, String)] = [
            (0o100644, "REG"), (0o040755, "DIR"), (0o020666, "CHR"), (0o060660, "BLK"), (0o010600, "FIFO"),
            (0o140777, "SOCK"), (0o120777, "LNK"), (0o000000, "unknown"), (0o170000, "unknown"),
            (0o104755, "REG"), (0o041777, "DIR"),
        ]
        for (mode, name) in modes {
            XCTAssertEqual("\(file(mode: mode, path: "/x").typeName)", name, "mode \(String(mode, radix: 8))")
            let o = object(render { FilesCommand.json(file(mode: mode, path: "/x"), $0) }, keys: fileKeys)
            XCTAssertEqual(o["type"] as? String, name)
        }
        // anon_inode paths are a_inode whatever the mode says.
        for path in ["anon_inode:[eventfd]", "anon_inode:bpf-map", "anon_inode:[pidfd]", "anon_inode:"] {
            for mode: UInt32 in [0, 0o600, 0o100600] {
                XCTAssertEqual("\(file(mode: mode, path: path).typeName)", "a_inode", path)
            }
        }
        XCTAssertEqual("\(file(mode: 0o140777, path: "socket:[12345]").typeName)", "SOCK")
        XCTAssertEqual("\(file(mode: 0o010600, path: "pipe:[678]").typeName)", "FIFO")
        XCTAssertEqual("\(file(mode: 0o100644, path: "/tmp/anon_inode:x").typeName)", "REG", "only a prefix counts")
    }

    func testFileWithHostilePathIsExactInJSON() throws {
        let path: [UInt8] = Array("/tmp/\u{1b}[2J\u{202e}".utf8) + [0xff, 0xc0, 0x80]
        var record = file()
        record.path = path
        let json = render { FilesCommand.json(record, $0) }
        XCTAssertEqual(topLevelKeys(json), fileKeys)
        let range = try XCTUnwrap(json.firstRange(of: bytes(#""path":"#)))
        let value = Array(json[range.upperBound...].prefix(while: { $0 != UInt8(ascii: ",") }))
        XCTAssertEqual(try JSONText.decode(value), path)
        let row = render { FilesCommand.row(record, $0) }
        XCTAssertFalse(row.contains { $0 < 0x20 || $0 == 0x7f })
        XCTAssertTrue(String(decoding: row, as: UTF8.self).hasSuffix(#"/tmp/\x1b[2J\u{202e}\xff\xc0\x80"#))
    }

    // MARK: - vmas

    private let vmaKeys = ["pid", "start", "end", "perms", "pgoff", "dev", "inode", "path"]

    private func vma(start: UInt64 = 0x55d0_c0a0_0000, end: UInt64 = 0x55d0_c0a2_1000, flags: UInt64 = 0x3,
                     path: String = "", pathError: Int32 = 0, special: VMARecord.Special = .none,
                     pgoff: UInt64 = 0, inode: UInt64 = 0, dev: UInt32 = 0) -> VMARecord {
        VMARecord(pid: 42, start: start, end: end, pgoff: pgoff, inode: inode, vmFlags: flags, dev: dev,
                  pathError: pathError, path: Array(path.utf8), special: special)
    }

    func testVMARow() {
        XCTAssertEqual(renderText { VMAsCommand.row(vma(special: .heap), $0) },
                       "     42 000055d0c0a00000-000055d0c0a21000 rw-p 00000000 00:00 0          [heap]")
        XCTAssertEqual(renderText { VMAsCommand.row(vma(), $0) },
                       "     42 000055d0c0a00000-000055d0c0a21000 rw-p 00000000 00:00 0", "anonymous: no path column")
        XCTAssertEqual(renderText {
            VMAsCommand.row(vma(start: 0x7f00_0000_0000, end: 0x7f00_0002_8000, flags: 0x5, path: "/usr/lib/libc.so.6",
                                pgoff: 0x28000, inode: 1_234_567, dev: 0xfe << 20 | 1), $0)
        }, "     42 00007f0000000000-00007f0000028000 r-xp 00028000 fe:01 1234567    /usr/lib/libc.so.6")
        XCTAssertEqual(renderText { VMAsCommand.row(vma(flags: 0x83, path: "/dev/shm/x\u{9b}"), $0) },
                       "     42 000055d0c0a00000-000055d0c0a21000 rw-s 00000000 00:00 0          /dev/shm/x\\u{009b}")
        XCTAssertEqual(renderText { VMAsCommand.row(vma(pathError: ENAMETOOLONG), $0) },
                       "     42 000055d0c0a00000-000055d0c0a21000 rw-p 00000000 00:00 0          ?(ENAMETOOLONG)")
        // Only the name, where neither bpf_d_path() nor map_files gave the
        // path: marked as a name, as the pinned iterator's text marks it.
        var named = vma(path: "libc.so.6")
        named.pathSource = .name
        XCTAssertEqual(renderText { VMAsCommand.row(named, $0) },
                       "     42 000055d0c0a00000-000055d0c0a21000 rw-p 00000000 00:00 0          \u{2026}/libc.so.6")
        named.pathSource = .mapFiles
        named.path = Array("/usr/lib/libc.so.6".utf8)
        XCTAssertEqual(renderText { VMAsCommand.row(named, $0) },
                       "     42 000055d0c0a00000-000055d0c0a21000 rw-p 00000000 00:00 0          /usr/lib/libc.so.6")
    }

    func testVMAJSON() {
        let json = render { VMAsCommand.json(vma(special: .heap), $0) }
        XCTAssertEqual(String(decoding: json, as: UTF8.self),
                       #"{"pid":42,"start":"55d0c0a00000","end":"55d0c0a21000","perms":"rw-p","pgoff":0,"dev":"00:00","inode":0,"path":"[heap]"}"#)
        let o = object(json, keys: vmaKeys)
        XCTAssertEqual(o["start"] as? String, "55d0c0a00000", "addresses are hex strings")
        XCTAssertEqual(o["end"] as? String, "55d0c0a21000")
        XCTAssertEqual(o["path"] as? String, "[heap]")

        for (special, name) in [(VMARecord.Special.stack, "[stack]"), (.vdso, "[vdso]"), (.none, "")] {
            XCTAssertEqual(object(render { VMAsCommand.json(vma(special: special), $0) }, keys: vmaKeys)["path"] as? String, name)
        }
        // A file path wins over the special name.
        // A file's path says where it came from (d_path unless the kernel refused it).
        let file = object(render { VMAsCommand.json(vma(path: "/x", special: .heap), $0) }, keys: vmaKeys + ["path_source"])
        XCTAssertEqual(file["path"] as? String, "/x")
        XCTAssertEqual(file["path_source"] as? String, "d_path")
        for source in [VMARecord.PathSource.name, .mapFiles] {
            var v = vma(path: "/x")
            v.pathSource = source
            XCTAssertEqual(object(render { VMAsCommand.json(v, $0) }, keys: vmaKeys + ["path_source"])["path_source"] as? String,
                           source.label)
        }

        // Small and huge addresses: at least 8 digits, like /proc/PID/maps; never a number.
        let low = object(render { VMAsCommand.json(vma(start: 0x1000, end: 0xffff_ffff_ff60_1000), $0) }, keys: vmaKeys)
        XCTAssertEqual(low["start"] as? String, "00001000")
        XCTAssertEqual(low["end"] as? String, "ffffffffff601000")

        let mapped = object(render {
            VMAsCommand.json(vma(flags: 0x5, path: "/usr/lib/libc.so.6", pgoff: 0x28000, inode: 1_234_567, dev: 0x103 << 20 | 0x2a), $0)
        }, keys: vmaKeys + ["path_source"])
        XCTAssertEqual(mapped["perms"] as? String, "r-xp")
        XCTAssertEqual(mapped["pgoff"] as? Int, 0x28000, "pgoff is a number of bytes")
        XCTAssertEqual(mapped["dev"] as? String, "103:2a")
        XCTAssertEqual(mapped["inode"] as? Int, 1_234_567)
    }

    func testVMAPathError() {
        let o = object(render { VMAsCommand.json(vma(pathError: ENAMETOOLONG), $0) }, keys: vmaKeys + ["path_error"])
        XCTAssertEqual(o["path_error"] as? String, "ENAMETOOLONG")
    }

    // MARK: - maps

    private let mapKeys = ["id", "type", "name", "flags", "bytes_key", "bytes_value", "max_entries"]

    private func map(id: UInt32 = 12, type: UInt32 = 1, flags: UInt64 = 0, name: [UInt8] = Array("my_map".utf8)) -> MapRecord {
        MapRecord(id: id, type: type, keySize: 4, valueSize: 8, maxEntries: 1024, flags: flags, name: name)
    }

    func testMapRow() {
        XCTAssertEqual(renderText { MapsCommand.row(map(), $0) },
                       "     12 hash                      4      8         1024 0x00000000 my_map")
        XCTAssertEqual(renderText { MapsCommand.row(map(type: 27, flags: 0x400, name: []), $0) },
                       "     12 ringbuf                   4      8         1024 0x00000400 ")
        XCTAssertEqual(renderText { MapsCommand.row(map(name: [0x1b, 0x5b, 0x4b]), $0) },
                       #"     12 hash                      4      8         1024 0x00000000 \x1b[K"#)
    }

    func testMapJSON() {
        let json = render { MapsCommand.json(map(), $0) }
        XCTAssertEqual(String(decoding: json, as: UTF8.self),
                       #"{"id":12,"type":"hash","name":"my_map","flags":0,"bytes_key":4,"bytes_value":8,"max_entries":1024}"#)
        let o = object(json, keys: mapKeys)
        XCTAssertEqual(o["id"] as? Int, 12)
        XCTAssertEqual(o["type"] as? String, "hash")
        XCTAssertEqual(o["name"] as? String, "my_map")
        XCTAssertEqual(o["bytes_key"] as? Int, 4)
        XCTAssertEqual(o["bytes_value"] as? Int, 8)
        XCTAssertEqual(o["max_entries"] as? Int, 1024)
    }

    func testMapTypeNames() {
        let names: [(UInt32, String)] = [(0, "unspec"), (1, "hash"), (2, "array"), (6, "percpu_array"), (9, "lru_hash"),
                                         (12, "array_of_maps"), (27, "ringbuf"), (30, "bloom_filter"), (33, "arena"),
                                         (34, "type_34"), (1000, "type_1000")]
        for (type, name) in names {
            let o = object(render { MapsCommand.json(map(type: type), $0) }, keys: mapKeys)
            XCTAssertEqual(o["type"] as? String, name, "type \(type)")
        }
        let flagged = object(render { MapsCommand.json(map(flags: 0x1001, name: Array("\u{1b}x".utf8)), $0) }, keys: mapKeys)
        XCTAssertEqual(flagged["flags"] as? Int, 0x1001)
        XCTAssertEqual(flagged["name"] as? String, "\u{1b}x")
    }
}

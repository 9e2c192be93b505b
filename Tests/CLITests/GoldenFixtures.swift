import CLibBPF
import Foundation
import Iterators
import Netlink
import TestSupport
@testable import BPFKit
@testable import BPFNavCLI
@testable import BrowserModel
@testable import Formatting
@testable import ObjectModel
@testable import Platform

/// The fixed inputs of GoldenOutputTests: the kernel objects, pins and
/// records a machine could have, chosen to reach every variant the
/// presenters know — fields older kernels do not return, names that need
/// escaping (control bytes, quotes, bidi overrides, invalid UTF-8), empty
/// lists, the longest values. Ids tie them together as on a real machine
/// (program 10 uses maps 20 and 21, link 34 is pinned and held by pid 300).
enum Fixtures {
    // MARK: - Programs

    /// `bpf_prog_info` as a kernel that returns `length` bytes of it gives it.
    static func programInfo(length: Int = MemoryLayout<bpf_prog_info>.size,
                            _ fill: (inout bpf_prog_info) -> Void) -> ProgramInfo {
        var raw = bpf_prog_info()
        fill(&raw)
        // No fd: the map ids and memlock (a second call and fdinfo) are set below.
        guard let info = try? ProgramInfo(KernelInfo(value: raw, length: length), fd: nil) else {
            fatalError("ProgramInfo without an fd cannot fail")
        }
        return info
    }

    /// The length of a 5.10 kernel's info (before recursion_misses, 5.12)
    /// and of a 5.12–5.15 one (before verified_insns, 5.16).
    static let linux5_10 = MemoryLayout<bpf_prog_info>.offset(of: \.recursion_misses)!
    static let linux5_12 = MemoryLayout<bpf_prog_info>.offset(of: \.verified_insns)!

    static let loader = Holder(pid: 300, comm: Array("loader".utf8))
    /// A comm with an escape sequence and a byte that is not UTF-8.
    static let evil = Holder(pid: 4242, comm: Array("ev\u{1b}[1mil".utf8) + [0xff])

    static var programs: [ProgramEntry] {
        // Everything a current kernel returns, statistics on, loaded 5 s
        // after boot (LoadTimes masks the wall time).
        var full = programInfo {
            $0.id = 10; $0.type = 26; $0.gpl_compatible = 1
            $0.load_time = LoadTimes.bootNanoseconds[0]; $0.created_by_uid = 0
            $0.xlated_prog_len = 1234; $0.jited_prog_len = 789; $0.btf_id = 55
            $0.run_time_ns = 123_456_789; $0.run_cnt = 1000; $0.recursion_misses = 3; $0.verified_insns = 77
        }
        full.name = "handle_sys_ente"
        full.tag = "0123456789abcdef"
        full.mapIDs = [20, 21]
        full.bytesMemlock = 4096

        // Linux 5.10: no recursion_misses, no verified_insns; never run,
        // interpreted (not JITed), no load time, no memlock in fdinfo.
        var old = programInfo(length: linux5_10) {
            $0.id = 11; $0.type = 5; $0.xlated_prog_len = 16
            $0.recursion_misses = 9; $0.verified_insns = 9  // past what the kernel returned: not shown
        }
        old.name = "tp\u{202e}evil\t\"q\\"
        old.tag = "ffffffffffffffff"

        // Linux 5.12–5.15: recursion_misses given but 0, verified_insns not;
        // runs counted without time; a type newer than bpfnav's table; a
        // map id that is not listed; the largest sizes.
        var newer = programInfo(length: linux5_12) {
            $0.id = 12; $0.type = 99; $0.load_time = LoadTimes.bootNanoseconds[1]; $0.created_by_uid = 1000
            $0.xlated_prog_len = .max; $0.jited_prog_len = 8; $0.run_cnt = 5
        }
        newer.tag = "0000000000000000"
        newer.mapIDs = [22, 99]
        newer.bytesMemlock = 0

        // A UTF-8 name, statistics with a rate (browser), 5 GiB of memlock.
        var utf8 = programInfo {
            $0.id = 13; $0.type = 2; $0.gpl_compatible = 1
            $0.xlated_prog_len = 8; $0.jited_prog_len = 16; $0.btf_id = 56
            $0.run_time_ns = 2_500_000_000; $0.run_cnt = 3; $0.verified_insns = 1_000_000
        }
        utf8.name = "café_ñ"
        utf8.tag = "a1b2c3d4e5f60718"
        utf8.bytesMemlock = 5 << 30

        return [
            ProgramEntry(info: full, fullName: "handle_sys_enter_openat",
                         pinned: [Array("/sys/fs/bpf/handle_openat".utf8), Array("/sys/fs/bpf/dir with space/p\n".utf8) + [0xff]],
                         pids: [loader, evil],
                         metadata: [("version", .uint(3)), ("owner", .string("ops \"team\"\n\u{1b}[2J")),
                                    ("a_rather_long_metadata_variable_name", .array([.int(-1), .bool(true)]))]),
            ProgramEntry(info: old, fullName: old.name),
            ProgramEntry(info: newer, fullName: "", pids: [Holder(pid: 1, comm: Array("init".utf8))]),
            ProgramEntry(info: utf8, fullName: "café_ñ"),
        ]
    }

    /// The browser's run-rate sample of the programs (bpfnav's stats on).
    static let rates: [UInt32: RunStats.Rate] = [
        10: RunStats.Rate(eventsPerSecond: 1234.56, cpuPercent: 12.345),
        13: RunStats.Rate(eventsPerSecond: 0, cpuPercent: 0),
    ]

    // MARK: - Maps

    static func mapInfo(length: Int = MemoryLayout<bpf_map_info>.size, name: String,
                        _ fill: (inout bpf_map_info) -> Void) -> MapInfo {
        var raw = bpf_map_info()
        fill(&raw)
        var info = MapInfo(KernelInfo(value: raw, length: length))
        info.name = name
        return info
    }

    static var maps: [MapEntry] {
        var counts = mapInfo(name: "counts") {
            $0.id = 20; $0.type = 1; $0.key_size = 4; $0.value_size = 8; $0.max_entries = 1024; $0.btf_id = 55
            $0.btf_key_type_id = 1; $0.btf_value_type_id = 2
        }
        counts.bytesMemlock = 4096
        var jumps = mapInfo(name: "jmp_table") {
            $0.id = 21; $0.type = 3; $0.key_size = 4; $0.value_size = 4; $0.max_entries = 8; $0.map_flags = 0x400
        }
        jumps.bytesMemlock = 5 << 30
        jumps.frozen = true
        // Before map_extra (5.16); no name; fdinfo without memlock.
        let old = mapInfo(length: MemoryLayout<bpf_map_info>.offset(of: \.map_extra)!, name: "") {
            $0.id = 22; $0.type = 6; $0.key_size = 4; $0.value_size = 4; $0.max_entries = .max; $0.map_flags = 0x80
        }
        var odd = mapInfo(name: "\u{1b}]0;t\u{7}\u{7f}x") {
            $0.id = 23; $0.type = 99; $0.map_flags = .max
        }
        odd.bytesMemlock = 0
        return [
            MapEntry(info: counts, pinned: [Array("/sys/fs/bpf/counts".utf8), Array("/mnt/bpf/counts".utf8)],
                     pids: [loader]),
            MapEntry(info: jumps, ownerProgramType: 26, ownerJited: true),
            MapEntry(info: old),
            MapEntry(info: odd, ownerProgramType: 99, ownerJited: false,
                     pids: [Holder(pid: 77, comm: [0x09, 0x0a, 0x22, 0x5c])]),
        ]
    }

    // MARK: - Links

    static func link(_ id: UInt32, _ type: UInt32, program: UInt32, _ details: LinkDetails) -> LinkEntry {
        LinkEntry(info: LinkInfo(id: id, type: type, programID: program, details: details))
    }

    /// A tracepoint's `format` file, as tracefs has it.
    static let schedSwitchFormat = """
        name: sched_switch
        ID: 316
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
        \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
        \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

        \tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
        \tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;
        \tfield:__data_loc char[] name\u{1b};\toffset:28;\tsize:4;\tsigned:0;

        print fmt: "prev_comm=%s prev_pid=%d", REC->prev_comm, REC->prev_pid

        """

    /// An interface index no network device can have (the kernel's are
    /// positive ints): "(unknown)" on every machine. `deviceName` asks the
    /// kernel; 0 ("detached") does not.
    static let noSuchInterface: UInt32 = .max

    /// Every link type and variant LinkInfo.swift decodes.
    static var links: [LinkEntry] {
        var tracing = link(31, 2, program: 10, .tracing(attachType: 24, targetObjectID: 1, targetBTFID: 12345, cookie: 7))
        tracing.programType = 26
        var filesIter = link(34, 4, program: 10, .iter(target: "task_file", mapID: 0, cgroupID: 0, order: 0, tid: 0, pid: 300))
        filesIter.pinned = [Array("/sys/fs/bpf/bpfnav/files-pid-300".utf8)]
        filesIter.pids = [loader]
        var kprobe = link(44, 7, program: 13, .perfEvent(.kprobe(function: "do_sys_openat2", offset: 0,
                                                                 address: 0xffff_ffff_8123_4560, missed: 2,
                                                                 retprobe: false, cookie: 0xdead_beef)))
        kprobe.pids = [evil]
        var tracepoint = link(49, 7, program: 11, .perfEvent(.tracepoint(name: "sched_switch", cookie: 1)))
        tracepoint.tracepointFormat = TracepointFormat.parse(schedSwitchFormat, group: "sched")
        return [
            link(30, 1, program: 10, .rawTracepoint(name: "sys_enter", cookie: 0)),
            tracing,
            // The linked program could not be read (no prog_type); an
            // attach type newer than bpfnav's table; a kernel without the cookie.
            link(32, 2, program: 13, .tracing(attachType: 200, targetObjectID: 0, targetBTFID: 0, cookie: nil)),
            link(33, 3, program: 12, .cgroup(cgroupID: 4_294_967_297, attachType: 1)),
            filesIter,
            link(35, 4, program: 10, .iter(target: "task", mapID: 0, cgroupID: 0, order: 0, tid: 77, pid: 0)),
            link(36, 4, program: 10, .iter(target: "bpf_map_elem", mapID: 20, cgroupID: 0, order: 0, tid: 0, pid: 0)),
            link(37, 4, program: 10, .iter(target: "cgroup", mapID: 0, cgroupID: 12, order: 2, tid: 0, pid: 0)),
            link(38, 4, program: 10, .iter(target: "bpf_map", mapID: 0, cgroupID: 0, order: 0, tid: 0, pid: 0)),
            link(39, 4, program: 10, .iter(target: "cgroup", mapID: 0, cgroupID: 1, order: 9, tid: 0, pid: 0)),
            link(40, 4, program: 10, .iter(target: "task_vma", mapID: 0, cgroupID: 0, order: 0, tid: 0, pid: 0)),
            link(41, 5, program: 12, .netns(inode: 4_026_531_840, attachType: 36)),
            link(42, 6, program: 12, .xdp(ifindex: 0)),
            link(43, 6, program: 12, .xdp(ifindex: noSuchInterface)),
            kprobe,
            // Before 6.7 (no missed) and 6.9 (no cookie).
            link(45, 7, program: 13, .perfEvent(.kprobe(function: "vfs_read", offset: 16, address: 0, missed: nil,
                                                         retprobe: true, cookie: nil))),
            link(46, 7, program: 13, .perfEvent(.uprobe(file: "/usr/lib/libc.so.6", offset: 0x1234, retprobe: false,
                                                         cookie: 7, refCtrOffset: 0x40))),
            link(47, 7, program: 13, .perfEvent(.uprobe(file: "/opt/my app/bin\u{1b}[K", offset: 0, retprobe: true,
                                                         cookie: nil, refCtrOffset: nil))),
            link(48, 7, program: 13, .perfEvent(.uprobe(file: "/usr/bin/true", offset: 0x10, retprobe: false,
                                                         cookie: 0, refCtrOffset: 0))),
            tracepoint,
            // No format: tracefs not readable, or the event is gone.
            link(50, 7, program: 11, .perfEvent(.tracepoint(name: "syscalls:sys_enter_openat", cookie: nil))),
            link(51, 7, program: 13, .perfEvent(.event(config: 0, type: 0, cookie: 3))),
            link(52, 7, program: 13, .perfEvent(.event(config: 9, type: 1, cookie: nil))),
            link(53, 7, program: 13, .perfEvent(.event(config: 0x10001, type: 3, cookie: nil))),
            link(54, 7, program: 13, .perfEvent(.event(config: 0x1234, type: 4, cookie: nil))),
            link(55, 7, program: 13, .perfEvent(.event(config: 77, type: 9, cookie: nil))),
            link(56, 7, program: 13, .perfEvent(.notReported)),
            link(57, 7, program: 13, .perfEvent(.unknown(9))),
            link(58, 8, program: 13, .kprobeMulti(count: 12, flags: 1, missed: 5)),
            link(59, 8, program: 13, .kprobeMulti(count: 3, flags: 0, missed: nil)),
            link(60, 9, program: 12, .structOps(mapID: 21)),
            link(61, 10, program: 12, .netfilter(protocolFamily: 2, hook: 1, priority: -100, flags: 0)),
            link(62, 11, program: 12, .tcx(ifindex: 0, attachType: 46)),
            link(63, 12, program: 13, .uprobeMulti(path: "/usr/bin/bash", count: 4, flags: 1, pid: 300)),
            link(64, 13, program: 12, .netkit(ifindex: noSuchInterface, attachType: 55)),
            link(65, 14, program: 12, .sockmap(mapID: 20, attachType: 38)),
            link(66, 99, program: 12, .unknown),
        ]
    }

    // MARK: - Pins

    static let mounts = [Array("/sys/fs/bpf".utf8), Array("/mnt/bpf".utf8)]

    static func pin(_ path: String, _ kind: PinKind, owner: PinOwner = .foreign,
                    _ fill: (inout PinEntry) -> Void = { _ in }) -> PinEntry {
        pin(Array(path.utf8), kind, owner: owner, fill)
    }

    static func pin(_ path: [UInt8], _ kind: PinKind, owner: PinOwner = .foreign,
                    _ fill: (inout PinEntry) -> Void = { _ in }) -> PinEntry {
        var entry = PinEntry(path: path, kind: kind)
        entry.owner = owner
        fill(&entry)
        return entry
    }

    /// A walk of two bpffs mounts: bpfnav's directory (manifest, feature
    /// cache, program cache, demo, iterator pins), other programs' pins,
    /// and what cannot be read.
    static var pins: [PinEntry] {
        let programs = Self.programs.map(\.info)
        let maps = Self.maps.map(\.info)
        let links = Self.links.map(\.info)
        func iterator(_ id: UInt32, _ target: String, tid: UInt32 = 0, pid: UInt32 = 0) -> LinkInfo {
            LinkInfo(id: id, type: 4, programID: 70, details: .iter(target: target, mapID: 0, cgroupID: 0, order: 0,
                                                                   tid: tid, pid: pid))
        }
        let manifest = mapInfo(name: "bpfnav_manifest") { $0.id = 71; $0.type = 2 }
        let features = mapInfo(name: "bpfnav_features") { $0.id = 72; $0.type = 2 }
        var cached = programInfo { $0.id = 70; $0.type = 26 }
        cached.name = "bpfnav_file_rec"
        cached.tag = "1111111111111111"
        var cachedObjects = programInfo { $0.id = 74; $0.type = 26 }
        cachedObjects.name = "bpfnav_file_bpf"
        cachedObjects.tag = "3333333333333333"
        var demo = programInfo { $0.id = 73; $0.type = 5 }
        demo.name = "demo_count"
        demo.tag = "2222222222222222"
        return [
            pin("/sys/fs/bpf", .directory),
            pin("/sys/fs/bpf/bpfnav", .directory),
            pin("/sys/fs/bpf/bpfnav/bpfnav-manifest", .map, owner: .manifest) { $0.id = 71; $0.map = manifest },
            pin("/sys/fs/bpf/bpfnav/demo-count", .program, owner: .demo) { $0.id = 73; $0.program = demo },
            pin("/sys/fs/bpf/bpfnav/demo-counts", .map, owner: .demo) { $0.id = 20; $0.map = maps[0] },
            pin("/sys/fs/bpf/bpfnav/features", .map, owner: .featureCache) { $0.id = 72; $0.map = features },
            pin("/sys/fs/bpf/bpfnav/files-pid-300", .link, owner: .iterator(kind: .taskFile, format: .text, params: .pid(300))) {
                $0.id = 34; $0.link = iterator(34, "task_file", pid: 300); $0.linkProgramName = "bpfnav_file_txt"
            },
            pin("/sys/fs/bpf/bpfnav/progs-0123abcd", .directory),
            pin("/sys/fs/bpf/bpfnav/progs-0123abcd/bpfnav_file_bpf", .program,
                owner: .programCache(kind: .taskFile, format: .bpfObjects)) { $0.id = 74; $0.program = cachedObjects },
            pin("/sys/fs/bpf/bpfnav/progs-0123abcd/bpfnav_file_rec", .program,
                owner: .programCache(kind: .taskFile, format: .records)) { $0.id = 70; $0.program = cached },
            pin("/sys/fs/bpf/bpfnav/tasks", .link, owner: .iterator(kind: .task, format: .text, params: .all)) {
                $0.id = 75; $0.link = iterator(75, "task"); $0.linkProgramName = "bpfnav_task_txt"
            },
            pin("/sys/fs/bpf/bpfnav/vmas-tid-77", .link, owner: .iterator(kind: .taskVMA, format: .records, params: .tid(77))) {
                $0.id = 76; $0.link = iterator(76, "task_vma", tid: 77); $0.linkProgramName = "bpfnav_vma_rec"
            },
            pin("/sys/fs/bpf/counts", .map) { $0.id = 20; $0.map = maps[0] },
            pin("/sys/fs/bpf/dangling", .symlink),
            pin("/sys/fs/bpf/dir with space", .directory),
            pin(Array("/sys/fs/bpf/dir with space/p\n".utf8) + [0xff], .program) { $0.id = 10; $0.program = programs[0] },
            pin("/sys/fs/bpf/forbidden", .unreadable) { $0.errno = EPERM },
            pin("/sys/fs/bpf/handle_openat", .program) { $0.id = 10; $0.program = programs[0] },
            pin("/sys/fs/bpf/kprobe_link", .link) {
                $0.id = 44; $0.link = links.first { $0.id == 44 }; $0.linkProgramName = "café_ñ"
            },
            pin("/sys/fs/bpf/locked", .directory) { $0.errno = EACCES },
            pin(Array("/sys/fs/bpf/odd\n\u{1b}[2J".utf8) + [0xfe], .other),
            pin("/sys/fs/bpf/shortcut", .symlink) { $0.symlinkTarget = Array("counts".utf8) },
            pin("/sys/fs/bpf/tp\u{202e}", .program) { $0.id = 11; $0.program = programs[1] },
            pin("/sys/fs/bpf/vanished", .unreadable) { $0.errno = ENOENT },
            // The linked program could not be read.
            pin("/sys/fs/bpf/xdp_link", .link) { $0.id = 42; $0.link = links.first { $0.id == 42 } },
            pin("/mnt/bpf", .directory),
            pin("/mnt/bpf/counts", .map) { $0.id = 20; $0.map = maps[0] },
        ]
    }

    // MARK: - Records

    static var tasks: [TaskRecord] {
        func task(_ pid: UInt32, _ tid: UInt32, ppid: UInt32 = 300, uid: UInt32 = 0, ruid: UInt32 = 0, gid: UInt32 = 0,
                  state: UInt32 = 1, flags: UInt32 = 0, start: UInt64 = 1_000_000_000, _ comm: [UInt8]) -> TaskRecord {
            TaskRecord(pid: pid, tid: tid, ppid: ppid, uid: uid, ruid: ruid, gid: gid, rawState: state, flags: flags,
                       startTime: start, comm: comm)
        }
        return [
            task(2, 2, ppid: 0, state: 0x402, flags: 0x0020_0000, start: 0, Array("kthreadd".utf8)),
            task(300, 300, ppid: 1, Array("loader".utf8)),
            task(300, 301, ppid: 1, state: 0, start: 1_000_500_000, Array("loader-worker12".utf8)),
            task(4242, 4242, uid: 1000, ruid: 1001, gid: 100, state: 0x20, start: .max, evil.comm),
            task(77, 77, uid: .max, ruid: .max, gid: .max, state: 2, start: 5, Array("a\"b\\c\td\n".utf8)),
            task(78, 78, state: 4, Array("stopped".utf8)),
            task(79, 79, state: 8, Array("traced".utf8)),
            task(80, 80, state: 0x8001, Array("frozen".utf8)),
            task(81, 81, state: 0x10, Array("dead".utf8)),
            task(82, 82, state: 0x40, Array("parked".utf8)),
            task(83, 83, state: 1, []),
        ]
    }

    static func dev(_ major: UInt32, _ minor: UInt32) -> UInt32 { major << 20 | minor }

    static var files: [FileRecord] {
        [
            FileRecord(pid: 300, fd: 0, flags: 0o2, mode: 0o020620, dev: dev(0, 25), pos: 0, inode: 3,
                       path: Array("/dev/pts/0".utf8)),
            FileRecord(pid: 300, fd: 3, flags: 0o2_104_001, mode: 0o100644, dev: dev(254, 1), pos: 123_456_789, inode: 131_072,
                       path: Array("/var/log/app.log".utf8)),
            FileRecord(pid: 300, fd: 4, flags: 0o2_000_002, mode: 0o600, dev: dev(0, 15), pos: 0, inode: 1234,
                       path: Array("anon_inode:bpf-prog".utf8), bpfObject: .program(10)),
            FileRecord(pid: 300, fd: 5, flags: 0o2_000_002, mode: 0o600, dev: dev(0, 15), pos: 0, inode: 1234,
                       path: Array("anon_inode:bpf-map".utf8), bpfObject: .map(20)),
            FileRecord(pid: 300, fd: 6, flags: 0o2_000_000, mode: 0o600, dev: dev(0, 15), pos: 0, inode: 1234,
                       path: Array("anon_inode:bpf_link".utf8), bpfObject: .link(34)),
            FileRecord(pid: 300, fd: 7, flags: 0o2_000_000, mode: 0o600, dev: dev(0, 15), pos: 0, inode: 1234,
                       path: Array("anon_inode:btf".utf8), bpfObject: .btf(55)),
            FileRecord(pid: 300, fd: 8, flags: 0o2_000_002, mode: 0o600, dev: dev(0, 15), pos: 0, inode: 1234,
                       path: Array("anon_inode:bpf-map".utf8), bpfObject: .map(98)),
            FileRecord(pid: 300, fd: 9, flags: 0o2, mode: 0o140777, dev: dev(0, 8), pos: 0, inode: 98765,
                       path: Array("socket:[98765]".utf8)),
            FileRecord(pid: 300, fd: 10, flags: 0o0, mode: 0o010600, dev: dev(0, 14), pos: 0, inode: 4321,
                       path: Array("pipe:[4321]".utf8)),
            FileRecord(pid: 300, fd: 11, flags: 0o100000, mode: 0o100600, dev: dev(254, 1), pos: 0, inode: 55,
                       pathError: ENAMETOOLONG, path: []),
            FileRecord(pid: 300, fd: 12, flags: 0o1, mode: 0o100644, dev: dev(254, 1), pos: 9, inode: 56,
                       path: Array("log.txt".utf8), pathSource: .name),
            FileRecord(pid: 300, fd: 13, flags: 0o0, mode: 0o060660, dev: dev(0, 5), pos: 512, inode: 77,
                       path: Array("/dev/sda1".utf8)),
            FileRecord(pid: 300, fd: 14, flags: 0o0, mode: 0o120777, dev: dev(0, 5), pos: 0, inode: 78,
                       path: Array("/proc/self".utf8), pathSource: .fd),
            FileRecord(pid: 300, fd: 15, flags: 0o0, mode: 0, dev: dev(4095, 1_048_575), pos: 0, inode: 0,
                       path: Array("/weird".utf8)),
            FileRecord(pid: 4242, fd: .max, flags: .max, mode: 0o040755, dev: dev(8, 1), pos: .max, inode: .max,
                       path: Array("/tmp/new\nline \u{1b}[31m\u{202e}".utf8) + [0xff]),
        ]
    }

    static var vmas: [VMARecord] {
        let exec: UInt64 = 0x5, data: UInt64 = 0x3
        return [
            VMARecord(pid: 300, start: 0x55d0_c0a0_0000, end: 0x55d0_c0a2_1000, pgoff: 0, inode: 131_073, vmFlags: exec,
                      dev: dev(254, 1), path: Array("/usr/bin/loader".utf8)),
            VMARecord(pid: 300, start: 0x55d0_c0c2_1000, end: 0x55d0_c0c4_2000, pgoff: 0, inode: 0, vmFlags: data,
                      dev: 0, path: [], special: .heap),
            VMARecord(pid: 300, start: 0x7f00_0000_0000, end: 0x7f00_0000_1000, pgoff: 0, inode: 0, vmFlags: data,
                      dev: 0, path: []),
            VMARecord(pid: 300, start: 0x7f10_0000_0000, end: 0x7f10_0010_0000, pgoff: 0x1000, inode: 99,
                      vmFlags: 0x83, dev: dev(0, 1), path: Array("/dev/shm/ring buffer".utf8)),
            VMARecord(pid: 300, start: 0x7f20_0000_0000, end: 0x7f20_0000_2000, pgoff: 0x2000, inode: 100, vmFlags: 0x1,
                      dev: dev(254, 1), pathError: EACCES, path: []),
            VMARecord(pid: 300, start: 0x7f30_0000_0000, end: 0x7f30_0002_0000, pgoff: 0x1_2345_6789_0000, inode: 101,
                      vmFlags: exec, dev: dev(254, 1), path: Array("libc.so.6".utf8), pathSource: .name),
            VMARecord(pid: 300, start: 0x7f40_0000_0000, end: 0x7f40_0000_1000, pgoff: 0, inode: 102, vmFlags: 0x1,
                      dev: dev(254, 1), path: Array("/usr/lib/locale/C.utf8/LC_CTYPE".utf8), pathSource: .mapFiles),
            VMARecord(pid: 300, start: 0x7ffd_4a1c_0000, end: 0x7ffd_4a1e_1000, pgoff: 0, inode: 0, vmFlags: data,
                      dev: 0, path: [], special: .stack),
            VMARecord(pid: 300, start: 0x7ffd_4a1f_b000, end: 0x7ffd_4a1f_d000, pgoff: 0, inode: 0, vmFlags: exec,
                      dev: 0, path: [], special: .vdso),
            VMARecord(pid: 4242, start: 0xffff_ffff_ff60_0000, end: 0xffff_ffff_ff60_1000, pgoff: 0, inode: 0,
                      vmFlags: 0x4, dev: 0, path: Array("/tmp/\u{1b}]0;x\u{7}".utf8) + [0xff]),
        ]
    }

    // MARK: - Map entries

    struct MapDumpFixture {
        var info: MapInfo
        var btf: BTF?
        var about: String
        var entries: [(key: [UInt8], value: [UInt8])]
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    /// Maps whose entries are dumped, with a small BTF: `pid_t` keys and
    /// `struct stats { u64 count; char comm[8]; enum state state; int delta; }`
    /// values.
    static func mapDumps() throws -> [MapDumpFixture] {
        var b = BTFBlobBuilder(strings: .appendedEach)
        let u32 = b.int("unsigned int", size: 4)
        let u64 = b.int("unsigned long long", size: 8)
        let char = b.int("char", size: 1, encoding: 1)
        let comm = b.array(char, count: 8)
        let state = b.enumeration("state", [("IDLE", 0), ("BUSY", 1)])
        let int = b.int("int", size: 4, encoding: 1)
        let stats = b.composite("stats", size: 24, [("count", u64, 0, 0), ("comm", comm, 64, 0),
                                                    ("state", state, 128, 0), ("delta", int, 160, 0)])
        let pid = b.typedef("pid_t", int)
        let btf = try b.btf()

        func map(_ id: UInt32, _ type: UInt32, key: UInt32, value: UInt32, keyType: UInt32 = 0, valueType: UInt32 = 0,
                 btf: Bool) -> MapInfo {
            mapInfo(name: "m\(id)") {
                $0.id = id; $0.type = type; $0.key_size = key; $0.value_size = value; $0.max_entries = 64
                $0.btf_id = btf ? 55 : 0; $0.btf_key_type_id = keyType; $0.btf_value_type_id = valueType
            }
        }
        func statsValue(_ count: UInt64, _ comm: [UInt8], _ state: UInt32, _ delta: Int32) -> [UInt8] {
            le(count) + comm + le(state) + le(delta)
        }
        let pad: [UInt8] = [0xaa, 0xaa, 0xaa, 0xaa]
        return [
            MapDumpFixture(info: map(20, 1, key: 4, value: 24, keyType: pid, valueType: stats, btf: true), btf: btf,
                           about: "hash, BTF key and value", entries: [
                               (le(Int32(300)), statsValue(5, Array("loader\0\0".utf8), 1, -3)),
                               (le(Int32(-1)), statsValue(.max, Array("ab\u{1b}c".utf8) + [0xff, 0, 0, 0], 7, .max)),
                               // Valid UTF-8 a terminal must not be handed raw: a bidi override, a C1 control.
                               (le(Int32(7)), statsValue(0, Array("r\u{202e}\u{85}".utf8) + [0, 0], 0, -1)),
                           ]),
            MapDumpFixture(info: map(24, 2, key: 4, value: 8, btf: false), btf: nil, about: "array, no BTF", entries: [
                (le(UInt32(0)), [0, 1, 2, 3, 4, 5, 6, 7]),
                (le(UInt32(1)), [UInt8](repeating: 0, count: 8)),
            ]),
            MapDumpFixture(info: map(22, 6, key: 4, value: 4, keyType: u32, valueType: u32, btf: true), btf: btf,
                           about: "percpu_array, BTF, 3 CPUs", entries: [
                               (le(UInt32(0)), le(UInt32(1)) + pad + le(UInt32(2)) + pad + le(UInt32.max) + pad),
                               (le(UInt32(1)), [UInt8](repeating: 0, count: 24)),
                           ]),
            MapDumpFixture(info: map(25, 10, key: 8, value: 12, btf: false), btf: nil,
                           about: "lru_percpu_hash, no BTF, 3 CPUs", entries: [
                               (le(UInt64(0x0102_0304_0506_0708)),
                                [UInt8](1...12) + pad + [UInt8](13...24) + pad + [UInt8](repeating: 0xff, count: 12) + pad),
                           ]),
            MapDumpFixture(info: map(26, 13, key: 4, value: 4, btf: false), btf: nil, about: "hash_of_maps", entries: [
                (le(UInt32(0)), le(UInt32(42))),
            ]),
            MapDumpFixture(info: map(27, 2, key: 4, value: 24, valueType: stats, btf: true), btf: btf,
                           about: "BTF without a key type", entries: [
                               (le(UInt32(0)), statsValue(1, [UInt8](repeating: 0, count: 8), 0, 0)),
                           ]),
            MapDumpFixture(info: map(28, 1, key: 4, value: 8, keyType: u32, btf: true), btf: btf,
                           about: "BTF without a value type", entries: [
                               (le(UInt32(7)), le(UInt64(8))),
                           ]),
            MapDumpFixture(info: map(29, 1, key: 4, value: 24, keyType: pid, valueType: stats, btf: true), btf: btf,
                           about: "empty", entries: []),
            // What values name; program ids no program has, so no prog_name.
            MapDumpFixture(info: map(30, 3, key: 4, value: 4, btf: false), btf: nil, about: "prog_array", entries: [
                (le(UInt32(1)), le(UInt32(0xffff_fff0))),
            ]),
            MapDumpFixture(info: map(31, 14, key: 4, value: 8, btf: false), btf: nil, about: "devmap, bpf_devmap_val",
                           entries: [(le(UInt32(0)), le(UInt32(3)) + le(UInt32(0)))]),
            MapDumpFixture(info: map(32, 25, key: 4, value: 4, btf: false), btf: nil, about: "devmap_hash, bare ifindex",
                           entries: [(le(UInt32(9)), le(UInt32(4)))]),
            MapDumpFixture(info: map(33, 16, key: 4, value: 8, btf: false), btf: nil, about: "cpumap, bpf_cpumap_val",
                           entries: [(le(UInt32(1)), le(UInt32(2048)) + le(UInt32(0xffff_fff1)))]),
        ]
    }

    // MARK: - Instructions

    /// A program's translated instructions: register moves, stack stores,
    /// map pointers (id, and id plus value offset), helper, kfunc, tail and
    /// BPF-to-BPF calls, an atomic add, a call to an address without a
    /// symbol, an encoding the kernel would not accept.
    static var xlated: [(String, [XlatedLine])] {
        func I(_ code: UInt8, _ dst: UInt8 = 0, _ src: UInt8 = 0, off: Int16 = 0, imm: Int32 = 0) -> XlatedInstruction {
            XlatedInstruction(code: code, dst: dst, src: src, off: off, imm: imm)
        }
        let instructions = [
            I(0xbf, 6, 1),                    // r6 = r1
            I(0xb7, 1, imm: 0),               // r1 = 0
            I(0x63, 10, 1, off: -4),          // *(u32 *)(r10 -4) = r1
            I(0xbf, 2, 10),                   // r2 = r10
            I(0x07, 2, imm: -4),              // r2 += -4
            I(0x18, 1, 1, imm: 20), I(0x00),  // r1 = map[id:20]
            I(0x85, imm: 0x100),              // call __htab_map_lookup_elem
            I(0x15, 0, off: 4, imm: 0),       // if r0 == 0x0 goto pc+4
            I(0xb7, 1, imm: 1),
            I(0xdb, 0, 1, imm: 0),            // lock *(u64 *)(r0 +0) += r1
            I(0x85, 0, 1, off: 9, imm: 1),    // call pc+9 (subprogram 1)
            I(0x85, 0, 2, imm: 0x300),        // kfunc
            I(0x18, 2, 2, imm: 21), I(0x00, imm: 8),  // r2 = map[id:21][0]+8
            I(0x85, imm: 12),                 // tail call
            I(0x85, imm: 5),                  // helper by id
            I(0x85, imm: 0x9999),             // no symbol there
            I(0xff, 1, 2, off: 3, imm: 4),    // not an instruction
            I(0xb7, 0, imm: 0),
            I(0x95),
            I(0x79, 0, 1, off: 8),            // subprogram: r0 = *(u64 *)(r1 +8)
            I(0x95),
        ]
        let kallsyms = """
            ffffffff81000000 T __bpf_call_base
            ffffffff81000100 T __htab_map_lookup_elem
            ffffffff81000300 T bpf_task_acquire
            ffffffffc0001000 t bpf_prog_0123456789abcdef_handle_sys_enter_openat\t[bpf]
            ffffffffc0002000 t bpf_prog_fedcba9876543210_F\t[bpf]

            """
        let resolver = XlatedResolver.kernel(KernelSymbols(kallsyms: kallsyms),
                                             jitedKsyms: [0xffff_ffff_c000_1000, 0xffff_ffff_c000_2000])
        return [
            ("kallsyms readable", Xlated.format(instructions, resolver: resolver)),
            ("kallsyms hidden", Xlated.format(instructions, resolver: XlatedResolver())),
            ("no instructions", []),
        ]
    }

    // MARK: - The browser

    /// The browser's lists for the same objects, built as LiveBrowserSource
    /// builds them. Every link's program is listed: otherwise its name
    /// would be looked up in the kernel.
    static func snapshot() -> BrowserSnapshot {
        let index = attachmentIndex
        var programs = Self.programs.map { LiveBrowserSource.program($0, rates: rates) }
        for i in programs.indices { programs[i].take(index) }
        var links = Self.links
        for i in links.indices { links[i].take(index) }
        precondition(links.allSatisfy { link in programs.contains { $0.id == link.info.programID } || link.info.programID == 0 })
        return BrowserSnapshot(
            kernelRelease: "6.18.0-golden", programs: programs, maps: maps,
            links: links.map { LiveBrowserSource.link($0, programs: programs) },
            pins: PinEntry.tree(pins, mounts: mounts), tasks: TaskEntry.processes(tasks),
            attachments: AttachmentIndex.browsingOrder(index.all))
    }

    // MARK: - Where programs run

    /// A named namespace whose device has the ifindex (3) a device of the
    /// test machine may have too: names come from here, never the kernel.
    static let blue = NetNamespace(inode: 4_026_532_300, name: "blue", pid: nil, isCurrent: false, path: "/run/netns/blue")
    static let zoon = NetDevice(ifindex: 3, name: "zoon0", kind: "veth")

    /// XDP attached through netlink, a tc filter with a bound action, a
    /// standalone action, tcx attached without a link, a cgroup, a
    /// struct_ops table; the links' own places (links 42 and 62 are
    /// detached; 43 and 64 in no namespace found).
    static var attachmentIndex: AttachmentIndex {
        let action = TCAction(index: 7, programID: 13, programName: "act_prog", references: 2, bindings: 1)
        let ns = NetNamespaceSnapshot(
            namespace: blue, devices: [zoon],
            xdp: [XDPAttachment(device: zoon, mode: .generic, programID: 11)],
            tc: [TCFilter(device: zoon, attachPoint: "clsact/ingress", parent: 0xffff_fff2, priority: 49152, proto: 3,
                          handle: 1, chain: 0, kind: "bpf", programID: 11, programName: "tc.o:[classifier]",
                          directAction: true, tag: "0123456789abcdef", actions: [action])],
            multiProg: [MultiProgAttachment(device: zoon, attachType: AttachType.tcxIngress, programID: 12, linkID: nil,
                                            position: 0, revision: 4)],
            actions: [action, TCAction(index: 8, programID: 13, programName: "act_prog", references: 1, bindings: 0)])
        let cgroups = CgroupSnapshot(
            root: "/sys/fs/cgroup",
            attachments: [CgroupAttachment(path: "/sys/fs/cgroup/app.slice", cgroupID: 77, attachType: 1, attachFlags: 2,
                                           programID: 10, linkID: nil, inherited: false)],
            paths: [77: "/sys/fs/cgroup/app.slice"], errors: [])
        let table = StructOpsTable(mapID: 21, mapName: "bpfnav_cc", typeName: "tcp_congestion_ops",
                                   members: [.init(name: "cong_avoid", programID: 13), .init(name: "ssthresh", programID: 13)])
        let names = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0.fullName) })
        return AttachmentIndex.build(links: links, net: NetSnapshot(namespaces: [ns]), cgroups: cgroups,
                                     structOps: [table], programName: { names[$0] })
    }
}

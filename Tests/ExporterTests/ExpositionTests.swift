@testable import BPFKit
@testable import Exporter
import Iterators
import Netlink
import ObjectModel
import XCTest

/// The exposition of hand-built snapshots: no kernel, no privileges.
final class ExpositionTests: XCTestCase {
    static var scrape: ExpositionRenderer.Scrape { ExpositionRenderer.Scrape(duration: { 0.25 }, errorTotals: ["holders": 2], collections: 7) }

    static func render(_ snapshot: ExporterSnapshot) -> String {
        let body = ExpositionRenderer.render(snapshot, scrape: scrape)
        return String(decoding: body, as: UTF8.self)
    }

    /// The families in their order, each with its samples sorted: a
    /// registry emits one family's series in hash order.
    static func canonical(_ text: String) -> String {
        var blocks: [[Substring]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            if line.hasPrefix("# HELP ") || blocks.isEmpty { blocks.append([]) }
            blocks[blocks.count - 1].append(line)
        }
        return blocks.map { block in
            let header = block.prefix { $0.hasPrefix("#") }
            return (header + block.dropFirst(header.count).sorted()).joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    static var small: ExporterSnapshot {
        var snapshot = ExporterSnapshot()
        snapshot.programs = [
            ProgramSample(id: 42, name: "count_packets", type: "xdp", tag: "0123456789abcdef", gplCompatible: true,
                          runTimeNanoseconds: 1_500_000_000, runCount: 12, recursionMisses: 0, verifiedInstructions: 17,
                          memlockBytes: 4096, xlatedBytes: 136, jitedBytes: 91, loadedAt: 1_700_000_000),
        ]
        snapshot.attachments = [AttachmentSample(programID: 42, kind: "xdp", attachPoint: "generic", target: "eth0",
                                                 netns: "current")]
        snapshot.maps = [MapSample(id: 7, name: "counts", type: "hash", keyBytes: 4, valueBytes: 8, maxEntries: 1024,
                                   memlockBytes: 90112, entries: 3)]
        snapshot.links = [LinkSample(id: 3, type: "xdp", programID: 42, target: "eth0", netns: "current")]
        snapshot.objectCounts = ["program": 1, "map": 1, "link": 1, "btf": 2]
        snapshot.ownCounts = ["program": 2, "map": 4]
        snapshot.processes = [ProcessSample(comm: "loader", kind: "map", objects: 1),
                              ProcessSample(comm: "loader", kind: "program", objects: 1)]
        snapshot.holderProcesses = 1
        return snapshot
    }

    func testSmallSnapshotExactly() {
        let expected = #"""
        # HELP bpf_program_info A loaded BPF program: its id, name, type, tag and GPL compatibility (value 1).
        # TYPE bpf_program_info gauge
        bpf_program_info{id="42",name="count_packets",type="xdp",tag="0123456789abcdef",gpl="true"} 1.0
        # HELP bpf_program_run_time_seconds_total Time the program has run, in seconds (kernel run_time_ns; grows only while BPF statistics are on).
        # TYPE bpf_program_run_time_seconds_total counter
        bpf_program_run_time_seconds_total{id="42"} 1.5
        # HELP bpf_program_run_count_total Runs of the program (kernel run_cnt; grows only while BPF statistics are on).
        # TYPE bpf_program_run_count_total counter
        bpf_program_run_count_total{id="42"} 12
        # HELP bpf_program_recursion_misses_total Runs of the program the kernel skipped because it was already running on the CPU (Linux 5.12+).
        # TYPE bpf_program_recursion_misses_total counter
        bpf_program_recursion_misses_total{id="42"} 0
        # HELP bpf_program_verified_instructions Instructions the verifier processed to load the program (Linux 5.16+).
        # TYPE bpf_program_verified_instructions gauge
        bpf_program_verified_instructions{id="42"} 17.0
        # HELP bpf_program_memlock_bytes Memory the program is charged for, in bytes (fdinfo memlock).
        # TYPE bpf_program_memlock_bytes gauge
        bpf_program_memlock_bytes{id="42"} 4096.0
        # HELP bpf_program_xlated_bytes Size of the program's translated (post-verifier) instructions, in bytes.
        # TYPE bpf_program_xlated_bytes gauge
        bpf_program_xlated_bytes{id="42"} 136.0
        # HELP bpf_program_jited_bytes Size of the program's JIT-compiled machine code, in bytes (0: not JIT-compiled).
        # TYPE bpf_program_jited_bytes gauge
        bpf_program_jited_bytes{id="42"} 91.0
        # HELP bpf_program_load_time_seconds When the program was loaded, in seconds since the Unix epoch.
        # TYPE bpf_program_load_time_seconds gauge
        bpf_program_load_time_seconds{id="42"} 1700000000.0
        # HELP bpf_program_attachment_info A place a program runs: kind (xdp, tc, cgroup, kprobe link…), attach point, target (device, cgroup path, function…) and netns; the value is how many such attachments there are.
        # TYPE bpf_program_attachment_info gauge
        bpf_program_attachment_info{id="42",kind="xdp",attach_point="generic",target="eth0",netns="current"} 1.0
        # HELP bpf_map_info A BPF map: its id, name, type, and key and value sizes in bytes (value 1).
        # TYPE bpf_map_info gauge
        bpf_map_info{id="7",name="counts",type="hash",key_bytes="4",value_bytes="8"} 1.0
        # HELP bpf_map_max_entries The map's max_entries: the most entries it can hold.
        # TYPE bpf_map_max_entries gauge
        bpf_map_max_entries{id="7"} 1024.0
        # HELP bpf_map_memlock_bytes Memory the map is charged for, in bytes (fdinfo memlock).
        # TYPE bpf_map_memlock_bytes gauge
        bpf_map_memlock_bytes{id="7"} 90112.0
        # HELP bpf_map_entries Entries in the map, counted by walking it: hash-like maps of at most --count-up-to entries (default 4096), and maps of the types given to --count-entries.
        # TYPE bpf_map_entries gauge
        bpf_map_entries{id="7"} 3.0
        # HELP bpfnav_scrape_uncounted_maps Maps whose entries were to be counted but were not in this scrape, by reason (budget: the scrape's time ran out; error).
        # TYPE bpfnav_scrape_uncounted_maps gauge
        bpfnav_scrape_uncounted_maps{reason="budget"} 0.0
        bpfnav_scrape_uncounted_maps{reason="error"} 0.0
        # HELP bpf_link_info A BPF link: its id, type, program, attach type and what it is attached to (target, netns) (value 1).
        # TYPE bpf_link_info gauge
        bpf_link_info{id="3",type="xdp",prog_id="42",attach_type="",target="eth0",netns="current"} 1.0
        # HELP bpf_objects BPF objects loaded, by kind (program, map, link, btf); absent for a kind the scrape could not read whole.
        # TYPE bpf_objects gauge
        bpf_objects{kind="btf"} 2.0
        bpf_objects{kind="link"} 1.0
        bpf_objects{kind="map"} 1.0
        bpf_objects{kind="program"} 1.0
        # HELP bpf_process_objects BPF objects held open by processes, by the processes' comm and the objects' kind (summed over the processes with that comm).
        # TYPE bpf_process_objects gauge
        bpf_process_objects{comm="loader",kind="map"} 1.0
        bpf_process_objects{comm="loader",kind="program"} 1.0
        # HELP bpf_holder_processes Processes holding at least one BPF object open.
        # TYPE bpf_holder_processes gauge
        bpf_holder_processes 1.0
        # HELP bpfnav_own_objects bpfnav's own programs, maps and links (its iterators, their maps and links, its program caches), by kind; left out of the other series unless --include-own.
        # TYPE bpfnav_own_objects gauge
        bpfnav_own_objects{kind="link"} 0.0
        bpfnav_own_objects{kind="map"} 4.0
        bpfnav_own_objects{kind="program"} 2.0
        # HELP bpfnav_scrape_duration_seconds How long this scrape's collection took, reading and rendering, in seconds.
        # TYPE bpfnav_scrape_duration_seconds gauge
        bpfnav_scrape_duration_seconds 0.25
        # HELP bpfnav_scrape_truncated 1 when the scrape's time budget ran out before it read everything (the series it has are right, some are missing), else 0.
        # TYPE bpfnav_scrape_truncated gauge
        bpfnav_scrape_truncated 0.0
        # HELP bpfnav_scrape_errors_total Errors met while collecting, since the exporter started, by operation.
        # TYPE bpfnav_scrape_errors_total counter
        bpfnav_scrape_errors_total{operation="attachments"} 0
        bpfnav_scrape_errors_total{operation="btf"} 0
        bpfnav_scrape_errors_total{operation="count_entries"} 0
        bpfnav_scrape_errors_total{operation="holders"} 2
        bpfnav_scrape_errors_total{operation="links"} 0
        bpfnav_scrape_errors_total{operation="maps"} 0
        bpfnav_scrape_errors_total{operation="programs"} 0
        # HELP bpfnav_collections_total Collections the exporter has run since it started (concurrent scrapes share one).
        # TYPE bpfnav_collections_total counter
        bpfnav_collections_total 7

        """#
        let text = Self.render(Self.small)
        XCTAssertEqual(Self.canonical(text), expected)
        XCTAssertEqual(text.utf8.count, expected.utf8.count)
    }

    /// Every family has its HELP and TYPE; counters end in _total.
    func testEveryFamilyHasHelpAndCountersEndInTotal() {
        let lines = Self.render(Self.small).split(separator: "\n")
        let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        for line in lines where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            XCTAssertTrue(helped.contains(parts[2]), "no HELP for \(parts[2])")
            if parts[3] == "counter" { XCTAssertTrue(parts[2].hasSuffix("_total"), "\(parts[2])") }
        }
        for line in lines where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            XCTAssertTrue(helped.contains(name), "sample without HELP: \(line)")
        }
    }

    /// Names and comms come from other users: quotes, backslashes, line
    /// feeds, invalid UTF-8 and control bytes must leave valid exposition.
    func testHostileNamesAreEscaped() throws {
        var snapshot = ExporterSnapshot()
        let comm: [UInt8] = [0x65, 0x76, 0x69, 0x6c, 0xff, 0xfe, 0x0a, 0x22, 0x5c, 0x00, 0x7b]
        snapshot.programs = [ProgramSample(id: 1, name: "a\"b\\c\nd}{", type: "kprobe", tag: "00")]
        snapshot.maps = [MapSample(id: 2, name: "m\n# TYPE x counter", type: "hash")]
        let holders = Holders(
            files: [FileRecord(pid: 10, fd: 3, flags: 0, mode: 0, dev: 0, pos: 0, inode: 1, path: [],
                               bpfObject: .program(1))],
            tasks: [TaskRecord(pid: 10, tid: 10, ppid: 1, uid: 0, ruid: 0, gid: 0, rawState: 0, flags: 0,
                               startTime: 0, comm: comm)])
        snapshot.processes = ProcessSample.summing(holders) { _, _ in true }.0
        let body = ExpositionRenderer.render(snapshot, scrape: Self.scrape)
        let text = try XCTUnwrap(String(validating: body, as: UTF8.self), "the exposition is not valid UTF-8")
        XCTAssertTrue(text.contains(#"name="a\"b\\c\nd}{""#), text)
        XCTAssertTrue(text.contains(#"name="m\n# TYPE x counter""#), text)
        XCTAssertTrue(text.contains("comm=\"evil\u{FFFD}\u{FFFD}\\n\\\"\\\\\u{0}{\""), text)
        // No line is anything but a comment or a sample of a declared family.
        let families = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            XCTAssertTrue(families.contains(line.prefix { $0 != "{" && $0 != " " }), "stray line: \(line)")
        }
        XCTAssertEqual(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE x") }.count, 0)
    }

    /// Before 5.16 the kernel has no verified_insns: no series, not a 0.
    func testVerifiedInstructionsOmittedWhenAbsent() {
        var snapshot = ExporterSnapshot()
        snapshot.programs = [ProgramSample(id: 1, name: "old", type: "kprobe", tag: "00", verifiedInstructions: nil),
                             ProgramSample(id: 2, name: "new", type: "kprobe", tag: "00", verifiedInstructions: 9)]
        let text = Self.render(snapshot)
        XCTAssertFalse(text.contains(#"bpf_program_verified_instructions{id="1"}"#), text)
        XCTAssertTrue(text.contains(#"bpf_program_verified_instructions{id="2"} 9.0"#), text)
        snapshot.programs.removeLast()
        XCTAssertFalse(Self.render(snapshot).contains("bpf_program_verified_instructions"))
        // The same for recursion misses (5.12) and memlock.
        XCTAssertFalse(Self.render(snapshot).contains("bpf_program_recursion_misses_total"))
        XCTAssertFalse(Self.render(snapshot).contains("bpf_program_memlock_bytes"))
    }

    /// A truncated snapshot says so, and the kinds it did not read whole
    /// have no count (never a smaller one).
    func testTruncatedSnapshot() {
        var snapshot = Self.small
        snapshot.truncated = true
        snapshot.objectCounts = ["program": 1]
        snapshot.processes = nil
        snapshot.holderProcesses = nil
        snapshot.maps[0].entries = nil
        snapshot.uncountedMaps = ["budget": 1]
        let text = Self.render(snapshot)
        XCTAssertTrue(text.contains("bpfnav_scrape_truncated 1.0\n"), text)
        XCTAssertTrue(text.contains("bpf_objects{kind=\"program\"} 1.0"))
        XCTAssertFalse(text.contains("bpf_objects{kind=\"map\"}"))
        XCTAssertFalse(text.contains("bpf_process_objects"))
        XCTAssertFalse(text.contains("bpf_holder_processes"))
        XCTAssertFalse(text.contains("bpf_map_entries{"))
        XCTAssertTrue(text.contains("bpfnav_scrape_uncounted_maps{reason=\"budget\"} 1.0"))
    }

    func testDeadlineWithAFakeClock() {
        final class Ticks: @unchecked Sendable { var now: UInt64 = 1_000 }
        let ticks = Ticks()
        let deadline = Deadline(seconds: 0.000_001, clock: { ticks.now })
        XCTAssertFalse(deadline.expired)
        ticks.now += 999
        XCTAssertFalse(deadline.expired)
        ticks.now += 1
        XCTAssertTrue(deadline.expired)
        XCTAssertEqual(deadline.elapsed, 1e-6, accuracy: 1e-12)
        XCTAssertTrue(Deadline(seconds: 0, clock: { 5 }).expired)
    }

    /// Holders sum per comm: pids are not labels.
    func testProcessesSumPerComm() {
        func task(_ pid: UInt32, _ comm: String) -> TaskRecord {
            TaskRecord(pid: pid, tid: pid, ppid: 1, uid: 0, ruid: 0, gid: 0, rawState: 0, flags: 0, startTime: 0,
                       comm: Array(comm.utf8))
        }
        func file(_ pid: UInt32, _ fd: UInt32, _ object: BPFObjectRef) -> FileRecord {
            FileRecord(pid: pid, fd: fd, flags: 0, mode: 0, dev: 0, pos: 0, inode: 0, path: [], bpfObject: object)
        }
        let holders = Holders(
            files: [file(10, 3, .map(5)), file(10, 4, .map(5)), file(11, 3, .map(5)), file(11, 4, .program(8)),
                    file(12, 3, .link(2)), file(13, 3, .map(9))],
            tasks: [task(10, "agent"), task(11, "agent"), task(12, "loader"), task(13, "hidden")])
        let (samples, processes) = ProcessSample.summing(holders) { object, _ in object != .map(9) }
        XCTAssertEqual(samples, [ProcessSample(comm: "agent", kind: "map", objects: 2),
                                 ProcessSample(comm: "agent", kind: "program", objects: 1),
                                 ProcessSample(comm: "loader", kind: "link", objects: 1)])
        XCTAssertEqual(processes, 3)
    }
}

/// Families longer than one registry's chunk: one HELP and TYPE, every
/// series once.
final class ChunkedFamilyTests: XCTestCase {
    func testLongFamiliesAreOneFamily() {
        var snapshot = ExporterSnapshot()
        snapshot.maps = (1...(SeriesWriter.chunkSize * 3 + 5)).map {
            MapSample(id: UInt32($0), name: "m\($0)", type: "array", maxEntries: UInt32($0))
        }
        let place = AttachmentSample(programID: 1, kind: "cgroup", attachPoint: "cgroup_inet_ingress", target: "/sys/fs/cgroup")
        snapshot.attachments = Array(repeating: place, count: SeriesWriter.chunkSize + 1)
        let text = ExpositionTests.render(snapshot)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0 == "# TYPE bpf_map_max_entries gauge" }.count, 1)
        XCTAssertEqual(lines.filter { $0.hasPrefix("# HELP bpf_map_max_entries ") }.count, 1)
        let samples = lines.filter { $0.hasPrefix("bpf_map_max_entries{") }
        XCTAssertEqual(samples.count, snapshot.maps.count)
        XCTAssertEqual(Set(samples).count, samples.count)
        let last = snapshot.maps.count
        XCTAssertTrue(samples.contains("bpf_map_max_entries{id=\"\(last)\"} \(last).0"))
        // The family's lines are together: HELP, TYPE, then every sample.
        let first = lines.firstIndex { $0.hasPrefix("# HELP bpf_map_max_entries ") }!
        XCTAssertTrue(lines[(first + 2)..<(first + 2 + samples.count)].allSatisfy { $0.hasPrefix("bpf_map_max_entries{") })
        // Identical attachments: one series counting them.
        XCTAssertEqual(lines.filter { $0.hasPrefix("bpf_program_attachment_info{") },
                       ["bpf_program_attachment_info{id=\"1\",kind=\"cgroup\",attach_point=\"cgroup_inet_ingress\",target=\"/sys/fs/cgroup\",netns=\"\"} \(SeriesWriter.chunkSize + 1).0"])
    }
}

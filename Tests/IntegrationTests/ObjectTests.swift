@testable import BPFNavCLI
import BPFKit
import CLibBPF
@testable import Encoding
@testable import ObjectModel
@testable import Platform
import Foundation
import Iterators
import TestSupport
import XCTest

/// `bpfnav progs|maps|links`, `prog|map|link ID` and `pins`, against
/// bpftool and against objects the test makes itself.
final class ObjectTests: BPFTestCase {
    // MARK: - Set-up

    /// The test's own objects: a hash map pinned at `objmap`, an iterator
    /// link pinned by IterPins at `tasks-pid-<our pid>`, and an iterator link
    /// the test holds open (unpinned), whose program the loader holds too.
    private struct Fixture: ~Copyable {
        let map: BPFMap
        let mapID: UInt32
        let mapName: String
        let mapPath: String
        let pinnedLink: OwnPin
        let heldLink: IterLink
        let heldLinkID: UInt32
        let programID: UInt32
        let loader: IterLoader

        /// Uses every fd, so that none is closed before the test's end.
        func keepAlive() {
            XCTAssertGreaterThanOrEqual(map.fd.raw, 0)
            XCTAssertGreaterThanOrEqual(heldLink.fd.raw, 0)
        }
    }

    private func makeFixture() throws -> Fixture {
        let mapName = uniqueName("nav_obj")
        let map = try BPFMap(type: .hash, name: mapName, keySize: 8, valueSize: 16, maxEntries: 33)
        let mapPath = pins.path("objmap")
        try map.pin(at: mapPath)
        let loader = IterLoader()
        let created = try pins.create([PinSpec(kind: .task, params: .pid(UInt32(getpid())))], loader: loader)
        let pinned = try XCTUnwrap(created.first)
        let held = try loader.attach(.task, .text, params: .pid(UInt32(getpid())))
        let heldInfo = try held.info()
        let mapID = try map.id()
        return Fixture(map: map, mapID: mapID, mapName: mapName, mapPath: mapPath, pinnedLink: pinned,
                       heldLink: held, heldLinkID: heldInfo.id, programID: heldInfo.programID, loader: loader)
    }

    private var bpftoolPath: String? {
        ["/usr/sbin/bpftool", "/usr/bin/bpftool", "/sbin/bpftool"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    private func bpftool(_ arguments: [String]) throws -> [[String: Any]] {
        guard let path = bpftoolPath else { throw XCTSkip("needs bpftool") }
        let result = try runCommand(path, arguments + ["-j"])
        XCTAssertEqual(result.status, 0, "bpftool \(arguments): \(result.stderr)")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]],
                             "bpftool \(arguments): \(result.text.prefix(300))")
    }

    private func jsonArray(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout))
        return try XCTUnwrap(parsed as? [[String: Any]], "not an array of objects: \(result.text.prefix(300))",
                             file: file, line: line)
    }

    private func jsonObject(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout))
        return try XCTUnwrap(parsed as? [String: Any], "not an object: \(result.text.prefix(300))", file: file, line: line)
    }

    private var ownComm: String {
        (try? String(contentsOfFile: "/proc/self/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? ""
    }

    // MARK: - Against bpftool

    /// Same ids as bpftool (where both saw an object), and for each shared
    /// object the same value of every field bpftool prints.
    ///
    /// A disagreement is checked again against `bpftool <what> show id N`:
    /// bpftool 7.1's list reuses one info struct for every map and shows the
    /// previous map's btf_id for a map without BTF.
    private func assertAgree(_ ours: [[String: Any]], _ theirs: [[String: Any]], what: String, required: [UInt32],
                             file: StaticString = #filePath, line: UInt = #line) {
        func single(_ id: Int) -> [String: Any]? {
            guard let path = bpftoolPath, let result = try? runCommand(path, [what, "show", "id", "\(id)", "-j"]),
                  result.status == 0 else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(result.stdout))) as? [String: Any]
        }
        func byID(_ array: [[String: Any]]) -> [Int: [String: Any]] {
            Dictionary(array.compactMap { o in (o["id"] as? Int).map { ($0, o) } }, uniquingKeysWith: { a, _ in a })
        }
        let mine = byID(ours), bpftool = byID(theirs)
        XCTAssertEqual(mine.count, ours.count, "\(what): duplicate or missing ids", file: file, line: line)
        for id in required {
            XCTAssertNotNil(mine[Int(id)], "\(what): bpfnav misses the test's id \(id)", file: file, line: line)
            XCTAssertNotNil(bpftool[Int(id)], "\(what): bpftool misses the test's id \(id)", file: file, line: line)
        }
        let shared = Set(mine.keys).intersection(bpftool.keys)
        // Objects come and go between the two runs, but most are in both.
        XCTAssertGreaterThanOrEqual(shared.count, required.count, "\(what): no shared ids", file: file, line: line)
        // Fields that change by themselves, or that bpftool builds from
        // sources bpfnav does not read (prog metadata from .rodata).
        let volatile: Set<String> = ["run_time_ns", "run_cnt", "recursion_misses", "pinned", "pids", "metadata"]
        func agrees(_ key: String, _ actual: Any?, _ expected: Any?) -> Bool {
            guard let actual, let expected else { return actual == nil && expected == nil }
            // bpftool 7.1 prints a number for types newer than it knows.
            if expected is NSNumber, actual is String, ["type", "attach_type", "prog_type"].contains(key) { return true }
            if key == "loaded_at" { return abs(((actual as? Int) ?? 0) - ((expected as? Int) ?? 0)) <= 1 }
            return same(actual, expected)
        }
        for id in shared.sorted() {
            let a = mine[id]!, b = bpftool[id]!
            var again: [String: Any]??
            for key in b.keys.sorted() where !volatile.contains(key) && !agrees(key, a[key], b[key]) {
                if again == nil { again = .some(single(id)) }
                guard let recheck = again!, recheck["id"] != nil else { continue }  // gone since
                XCTAssertTrue(agrees(key, a[key], recheck[key]),
                              "\(what) \(id): \(key) is \(a[key] ?? "absent"), bpftool says \(recheck[key] ?? "absent")",
                              file: file, line: line)
            }
            XCTAssertNotNil(a["pinned"] as? [Any], "\(what) \(id): pinned", file: file, line: line)
            XCTAssertNotNil(a["pids"] as? [Any], "\(what) \(id): pids", file: file, line: line)
        }
    }

    private func same(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case let (x as NSNumber, y as NSNumber): x == y
        case let (x as String, y as String): x == y
        case let (x as [Any], y as [Any]): x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case let (x as [String: Any], y as [String: Any]):
            Set(x.keys) == Set(y.keys) && x.keys.allSatisfy { same(x[$0]!, y[$0]!) }
        default: false
        }
    }

    /// bpftool's spellings work as bpfnav's: `prog show id N -j` is
    /// `prog N --json`, `map dump id N -j` is `map dump N --json`.
    func testBpftoolSpellingsOfOneObject() throws {
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: uniqueName("nav_sp"))
        let programID = try ObjectIdentity.id(of: program.raw, kind: .program)
        let map = try createMap(BPF_MAP_TYPE_ARRAY, uniqueName("nav_sm"), value: 8, entries: 2)
        let mapID = try map.id()
        for (theirs, ours) in [
            (["prog", "show", "id", "\(programID)", "-j"], ["prog", "\(programID)", "--json"]),
            (["prog", "id", "\(programID)"], ["prog", "\(programID)"]),
            (["map", "show", "id", "\(mapID)", "-j"], ["map", "\(mapID)", "--json"]),
            (["map", "dump", "id", "\(mapID)", "-j"], ["map", "dump", "\(mapID)", "--json"]),
        ] {
            let a = try bpfnav(theirs), b = try bpfnav(ours)
            XCTAssertEqual(a.status, 0, "\(theirs): \(a.stderr)")
            XCTAssertEqual(a.text, b.text, "\(theirs) vs \(ours)")
        }
        let all = try bpfnav(["prog", "show"])
        XCTAssertNotEqual(all.status, 0)
        XCTAssertTrue(all.stderr.contains("'bpfnav progs' lists every one"), all.stderr)
    }

    /// `map show id N`, `link show id N`, `show pinned PATH` and several
    /// objects at once (blocks; a JSON array), as bpftool takes them.
    func testShowSynonymsPinsAndSeveralObjects() throws {
        let fixture = try makeFixture()
        defer { fixture.keepAlive() }
        let linkID = fixture.pinnedLink.linkID
        for (theirs, ours) in [
            (["link", "show", "id", "\(linkID)", "-j"], ["link", "\(linkID)", "--json"]),
            (["link", "show", "pinned", fixture.pinnedLink.path], ["link", "\(linkID)"]),
            (["map", "show", "pinned", fixture.mapPath, "--json"], ["map", "\(fixture.mapID)", "--json"]),
            (["prog", "show", "id", "\(fixture.programID)"], ["prog", "\(fixture.programID)"]),
        ] {
            let a = try bpfnav(theirs), b = try bpfnav(ours)
            XCTAssertEqual(a.status, 0, "\(theirs): \(a.stderr)")
            XCTAssertEqual(a.text, b.text, "\(theirs) vs \(ours)")
        }
        let wrongKind = try bpfnav("prog", "show", "pinned", fixture.mapPath)
        XCTAssertEqual(wrongKind.status, 1)
        XCTAssertTrue(wrongKind.stderr.contains("that pin is a map, not a program"), wrongKind.stderr)

        let two = try bpfnav("link", "\(linkID)", "id", "\(fixture.heldLinkID)", "--json")
        XCTAssertEqual(two.status, 0, two.stderr)
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(two.stdout)) as? [[String: Any]])
        XCTAssertEqual(array.map { $0["id"] as? Int }, [Int(linkID), Int(fixture.heldLinkID)])
        let blocks = try bpfnav("link", "\(linkID)", "\(fixture.heldLinkID)")
        XCTAssertEqual(blocks.status, 0, blocks.stderr)
        let one = try bpfnav("link", "\(linkID)")
        XCTAssertTrue(blocks.text.hasPrefix(one.text + "\n"), "the first block, a blank line, the next:\n\(blocks.text)")
        XCTAssertEqual(blocks.text.components(separatedBy: "\nid ").count, 2)
        let missing = try bpfnav("map", "\(fixture.mapID)", "4294967295")
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stdout, [], "nothing printed when one of them is missing")
    }

    func testProgsMapsLinksAgreeWithBpftool() throws {
        let fixture = try makeFixture()
        defer { fixture.keepAlive() }

        let progs = try jsonArray(try bpfnav("progs", "--json"))
        assertAgree(progs, try bpftool(["prog", "show"]), what: "prog", required: [fixture.programID])
        let maps = try jsonArray(try bpfnav("maps", "--json"))
        assertAgree(maps, try bpftool(["map", "show"]), what: "map", required: [fixture.mapID])
        let links = try jsonArray(try bpfnav("links", "--json"))
        assertAgree(links, try bpftool(["link", "show"]), what: "link",
                    required: [fixture.pinnedLink.linkID, fixture.heldLinkID])

        let map = try XCTUnwrap(maps.first { $0["id"] as? Int == Int(fixture.mapID) })
        XCTAssertEqual(map["name"] as? String, fixture.mapName)
        XCTAssertEqual(map["type"] as? String, "hash")
        XCTAssertEqual(map["bytes_key"] as? Int, 8)
        XCTAssertEqual(map["bytes_value"] as? Int, 16)
        XCTAssertEqual(map["max_entries"] as? Int, 33)
        XCTAssertEqual(map["frozen"] as? Int, 0)

        let program = try XCTUnwrap(progs.first { $0["id"] as? Int == Int(fixture.programID) })
        XCTAssertEqual(program["name"] as? String, "bpfnav_task_txt")
        XCTAssertEqual(program["type"] as? String, "tracing")

        let link = try XCTUnwrap(links.first { $0["id"] as? Int == Int(fixture.pinnedLink.linkID) })
        XCTAssertEqual(link["type"] as? String, "iter")
        XCTAssertEqual(link["target_name"] as? String, "task")
        XCTAssertEqual(link["pid"] as? Int, Int(getpid()))
        XCTAssertEqual(link["prog_id"] as? Int, Int(fixture.pinnedLink.programID))
    }

    func testPinnedAndPidsOfTheTestsObjects() throws {
        let fixture = try makeFixture()
        defer { fixture.keepAlive() }
        let me: [String: Any] = ["pid": Int(getpid()), "comm": ownComm]
        func holds(_ object: [String: Any]) -> Bool {
            ((object["pids"] as? [[String: Any]]) ?? []).contains { same($0, me) }
        }

        let maps = try jsonArray(try bpfnav("maps", "--json"))
        let map = try XCTUnwrap(maps.first { $0["id"] as? Int == Int(fixture.mapID) })
        XCTAssertEqual(map["pinned"] as? [String], [fixture.mapPath])
        XCTAssertTrue(holds(map), "map pids: \(map["pids"] ?? "none"), expected \(me)")
        // bpfnav does not list itself as a holder: while it lists, it holds
        // the test's map open too. (Other bpfnav processes, such as a
        // benchmark's, may hold other maps: those are real holders.)
        for holder in (map["pids"] as? [[String: Any]]) ?? [] {
            XCTAssertNotEqual(holder["comm"] as? String, "bpfnav", "\(map)")
        }

        let links = try jsonArray(try bpfnav("links", "--json"))
        let pinned = try XCTUnwrap(links.first { $0["id"] as? Int == Int(fixture.pinnedLink.linkID) })
        XCTAssertEqual(pinned["pinned"] as? [String], [fixture.pinnedLink.path])
        let held = try XCTUnwrap(links.first { $0["id"] as? Int == Int(fixture.heldLinkID) })
        XCTAssertEqual(held["pinned"] as? [String], [])
        XCTAssertTrue(holds(held), "link pids: \(held["pids"] ?? "none")")

        let progs = try jsonArray(try bpfnav("progs", "--json"))
        let program = try XCTUnwrap(progs.first { $0["id"] as? Int == Int(fixture.programID) })
        XCTAssertTrue(holds(program), "program pids: \(program["pids"] ?? "none")")

        // The detail commands say the same.
        let one = try jsonObject(try bpfnav("map", "\(fixture.mapID)", "--json"))
        XCTAssertEqual(one["pinned"] as? [String], [fixture.mapPath])
        XCTAssertTrue(holds(one))
        XCTAssertEqual(one["name"] as? String, fixture.mapName)
        let oneLink = try jsonObject(try bpfnav("link", "\(fixture.pinnedLink.linkID)", "--json"))
        XCTAssertEqual(oneLink["target_name"] as? String, "task")
        XCTAssertEqual(oneLink["pid"] as? Int, Int(getpid()))
        XCTAssertEqual(oneLink["pinned"] as? [String], [fixture.pinnedLink.path])
        let oneProg = try jsonObject(try bpfnav("prog", "\(fixture.programID)", "--json"))
        XCTAssertEqual(oneProg["id"] as? Int, Int(fixture.programID))
        XCTAssertEqual(oneProg["tag"] as? String, program["tag"] as? String)

        // Tables: the test's map with its pin path and holder.
        let table = try bpfnav("maps", "--pids")
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.text.hasPrefix("ID ") && table.text.contains(" PIDS "), table.text)
        XCTAssertTrue(table.text.hasPrefix("ID "), table.text)
        let row = try XCTUnwrap(table.text.split(separator: "\n").first { $0.hasPrefix("\(fixture.mapID) ") }, table.text)
        XCTAssertTrue(row.contains(fixture.mapName) && row.contains(fixture.mapPath), String(row))
        XCTAssertTrue(row.contains("(\(getpid()))"), String(row))
        let detail = try bpfnav("map", "\(fixture.mapID)")
        XCTAssertEqual(detail.status, 0, detail.stderr)
        XCTAssertTrue(detail.text.contains(fixture.mapPath), detail.text)
        XCTAssertTrue(detail.text.contains("\(getpid()) \(ownComm)"), detail.text)
    }

    // MARK: - Names

    func testFifteenByteNamesAreCompletedFromBTF() throws {
        // bpfnav's programs have names of exactly 15 bytes, the kernel's
        // limit: the name is looked up in the program's BTF, like bpftool.
        let loader = IterLoader()
        let fd = try loader.programFD(.taskFile, .records)
        let info = try ProgramInfo(fd: fd)
        XCTAssertEqual(info.name.utf8.count, 15)
        XCTAssertNotEqual(info.btfID, 0)
        let btf = try BTF.load(id: info.btfID)
        XCTAssertNotNil(btf.find(named: "bpfnav_file_rec", kind: .function), "no FUNC bpfnav_file_rec in the program's BTF")
        XCTAssertEqual(Objects.fullProgramName(fd: fd, info: info), "bpfnav_file_rec")
    }

    /// BTF for `static int a_rather_long_function_name(void)`: INT (1),
    /// FUNC_PROTO (2), FUNC (3).
    private func longNameBTF() -> [UInt8] {
        var b = BTFBlobBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        let proto = b.proto(returns: int)
        _ = b.function("a_rather_long_function_name", proto: proto, linkage: 0)
        return b.data()
    }

    func testLongNamesAgreeWithBpftool() throws {
        let btf = longNameBTF()
        let btfFD = btf.withUnsafeBytes { bpf_btf_load($0.baseAddress, $0.count, nil) }
        XCTAssertGreaterThanOrEqual(btfFD, 0, String(cString: strerror(-btfFD)))
        defer { close(btfFD) }
        var insns = [bpf_insn(code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0),
                     bpf_insn(code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0)]
        var funcInfo = bpf_func_info(insn_off: 0, type_id: 3)
        var opts = bpf_prog_load_opts()
        opts.sz = MemoryLayout<bpf_prog_load_opts>.size
        opts.prog_btf_fd = UInt32(btfFD)
        opts.func_info_cnt = 1
        opts.func_info_rec_size = UInt32(MemoryLayout<bpf_func_info>.size)
        let fd = withUnsafeMutablePointer(to: &funcInfo) { pointer in
            opts.func_info = UnsafeRawPointer(pointer)
            return bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "a_rather_long_function_name", "GPL", &insns, 2, &opts)
        }
        XCTAssertGreaterThanOrEqual(fd, 0, String(cString: strerror(-fd)))
        defer { close(fd) }
        let info = try ProgramInfo(fd: fd)
        XCTAssertEqual(info.name, "a_rather_long_f", "the kernel keeps 15 bytes")

        let progs = try jsonArray(try bpfnav("progs", "--json"))
        assertAgree(progs, try bpftool(["prog", "show"]), what: "prog", required: [info.id])
        let mine = try XCTUnwrap(progs.first { $0["id"] as? Int == Int(info.id) })
        XCTAssertEqual(mine["name"] as? String, "a_rather_long_function_name")
        XCTAssertEqual(mine["type"] as? String, "raw_tracepoint")
        let detail = try bpfnav("prog", "\(info.id)")
        XCTAssertTrue(detail.text.contains("a_rather_long_function_name"), detail.text)
    }

    // MARK: - Tracepoint links

    /// Loads "r0 = 0; exit" as a program of `type`.
    private func loadTrivialProgram(_ type: bpf_prog_type, name: String) throws -> Int32 {
        var insns = [bpf_insn(code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0),   // r0 = 0
                     bpf_insn(code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0)]   // exit
        let fd = bpf_prog_load(type, name, "GPL", &insns, 2, nil)
        guard fd >= 0 else { throw XCTSkip("cannot load a \(type) program: \(String(cString: strerror(-fd)))") }
        return fd
    }

    /// A directory with tracefs's events: one mounted already, or tracefs
    /// mounted for this test at a temporary place (unmounted by `cleanup`).
    private func tracefsEvents() throws -> (events: String, cleanup: () -> Void) {
        for root in [String](["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"])
            where access(root + "/sched/sched_switch/id", R_OK) == 0 {
            return (root, {})
        }
        let dir = NSTemporaryDirectory() + "bpfnav-tracefs-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard mount("nodev", dir, "tracefs", 0, nil) == 0 else {
            rmdir(dir)
            throw XCTSkip("cannot mount tracefs: \(String(cString: strerror(errno)))")
        }
        return (dir + "/events", { umount2(dir, Int32(MNT_DETACH)); rmdir(dir) })
    }

    /// perf_event_open(2) for a tracepoint on CPU 0. glibc has no wrapper and
    /// Swift cannot call the variadic syscall(2), so it is called through a
    /// fixed prototype (integer arguments only, which the ABI passes alike).
    private func openTracepointEvent(id: UInt64) throws -> Int32 {
        typealias Syscall = @convention(c) (Int, UnsafeRawPointer, Int32, Int32, Int32, UInt) -> Int
        let symbol = try XCTUnwrap(dlsym(dlopen(nil, RTLD_NOW), "syscall"))
        let call = unsafeBitCast(symbol, to: Syscall.self)
        var attr = [UInt8](repeating: 0, count: 128)
        func put<T>(_ value: T, at offset: Int) {
            attr.withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: T.self) }
        }
        put(UInt32(2), at: 0)      // type: PERF_TYPE_TRACEPOINT
        put(UInt32(128), at: 4)    // size
        put(id, at: 8)             // config: the tracepoint's id
        put(UInt64(1), at: 16)     // sample_period
        put(UInt32(1), at: 48)     // wakeup_events
        #if arch(x86_64)
        let number = 298
        #elseif arch(arm64)
        let number = 241
        #else
        throw XCTSkip("perf_event_open's syscall number is not known for this architecture")
        #endif
        let fd = attr.withUnsafeBytes { call(number, $0.baseAddress!, -1, 0, -1, 8 /* FD_CLOEXEC */) }
        guard fd >= 0 else { throw XCTSkip("perf_event_open: \(String(cString: strerror(errno)))") }
        return Int32(fd)
    }

    func testTracepointLinksShowTheirTracepointAndItsFormat() throws {
        let rawProgram = try loadTrivialProgram(BPF_PROG_TYPE_RAW_TRACEPOINT, name: "nav_rawtp")
        defer { close(rawProgram) }
        let rawLink = bpf_raw_tracepoint_open("sched_switch", rawProgram)
        XCTAssertGreaterThanOrEqual(rawLink, 0, String(cString: strerror(errno)))
        defer { close(rawLink) }
        let rawLinkID = try LinkInfo(fd: rawLink).id

        let (events, cleanup) = try tracefsEvents()
        defer { cleanup() }
        let idText = try String(contentsOfFile: events + "/sched/sched_switch/id", encoding: .utf8)
        let tracepointID = try XCTUnwrap(UInt64(idText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let event = try openTracepointEvent(id: tracepointID)
        defer { close(event) }
        let program = try loadTrivialProgram(BPF_PROG_TYPE_TRACEPOINT, name: "nav_tp")
        defer { close(program) }
        let link = bpf_link_create(program, event, BPF_PERF_EVENT, nil)
        defer { if link >= 0 { close(link) } }
        let kernel = try XCTUnwrap(KernelVersion(release: RunningKernel.release))
        let linked = kernel >= PerfEventLinkTests.perfLinks
        if linked {
            XCTAssertGreaterThanOrEqual(link, 0, String(cString: strerror(errno)))
        } else {
            XCTAssertLessThan(link, 0, "Linux \(kernel) made a perf_event link (5.15 brings them)")
            print("perf_event links need Linux \(PerfEventLinkTests.perfLinks); this is \(RunningKernel.release)")
        }
        let linkID = linked ? try LinkInfo(fd: link).id : nil

        let links = try jsonArray(try bpfnav("links", "--json"))
        assertAgree(links, try bpftool(["link", "show"]), what: "link", required: [rawLinkID] + (linkID.map { [$0] } ?? []))

        let raw = try XCTUnwrap(links.first { $0["id"] as? Int == Int(rawLinkID) })
        XCTAssertEqual(raw["type"] as? String, "raw_tracepoint")
        XCTAssertEqual(raw["tp_name"] as? String, "sched_switch")
        let me: [String: Any] = ["pid": Int(getpid()), "comm": ownComm]
        XCTAssertTrue(((raw["pids"] as? [[String: Any]]) ?? []).contains { same($0, me) }, "\(raw)")
        let table = try bpfnav("links")
        let rawRow = try XCTUnwrap(table.text.split(separator: "\n").first { $0.hasPrefix("\(rawLinkID) ") }, table.text)
        XCTAssertEqual(rawRow.split(separator: " ").map(String.init), ["\(rawLinkID)", "raw_tracepoint", "\(try ProgramInfo(fd: rawProgram).id)", "sched_switch", "-"])
        guard let linkID else { return }

        let perf = try XCTUnwrap(links.first { $0["id"] as? Int == Int(linkID) })
        XCTAssertEqual(perf["type"] as? String, "perf_event")
        guard Features.current.supports(.perfEventLinkInfo) else {
            // Before 6.6 the kernel does not say what the link is attached to.
            XCTAssertLessThan(kernel, Feature.perfEventLinkInfo.minimum)
            XCTAssertNil(perf["tracepoint"], "\(perf)")
            XCTAssertNil(perf["perf_event_type"], "\(perf)")
            let detail = try bpfnav("link", "\(linkID)")
            XCTAssertTrue(detail.text.contains("need Linux 6.6"), detail.text)
            return
        }
        XCTAssertEqual(perf["tracepoint"] as? String, "sched_switch")
        let format = try XCTUnwrap(perf["format"] as? [String: Any], "\(perf)")
        XCTAssertEqual(format["group"] as? String, "sched")
        XCTAssertEqual(format["name"] as? String, "sched_switch")
        XCTAssertEqual(format["id"] as? Int, Int(tracepointID))
        let fields = try XCTUnwrap(format["fields"] as? [[String: Any]])
        let prevComm = try XCTUnwrap(fields.first { $0["name"] as? String == "prev_comm" }, "\(fields)")
        XCTAssertEqual(prevComm["size"] as? Int, 16)
        XCTAssertEqual(fields.first?["name"] as? String, "common_type")

        let detail = try bpfnav("link", "\(linkID)")
        XCTAssertEqual(detail.status, 0, detail.stderr)
        XCTAssertTrue(detail.text.contains("tracepoint") && detail.text.contains("sched:sched_switch"), detail.text)
        XCTAssertTrue(detail.text.contains("prev_comm[16]"), detail.text)
        XCTAssertTrue(table.text.contains("tracepoint sched_switch"), table.text)
    }

    // MARK: - pins

    func testPinsFindsTheTestsPinsWithTheirKinds() throws {
        let fixture = try makeFixture()
        defer { fixture.keepAlive() }
        let nested = pins.path("nested")
        try BPFFS.makeDirectory(nested)
        try fixture.map.pin(at: "\(nested)/again")

        for arguments in [["pins", pinDirectory, "--json"], ["pins", "--dir", pinDirectory, "--json"], ["pins", "--json"]] {
            let entries = try jsonArray(try bpfnav(arguments))
            func entry(_ path: String) -> [String: Any]? { entries.first { $0["path"] as? String == path } }

            let dir = try XCTUnwrap(entry(pinDirectory), "\(arguments)")
            XCTAssertEqual(dir["kind"] as? String, "directory")
            XCTAssertEqual(entry(nested)?["kind"] as? String, "directory")

            let map = try XCTUnwrap(entry(fixture.mapPath), "\(arguments)")
            XCTAssertEqual(map["kind"] as? String, "map")
            XCTAssertEqual(map["id"] as? Int, Int(fixture.mapID))
            XCTAssertEqual(map["name"] as? String, fixture.mapName)
            XCTAssertEqual(map["owner"] as? String, "foreign")
            XCTAssertNil(map["bpfnav"])
            XCTAssertEqual(entry("\(nested)/again")?["id"] as? Int, Int(fixture.mapID))

            let link = try XCTUnwrap(entry(fixture.pinnedLink.path), "\(arguments)")
            XCTAssertEqual(link["kind"] as? String, "link")
            XCTAssertEqual(link["id"] as? Int, Int(fixture.pinnedLink.linkID))
            XCTAssertEqual(link["type"] as? String, "iter")
            XCTAssertEqual(link["target_name"] as? String, "task")
            XCTAssertEqual(link["pid"] as? Int, Int(getpid()))
            XCTAssertEqual(link["prog_name"] as? String, "bpfnav_task_txt")
            XCTAssertEqual(link["owner"] as? String, "bpfnav")
            let own = try XCTUnwrap(link["bpfnav"] as? [String: Any])
            XCTAssertEqual(own["kind"] as? String, "tasks")
            XCTAssertEqual(own["format"] as? String, "text")
            XCTAssertEqual(own["pid"] as? Int, Int(getpid()))
        }

        // One pin given as PATH lists just that pin.
        let single = try jsonArray(try bpfnav("pins", fixture.mapPath, "--json"))
        XCTAssertEqual(single.count, 1)
        XCTAssertEqual(single.first?["kind"] as? String, "map")

        // The table marks bpfnav's pins.
        let table = try bpfnav("pins", pinDirectory)
        XCTAssertEqual(table.status, 0, table.stderr)
        let rows = table.text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertEqual(rows.first?.map(String.init), ["PATH", "KIND", "ID", "NAME", "OWNER", "DETAIL"])
        let linkRow = try XCTUnwrap(rows.first { $0.first.map(String.init) == fixture.pinnedLink.path }, table.text)
        XCTAssertEqual(linkRow.prefix(5).map(String.init),
                       [fixture.pinnedLink.path, "link", "\(fixture.pinnedLink.linkID)", "bpfnav_task_txt", "bpfnav"])
        XCTAssertEqual(linkRow.dropFirst(5).joined(separator: " "), "iter task pid \(getpid())")
        let mapRow = try XCTUnwrap(rows.first { $0.first.map(String.init) == fixture.mapPath }, table.text)
        XCTAssertEqual(mapRow.map(String.init), [fixture.mapPath, "map", "\(fixture.mapID)", fixture.mapName, "-", "hash"])
    }

    func testPinsShowsTheProgramCacheAsBpfnavs() throws {
        // A dump of every task fills the cache in the test's directory (a
        // --pid dump before 6.1 loads a filtered copy that is not cached).
        XCTAssertEqual(try bpfnav("tasks", "--json").status, 0)
        let entries = try jsonArray(try bpfnav("pins", pinDirectory, "--json"))
        let cached = entries.filter {
            ($0["path"] as? String)?.contains("/progs-\(Catalog.hash)/") == true
                && ($0["path"] as? String)?.hasSuffix("/features") == false
        }
        XCTAssertFalse(cached.isEmpty, "\(entries)")
        for entry in cached {
            XCTAssertEqual(entry["kind"] as? String, "program")
            XCTAssertEqual(entry["owner"] as? String, "bpfnav")
            XCTAssertEqual((entry["bpfnav"] as? [String: Any])?["cache"] as? Bool, true)
        }
        // The feature-probe cache (a map) sits beside the programs, and is
        // bpfnav's too.
        let features = try XCTUnwrap(entries.first { ($0["path"] as? String)?.hasSuffix("/progs-\(Catalog.hash)/features") == true },
                                     "\(entries)")
        XCTAssertEqual(features["kind"] as? String, "map")
        XCTAssertEqual(features["owner"] as? String, "bpfnav")
        XCTAssertEqual((features["bpfnav"] as? [String: Any])?["features"] as? Bool, true)
        // A map of someone else's with the same name elsewhere is not.
        let theirs = try BPFMap(type: .array, name: "bpfnav_features", keySize: 4, valueSize: 32, maxEntries: 1)
        try theirs.pin(at: pins.path("features"))
        let again = try jsonArray(try bpfnav("pins", pinDirectory, "--json"))
        XCTAssertEqual(again.first { $0["path"] as? String == pins.path("features") }?["owner"] as? String, "foreign")
    }

    func testPinsOutsideBPFFS() throws {
        let result = try bpfnav("pins", "/proc", "--json")
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(try jsonObject(result)["errno"] as? String, "ENODEV")
        // A directory that does not exist yet on a bpffs has nothing in it.
        let empty = try bpfnav("pins", pins.path("not-yet"), "--json")
        XCTAssertEqual(empty.status, 0, empty.stderr)
        XCTAssertEqual(empty.text, "[]\n")
    }

    // MARK: - Errors

    func testIDsThatDoNotExistAndGarbageIDs() throws {
        let missing = "4000000000"
        for (command, noun) in [("prog", "program"), ("map", "map"), ("link", "link")] {
            let plain = try bpfnav(command, missing)
            XCTAssertEqual(plain.status, 1, plain.stderr)
            XCTAssertTrue(plain.stdout.isEmpty, plain.text)
            XCTAssertTrue(plain.stderr.contains("no such \(noun) with id \(missing)"), plain.stderr)
            XCTAssertTrue(plain.stderr.contains("ENOENT"), plain.stderr)

            let json = try bpfnav(command, missing, "--json")
            XCTAssertEqual(json.status, 1)
            let error = try jsonObject(json)
            XCTAssertEqual(error["errno"] as? String, "ENOENT")
            XCTAssertTrue((error["error"] as? String)?.contains("no such \(noun) with id \(missing)") == true, json.text)

            for garbage in ["abc", "0", "-1", "12x"] {
                let result = try bpfnav(command, "--", garbage)
                XCTAssertEqual(result.status, 64, "\(command) \(garbage): \(result.stderr)")
            }
            XCTAssertEqual(try bpfnav(command).status, 64)
            // Several ids are taken (each looked up), not refused as usage.
            XCTAssertEqual(try bpfnav(command, missing, missing).status, 1)
            let garbageJSON = try bpfnav(command, "abc", "--json")
            XCTAssertEqual(garbageJSON.status, 64)
            XCTAssertNotNil(try jsonObject(garbageJSON)["error"])
        }
    }
}

/// The per-type link fields, for link types the integration tests cannot
/// create on any machine (no devices, cgroups or kprobes needed here).
final class LinkJSONShapeTests: XCTestCase {
    private func fields(_ details: LinkDetails, programType: UInt32? = nil,
                        format: TracepointFormat? = nil) throws -> [String: Any] {
        let out = Output(fd: -1, bufferLimit: Int.max)
        out.append("{\"id\":1")
        ObjectJSON.linkDetails(details, programType: programType, tracepointFormat: format, out)
        out.append("}")
        let object = try JSONSerialization.jsonObject(with: Data(out.buffer)) as? [String: Any]
        var result = try XCTUnwrap(object, String(decoding: out.buffer, as: UTF8.self))
        result["id"] = nil
        return result
    }

    private func assertFields(_ details: LinkDetails, _ expected: [String: Any], programType: UInt32? = nil,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let actual = try fields(details, programType: programType)
        XCTAssertEqual(Set(actual.keys), Set(expected.keys), "\(details)", file: file, line: line)
        for (key, value) in expected {
            XCTAssertEqual("\(actual[key] ?? "absent")", "\(value)", "\(details): \(key)", file: file, line: line)
        }
    }

    func testEveryLinkTypeHasBpftoolsFields() throws {
        try assertFields(.rawTracepoint(name: "sched_switch", cookie: 9), ["tp_name": "sched_switch", "cookie": 9])
        try assertFields(.rawTracepoint(name: "sched_switch", cookie: nil), ["tp_name": "sched_switch"])
        try assertFields(.tracing(attachType: 24, targetObjectID: 0, targetBTFID: 1234, cookie: 0),
                         ["prog_type": "tracing", "attach_type": "trace_fentry", "target_obj_id": 0, "target_btf_id": 1234,
                          "cookie": 0],
                         programType: 26)
        try assertFields(.tracing(attachType: 24, targetObjectID: 0, targetBTFID: 1234, cookie: nil),
                         ["prog_type": "tracing", "attach_type": "trace_fentry", "target_obj_id": 0, "target_btf_id": 1234],
                         programType: 26)
        try assertFields(.cgroup(cgroupID: 77, attachType: 0), ["cgroup_id": 77, "attach_type": "cgroup_inet_ingress"])
        try assertFields(.iter(target: "task_file", mapID: 0, cgroupID: 0, order: 0, tid: 0, pid: 42),
                         ["target_name": "task_file", "pid": 42])
        try assertFields(.iter(target: "task", mapID: 0, cgroupID: 0, order: 0, tid: 43, pid: 0),
                         ["target_name": "task", "tid": 43])
        try assertFields(.iter(target: "bpf_map", mapID: 0, cgroupID: 0, order: 0, tid: 0, pid: 0),
                         ["target_name": "bpf_map"])
        try assertFields(.iter(target: "bpf_map_elem", mapID: 9, cgroupID: 0, order: 0, tid: 0, pid: 0),
                         ["target_name": "bpf_map_elem", "map_id": 9])
        try assertFields(.iter(target: "cgroup", mapID: 0, cgroupID: 5, order: 2, tid: 0, pid: 0),
                         ["target_name": "cgroup", "cgroup_id": 5, "order": "descendants_pre"])
        try assertFields(.netns(inode: 4026531840, attachType: 17), ["netns_ino": 4026531840, "attach_type": "flow_dissector"])
        // A device is named only where bpfnav found it in its own namespace
        // (AttachmentIndex.place): never by the index in bpfnav's namespace.
        try assertFields(.xdp(ifindex: 1), ["ifindex": 1, "devname": "(unknown)"])
        try assertFields(.xdp(ifindex: 0), ["ifindex": 0, "devname": "(detached)"])
        try assertFields(.structOps(mapID: 3), ["map_id": 3])
        try assertFields(.netfilter(protocolFamily: 2, hook: 1, priority: -100, flags: 0),
                         ["pf": 2, "hook": 1, "prio": -100, "flags": 0])
        try assertFields(.kprobeMulti(count: 3, flags: 1, missed: 0), ["retprobe": 1, "func_cnt": 3, "missed": 0])
        try assertFields(.uprobeMulti(path: "/bin/x", count: 2, flags: 0, pid: 7),
                         ["retprobe": 0, "path": "/bin/x", "func_cnt": 2, "pid": 7])
        try assertFields(.perfEvent(.kprobe(function: "do_sys_openat2", offset: 0, address: 0xffff, missed: 1, retprobe: false, cookie: 5)),
                         ["retprobe": 0, "func": "do_sys_openat2", "offset": 0, "addr": 0xffff, "missed": 1, "cookie": 5])
        try assertFields(.perfEvent(.uprobe(file: "/lib/libc.so.6", offset: 0x1000, retprobe: true, cookie: 0, refCtrOffset: 0x20)),
                         ["retprobe": 1, "file": "/lib/libc.so.6", "offset": 0x1000, "cookie": 0, "ref_ctr_offset": 0x20])
        try assertFields(.perfEvent(.tracepoint(name: "sched_switch", cookie: 7)), ["tracepoint": "sched_switch", "cookie": 7])
        try assertFields(.perfEvent(.event(config: 0, type: 0, cookie: 0)), ["event_type": "hardware", "event_config": "cpu-cycles", "cookie": 0])
        try assertFields(.perfEvent(.event(config: 0x10001, type: 3, cookie: 0)), ["event_type": "hw-cache", "event_config": "L1-icache-load-misses", "cookie": 0])
        try assertFields(.perfEvent(.event(config: 99, type: 9, cookie: 1)), ["event_type": 9, "event_config": 99, "cookie": 1])
        try assertFields(.tcx(ifindex: 1, attachType: 46), ["devname": "(unknown)", "ifindex": 1, "attach_type": "tcx_ingress"])
        try assertFields(.netkit(ifindex: 999_999, attachType: 54),
                         ["devname": "(unknown)", "ifindex": 999_999, "attach_type": "netkit_primary"])
        try assertFields(.sockmap(mapID: 4, attachType: 38), ["map_id": 4, "attach_type": "sk_skb_verdict"])
        try assertFields(.unknown, [:])
    }

    func testTracepointFormatIsAnObject() throws {
        let format = TracepointFormat(group: "sched", name: "sched_switch", id: 316, fields: [
            .init(declaration: "char prev_comm[16]", name: "prev_comm", offset: 8, size: 16, isSigned: false),
        ])
        let object = try fields(.perfEvent(.tracepoint(name: "sched_switch", cookie: 0)), format: format)
        let f = try XCTUnwrap(object["format"] as? [String: Any])
        XCTAssertEqual(f["group"] as? String, "sched")
        XCTAssertEqual(f["id"] as? Int, 316)
        let field = try XCTUnwrap((f["fields"] as? [[String: Any]])?.first)
        XCTAssertEqual(field["name"] as? String, "prev_comm")
        XCTAssertEqual(field["declaration"] as? String, "char prev_comm[16]")
        XCTAssertEqual(field["offset"] as? Int, 8)
        XCTAssertEqual(field["size"] as? Int, 16)
        XCTAssertEqual(field["signed"] as? Bool, false)
    }
}

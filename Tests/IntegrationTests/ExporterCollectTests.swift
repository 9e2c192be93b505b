import BPFKit
import CLibBPF
@testable import Exporter
import Foundation
import Iterators
import ObjectModel
import TestSupport
import XCTest

/// `Collector.collect` against the kernel: what it exports of objects the
/// test makes equals what bpftool says of them.
final class ExporterCollectTests: BPFTestCase {
    /// One sample: its labels and value.
    struct Sample {
        var labels: [String: String]
        var value: Double
    }

    /// The exposition's samples by family name (a small parser of the text
    /// format: label values with \\, \" and \n escapes).
    static func parse(_ body: [UInt8]) throws -> [String: [Sample]] {
        let text = try XCTUnwrap(String(validating: body, as: UTF8.self), "the exposition is not valid UTF-8")
        var families: [String: [Sample]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var rest = Substring(line)
            let name = String(rest.prefix { $0 != "{" && $0 != " " })
            rest = rest.dropFirst(name.count)
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    let key = String(rest.prefix { $0 != "=" })
                    rest = rest.dropFirst(key.count + 2)  // ="
                    var value = ""
                    while let c = rest.first, c != "\"" {
                        rest = rest.dropFirst()
                        if c == "\\", let next = rest.first {
                            rest = rest.dropFirst()
                            value.append(next == "n" ? "\n" : next)
                        } else {
                            value.append(c)
                        }
                    }
                    rest = rest.dropFirst()  // closing quote
                    if rest.first == "," { rest = rest.dropFirst() }
                    labels[key] = value
                }
                rest = rest.dropFirst()
            }
            let value = try XCTUnwrap(Double(rest.trimmingCharacters(in: .whitespaces)), "bad sample: \(line)")
            families[name, default: []].append(Sample(labels: labels, value: value))
        }
        return families
    }

    static func value(_ families: [String: [Sample]], _ name: String, id: UInt32) -> Double? {
        families[name]?.first { $0.labels["id"] == "\(id)" }?.value
    }

    private func bpftool(_ arguments: [String]) throws -> [String: Any] {
        guard let path = ["/usr/sbin/bpftool", "/usr/bin/bpftool", "/sbin/bpftool"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { throw XCTSkip("needs bpftool") }
        let result = try runCommand(path, arguments + ["-j"])
        XCTAssertEqual(result.status, 0, "bpftool \(arguments): \(result.stderr)")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any],
                             "bpftool \(arguments): \(result.text.prefix(300))")
    }

    private func collect(countEntries: Set<String> = [], countUpTo: Int = 0, includeOwn: Bool = false,
                         budget: Double = 30) throws -> (Exposition, [String: [Sample]]) {
        let exposition = Collector.collect(ExporterConfiguration(budget: budget, countEntries: countEntries,
                                                                 countUpTo: countUpTo, includeOwn: includeOwn), budget: budget)
        return (exposition, try Self.parse(exposition.body))
    }

    func testProgramsAndMapsAsBpftoolSeesThem() throws {
        let name = uniqueName("exp")
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: name)
        let programID = try ObjectIdentity.id(of: program.raw, kind: .program)
        let map = try createMap(BPF_MAP_TYPE_HASH, name, value: 8, entries: 64)
        let mapID = try map.id()
        let elements = MapElements(fd: map.fd.raw)
        for key in UInt32(0)..<5 { try elements.update(key, UInt64(key) * 3) }

        let (exposition, families) = try collect(countEntries: ["hash"])
        XCTAssertFalse(exposition.truncated)

        let prog = try bpftool(["prog", "show", "id", "\(programID)"])
        let info = try XCTUnwrap(families["bpf_program_info"]?.first { $0.labels["id"] == "\(programID)" },
                                 "no bpf_program_info for program \(programID)")
        XCTAssertEqual(info.labels["name"], prog["name"] as? String)
        XCTAssertEqual(info.labels["type"], prog["type"] as? String)
        XCTAssertEqual(info.labels["tag"], prog["tag"] as? String)
        XCTAssertEqual(info.labels["gpl"], (prog["gpl_compatible"] as? Bool).map { $0 ? "true" : "false" })
        XCTAssertEqual(info.value, 1)
        if let memlock = prog["bytes_memlock"] as? Int {
            XCTAssertEqual(Self.value(families, "bpf_program_memlock_bytes", id: programID), Double(memlock))
        }
        XCTAssertEqual(Self.value(families, "bpf_program_xlated_bytes", id: programID),
                       (prog["bytes_xlated"] as? Int).map(Double.init))
        // verified_insns (5.16+): as bpftool has it; a bpftool too old to
        // print it: the program's two instructions, each verified once.
        let verified = Self.value(families, "bpf_program_verified_instructions", id: programID)
        if let insns = prog["verified_insns"] as? Int {
            XCTAssertEqual(verified, Double(insns))
        } else if let version = RunningKernel.version, version < KernelVersion(5, 16) {
            XCTAssertNil(verified, "no verified_insns before 5.16")
        } else {
            XCTAssertEqual(verified, 2)
        }
        XCTAssertNotNil(Self.value(families, "bpf_program_run_count_total", id: programID))

        let mapJSON = try bpftool(["map", "show", "id", "\(mapID)"])
        let mapInfo = try XCTUnwrap(families["bpf_map_info"]?.first { $0.labels["id"] == "\(mapID)" })
        XCTAssertEqual(mapInfo.labels["name"], mapJSON["name"] as? String)
        XCTAssertEqual(mapInfo.labels["type"], "hash")
        XCTAssertEqual(mapInfo.labels["key_bytes"], "4")
        XCTAssertEqual(mapInfo.labels["value_bytes"], "8")
        XCTAssertEqual(Self.value(families, "bpf_map_max_entries", id: mapID), (mapJSON["max_entries"] as? Int).map(Double.init))
        XCTAssertEqual(Self.value(families, "bpf_map_memlock_bytes", id: mapID),
                       (mapJSON["bytes_memlock"] as? Int).map(Double.init))
        XCTAssertEqual(Self.value(families, "bpf_map_entries", id: mapID), 5)

        // Counts, and the scrape's own series.
        let kinds = Set((families["bpf_objects"] ?? []).compactMap { $0.labels["kind"] })
        XCTAssertEqual(kinds, ["program", "map", "link", "btf"])
        XCTAssertEqual(families["bpfnav_scrape_truncated"]?.first?.value, 0)
        XCTAssertGreaterThan(families["bpfnav_collections_total"]?.first?.value ?? 0, 0)
        XCTAssertGreaterThan(families["bpfnav_scrape_duration_seconds"]?.first?.value ?? 0, 0)

        withExtendedLifetime(program) {}
    }

    /// A process holding a program and a map counts them under its comm;
    /// the collecting process's own fds count only with includeOwn.
    func testHoldersByComm() throws {
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: uniqueName("exp"))
        let map = try createMap(BPF_MAP_TYPE_ARRAY, uniqueName("exp"), value: 8, entries: 1)
        // A comm of its own: a link to sleep under a unique name.
        let comm = uniqueName("exphold")
        let directory = try TestDirectory(in: ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp", prefix: "exporter")
        defer { directory.remove() }
        let sleeper = directory.path + "/" + comm
        XCTAssertEqual(symlink("/bin/sleep", sleeper), 0)
        let child = spawn(try Child(shell: "exec \"$1\" 1000", arguments: [sleeper],
                                    passing: [10: program.raw, 11: map.fd.raw]))
        XCTAssertTrue(child.waitForExec(comm), "the holder did not start")

        let (_, families) = try collect()
        let held = (families["bpf_process_objects"] ?? []).filter { $0.labels["comm"] == comm }
        XCTAssertEqual(held.first { $0.labels["kind"] == "program" }?.value, 1)
        XCTAssertEqual(held.first { $0.labels["kind"] == "map" }?.value, 1)
        XCTAssertGreaterThanOrEqual(families["bpf_holder_processes"]?.first?.value ?? 0, 1)

        let me = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
        XCTAssertFalse((families["bpf_process_objects"] ?? []).contains { $0.labels["comm"] == me },
                       "the collecting process's own fds are counted")
        let (_, all) = try collect(includeOwn: true)
        XCTAssertTrue((all["bpf_process_objects"] ?? []).contains { $0.labels["comm"] == me })
        withExtendedLifetime(program) {}
    }

    /// Run counts are the kernel's: between two bpftool reads around the
    /// collection, once statistics are on and the demo's program runs.
    func testRunCountsWithStatisticsOn() throws {
        let pins = try Demo(directory: pinDirectory, network: nil).install().pins
        let id = try XCTUnwrap(pins.first { $0.kind == .link }).programID
        let stats = RunStats()
        try stats.enable()
        defer { stats.disable() }
        let start = try ProgramInfo(id: id).runCount
        XCTAssertTrue(waitUntil(timeout: 5) {
            usleep(10_000)
            return ((try? ProgramInfo(id: id).runCount) ?? 0) > start
        }, "the demo program did not run")
        let before = try XCTUnwrap(try bpftool(["prog", "show", "id", "\(id)"])["run_cnt"] as? Int)
        let (_, families) = try collect()
        let after = try XCTUnwrap(try bpftool(["prog", "show", "id", "\(id)"])["run_cnt"] as? Int)
        let exported = try XCTUnwrap(Self.value(families, "bpf_program_run_count_total", id: id))
        XCTAssertGreaterThanOrEqual(exported, Double(before))
        XCTAssertLessThanOrEqual(exported, Double(after))
        XCTAssertGreaterThan(Self.value(families, "bpf_program_run_time_seconds_total", id: id) ?? 0, 0)
        // The demo's program is attached through its link: one attachment, one link.
        XCTAssertTrue((families["bpf_program_attachment_info"] ?? []).contains { $0.labels["id"] == "\(id)" })
        XCTAssertTrue((families["bpf_link_info"] ?? []).contains { $0.labels["prog_id"] == "\(id)" })
    }

    /// bpfnav's own iterator programs (loaded for the holders) are hidden,
    /// and shown with includeOwn.
    func testOwnObjectsHiddenThenShown() throws {
        _ = try collect()
        let own = OwnObjects.all.filter { $0.kind == .program && (try? ProgramInfo(id: $0.id)) != nil }
        let ownIDs = Set(own.map { "\($0.id)" })
        try XCTSkipIf(ownIDs.isEmpty, "no own program is loaded (holders unavailable here)")
        let (_, hidden) = try collect()
        let hiddenIDs = Set((hidden["bpf_program_info"] ?? []).compactMap { $0.labels["id"] })
        XCTAssertTrue(hiddenIDs.isDisjoint(with: ownIDs), "own programs listed: \(hiddenIDs.intersection(ownIDs))")
        XCTAssertGreaterThanOrEqual(hidden["bpfnav_own_objects"]?.first { $0.labels["kind"] == "program" }?.value ?? 0,
                                    Double(ownIDs.count))
        let (_, shown) = try collect(includeOwn: true)
        let shownIDs = Set((shown["bpf_program_info"] ?? []).compactMap { $0.labels["id"] })
        XCTAssertTrue(ownIDs.isSubset(of: shownIDs), "own programs missing with includeOwn: \(ownIDs.subtracting(shownIDs))")
    }

    /// A budget already spent: the scrape says so, and has no object series
    /// or counts (rather than wrong ones).
    func testSpentBudgetTruncates() throws {
        let (exposition, families) = try collect(countEntries: ["hash"], budget: 0)
        XCTAssertTrue(exposition.truncated)
        XCTAssertEqual(families["bpfnav_scrape_truncated"]?.first?.value, 1)
        XCTAssertNil(families["bpf_objects"])
        XCTAssertNil(families["bpf_program_info"])
        XCTAssertNil(families["bpf_map_entries"])
    }

    /// A count the deadline cuts between two batches is no count, never a
    /// smaller one; without a deadline it is the map's number of entries.
    func testEntryCountCutByTheDeadline() throws {
        let map = try createMap(BPF_MAP_TYPE_HASH, uniqueName("exp"), value: 8, entries: 200_000)
        let elements = MapElements(fd: map.fd.raw)
        // More than one batch: about 1 MiB of 12-byte entries is 87,381.
        let entries = 100_000
        for key in UInt32(0)..<UInt32(entries) { try elements.update(key, UInt64(key)) }
        let id = try map.id()
        XCTAssertEqual(MapEntryCount.count(id: id, deadline: Deadline(seconds: 60)), .counted(entries))

        // A clock that passes the deadline after the first batch: each
        // reading moves it 0.6 s on a 1 s budget (start 0, first check 0.6, second 1.2).
        final class Ticks: @unchecked Sendable { var now: UInt64 = 0 }
        let ticks = Ticks()
        let deadline = Deadline(seconds: 1, clock: { defer { ticks.now += 600_000_000 }; return ticks.now })
        XCTAssertEqual(MapEntryCount.count(id: id, deadline: deadline), .outOfTime)
        XCTAssertEqual(MapEntryCount.count(id: id, deadline: Deadline(seconds: 0)), .outOfTime)
    }

    /// Without --count-entries, hash-like maps up to --count-up-to entries
    /// are counted (the entries the test put in), larger ones and
    /// arrays are not; 0 counts none.
    func testSmallHashMapsAreCountedBySize() throws {
        let small = try createMap(BPF_MAP_TYPE_HASH, uniqueName("exp"), value: 8, entries: 100)
        let large = try createMap(BPF_MAP_TYPE_LRU_HASH, uniqueName("exp"), value: 8, entries: 101)
        let array = try createMap(BPF_MAP_TYPE_ARRAY, uniqueName("exp"), value: 8, entries: 10)
        for (fd, n) in [(small.fd.raw, UInt32(7)), (large.fd.raw, UInt32(9))] {
            let elements = MapElements(fd: fd)
            for key in UInt32(0)..<n { try elements.update(key, UInt64(key)) }
        }
        let (smallID, largeID, arrayID) = (try small.id(), try large.id(), try array.id())

        let (_, families) = try collect(countUpTo: 100)
        XCTAssertEqual(Self.value(families, "bpf_map_entries", id: smallID), 7)
        XCTAssertNil(Self.value(families, "bpf_map_entries", id: largeID), "a map larger than --count-up-to was counted")
        XCTAssertNil(Self.value(families, "bpf_map_entries", id: arrayID), "an array was counted")

        let (_, asked) = try collect(countEntries: ["lru_hash"], countUpTo: 100)
        XCTAssertEqual(Self.value(asked, "bpf_map_entries", id: largeID), 9)

        let (_, none) = try collect(countUpTo: 0)
        XCTAssertNil(Self.value(none, "bpf_map_entries", id: smallID))
    }

    /// The collection counter counts every collection.
    func testCollectionsAreCounted() throws {
        let (_, first) = try collect()
        let (_, second) = try collect()
        let a = try XCTUnwrap(first["bpfnav_collections_total"]?.first?.value)
        let b = try XCTUnwrap(second["bpfnav_collections_total"]?.first?.value)
        XCTAssertEqual(b, a + 1)
    }
}

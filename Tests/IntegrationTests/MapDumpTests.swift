import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

/// `bpfnav map dump` against bpftool and against what the test wrote.
final class MapDumpTests: BPFTestCase {
    private func fill(_ fd: Int32, count: Int, keySize: Int, valueSize: Int) {
        for i in 0..<count {
            var key = [UInt8](repeating: 0, count: keySize)
            var value = [UInt8](repeating: 0, count: valueSize)
            withUnsafeBytes(of: UInt64(i).littleEndian) { key.replaceSubrange(0..<min(8, keySize), with: $0.prefix(keySize)) }
            for j in 0..<valueSize { value[j] = UInt8(truncatingIfNeeded: i &* 31 &+ j) }
            XCTAssertEqual(bpf_map_update_elem(fd, key, value, 0), 0)
        }
    }

    /// Entries as (key hex, value hex) pairs from a bpftool-shaped dump.
    private func entries(_ json: Any?) -> Set<[String]> {
        guard let array = json as? [[String: Any]] else { return [] }
        return Set(array.map { entry in
            [((entry["key"] as? [String]) ?? []).joined(separator: " "),
             ((entry["value"] as? [String]) ?? []).joined(separator: " ")]
        })
    }

    /// `map dump ID --json` by bpfnav and by bpftool, both succeeding: their
    /// entries, and bpfnav's output.
    private func dumps(_ id: UInt32, file: StaticString = #filePath, line: UInt = #line) throws
        -> (ours: Set<[String]>, theirs: Set<[String]>, oursText: String) {
        let ours = try bpfnav("map", "dump", "\(id)", "--json")
        XCTAssertEqual(ours.status, 0, ours.stderr, file: file, line: line)
        let theirs = try runCommand("/usr/sbin/bpftool", ["map", "dump", "id", "\(id)", "-j"])
        XCTAssertEqual(theirs.status, 0, theirs.stderr, file: file, line: line)
        return (entries(try JSONSerialization.jsonObject(with: Data(ours.stdout))),
                entries(try JSONSerialization.jsonObject(with: Data(theirs.stdout))), ours.text)
    }

    func testHashMapDumpsLikeBpftool() throws {
        let map = try BPFMap(type: .hash, name: uniqueName("nav_dump"), keySize: 8, valueSize: 24, maxEntries: 5000)
        fill(map.fd.raw, count: 3000, keySize: 8, valueSize: 24)
        let id = try map.id()
        let (a, b, _) = try dumps(id)
        XCTAssertEqual(a.count, 3000)
        XCTAssertEqual(a, b)

        let limited = try bpfnav("map", "dump", "\(id)", "--ndjson", "--limit", "10")
        XCTAssertEqual(limited.status, 0, limited.stderr)
        XCTAssertEqual(limited.text.split(separator: "\n").count, 10)

        let table = try bpfnav("map", "dump", "\(id)", "--limit", "2")
        XCTAssertTrue(table.text.hasPrefix("key: "), table.text)
        XCTAssertTrue(table.text.hasSuffix("Found 2 elements\n"), table.text)
    }

    func testPerCPUValuesAndPinPaths() throws {
        let map = try BPFMap(type: .percpuArray, name: uniqueName("nav_pcpu"), keySize: 4, valueSize: 4, maxEntries: 3)
        try map.pin(at: pins.path("pcpu"))
        let result = try bpfnav("map", "dump", pins.path("pcpu"), "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]])
        XCTAssertEqual(array.count, 3)
        let cpus = Int(libbpf_num_possible_cpus())
        for entry in array {
            let values = try XCTUnwrap(entry["values"] as? [[String: Any]])
            XCTAssertEqual(values.count, cpus)
            XCTAssertEqual(values.map { $0["cpu"] as? Int }, (0..<cpus).map { $0 })
            XCTAssertEqual((values.first?["value"] as? [String])?.count, 4)
        }
        let theirs = try runCommand("/usr/sbin/bpftool", ["map", "dump", "pinned", pins.path("pcpu"), "-j"])
        let theirArray = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(theirs.stdout)) as? [[String: Any]])
        XCTAssertEqual(theirArray.count, 3)
        XCTAssertEqual((theirArray.first?["values"] as? [[String: Any]])?.count, cpus)
    }

    /// Per-CPU maps take a value for every possible CPU, each in an
    /// 8-byte-aligned slot; every CPU's bytes differ.
    private func fillPerCPU(_ fd: Int32, count: Int, valueSize: Int) {
        let cpus = Int(libbpf_num_possible_cpus())
        let slot = (valueSize + 7) & ~7
        for i in 0..<count {
            var key = UInt32(i)
            var value = [UInt8](repeating: 0, count: slot * cpus)
            for cpu in 0..<cpus {
                for j in 0..<valueSize { value[cpu * slot + j] = UInt8(truncatingIfNeeded: i &* 7 &+ cpu &* 13 &+ j) }
            }
            XCTAssertEqual(bpf_map_update_elem(fd, &key, value, 0), 0, "update \(i)")
        }
    }

    /// Every entry of a JSON dump, whole (key, value or values, formatted),
    /// as canonical text.
    private func wholeEntries(_ result: RunResult) throws -> [String] {
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [Any], result.text)
        return try array.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
    }

    /// Where the kernel has no batch lookup for a map type (5.10's per-CPU
    /// arrays and LPM tries, prog arrays and devmaps everywhere) it answers
    /// ENOTSUPP and leaves the count as it was: bpfnav reads key by key and
    /// prints the same dump. The ENOTSUPP is injected here (debug builds),
    /// so the walks are compared on any kernel.
    func testKeyByKeyDumpIsTheBatchDump() throws {
        let probe = try bpfnav(["--help"], environment: ["BPFNAV_FAULTS": "no-such-point"])
        guard probe.status == 70 else {
            throw XCTSkip("this bpfnav build ignores BPFNAV_FAULTS (a release build): it cannot be made to read key by key")
        }
        let hash = try BPFMap(type: .hash, name: uniqueName("nav_kbk_h"), keySize: 8, valueSize: 24, maxEntries: 3000)
        fill(hash.fd.raw, count: 2000, keySize: 8, valueSize: 24)
        let perCPUHash = try BPFMap(type: .percpuHash, name: uniqueName("nav_kbk_ph"), keySize: 4, valueSize: 12, maxEntries: 600)
        fillPerCPU(perCPUHash.fd.raw, count: 500, valueSize: 12)
        let perCPUArray = try BPFMap(type: .percpuArray, name: uniqueName("nav_kbk_pa"), keySize: 4, valueSize: 12, maxEntries: 300)
        fillPerCPU(perCPUArray.fd.raw, count: 300, valueSize: 12)
        for (id, count) in [(try hash.id(), 2000), (try perCPUHash.id(), 500), (try perCPUArray.id(), 300)] {
            let batch = try bpfnav("map", "dump", "\(id)", "--json")
            XCTAssertEqual(batch.status, 0, batch.stderr)
            let byKey = try bpfnav(["map", "dump", "\(id)", "--json"], environment: ["BPFNAV_FAULTS": "batch=ENOTSUPP@1+"])
            XCTAssertEqual(byKey.status, 0, "map \(id): \(byKey.stderr)")
            let a = try wholeEntries(batch), b = try wholeEntries(byKey)
            XCTAssertEqual(a.count, count, "map \(id)")
            XCTAssertEqual(b.count, count, "map \(id)")
            XCTAssertEqual(Set(a), Set(b), "map \(id): the same entries, values of every CPU")
            // --limit and the table stop at the same count either way.
            let limited = try bpfnav(["map", "dump", "\(id)", "--limit", "70"], environment: ["BPFNAV_FAULTS": "batch=ENOTSUPP@1+"])
            XCTAssertEqual(limited.status, 0, limited.stderr)
            XCTAssertTrue(limited.text.hasSuffix("Found 70 elements\n"), String(limited.text.suffix(200)))
        }
    }

    /// A devmap never has batch lookups: key by key for real, on every
    /// kernel, empty slots skipped, as bpftool shows it.
    func testMapWithoutBatchLookups() throws {
        let map = try BPFMap(type: .devmap, name: uniqueName("nav_devmap"), keySize: 4, valueSize: 4, maxEntries: 8)
        let loopback = if_nametoindex("lo")
        XCTAssertGreaterThan(loopback, 0)
        for slot: UInt32 in [1, 3, 6] {
            var key = slot
            var value = UInt32(loopback)
            XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, &value, 0), 0, "slot \(slot): \(String(cString: strerror(errno)))")
        }
        let (a, theirs, text) = try dumps(try map.id())
        XCTAssertEqual(a.count, 3, text)
        // bpftool lists the empty slots too, as {"error": "No such file or directory"}.
        XCTAssertEqual(a, theirs.filter { $0[1] != "" })
        XCTAssertTrue(a.contains(["0x03 0x00 0x00 0x00", withUnsafeBytes(of: loopback.littleEndian) { $0.map { String(format: "0x%02x", $0) }.joined(separator: " ") }]), "\(a)")
    }

    func testBTFFormattedValues() throws {
        // bpfnav's own iterator objects carry BTF: their header map is
        // keyed by a __u64 session id with a __u8 value.
        let object = try Catalog.load(.task)
        let fd = try object.mapFD("bpfnav_headers")
        var key: UInt64 = 0xfeed
        var value: UInt8 = 7
        XCTAssertEqual(bpf_map_update_elem(fd, &key, &value, 0), 0)
        let id = try MapInfo(fd: fd).id
        let result = try bpfnav("map", "dump", "\(id)", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]])
        let entry = try XCTUnwrap(array.first { ($0["formatted"] as? [String: Any])?["key"] as? Int == 0xfeed }, result.text)
        XCTAssertEqual((entry["formatted"] as? [String: Any])?["value"] as? Int, 7)
        XCTAssertEqual(entry["key"] as? [String], ["0xed", "0xfe", "0x00", "0x00", "0x00", "0x00", "0x00", "0x00"])
    }

    func testMapsThatCannotBeDumpedSaySo() throws {
        let ring = try BPFMap(type: .ringbuf, name: uniqueName("nav_ring"), keySize: 0, valueSize: 0, maxEntries: 4096)
        let result = try bpfnav("map", "dump", "\(try ring.id())")
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("ring buffer"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 2, "one line and its hint: \(result.stderr)")
        XCTAssertTrue(result.stdout.isEmpty)
    }

    func testBadInput() throws {
        let garbage = try bpfnav("map", "dump", "1", "--limit", "ten")
        XCTAssertEqual(garbage.status, 64)
        XCTAssertTrue(garbage.stderr.contains("--limit"), garbage.stderr)
        let missing = try bpfnav("map", "dump", "4000000000", "--json")
        XCTAssertEqual(missing.status, 1)
        let error = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(missing.stdout)) as? [String: Any], missing.text)
        XCTAssertEqual(error["errno"] as? String, "ENOENT")
        let notMap = try bpfnav("map", "dump", "/proc/self/status")
        XCTAssertEqual(notMap.status, 1)
        XCTAssertFalse(notMap.stderr.isEmpty)
    }
}

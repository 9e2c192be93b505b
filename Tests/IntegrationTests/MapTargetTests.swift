@testable import BPFKit
import CLibBPF
import Foundation
import XCTest

/// Issue #13 item 6: `map dump` of the map kinds whose values name other
/// objects (programs, devices, CPU queues, inner maps), compared with what
/// the test wrote and with bpftool; struct_ops maps through vmlinux BTF.
final class MapTargetTests: BPFTestCase {
    private func update(_ map: borrowing BPFMap, _ key: UInt32, _ value: [UInt32], file: StaticString = #filePath, line: UInt = #line) {
        var key = key
        XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, value, 0), 0, String(cString: strerror(errno)), file: file, line: line)
    }

    /// bpfnav's dump entries by key (first key byte), and bpftool's hex
    /// key/value pairs of its entries that have a value.
    private func dump(_ id: UInt32, file: StaticString = #filePath, line: UInt = #line) throws
        -> (ours: [Int: [String: Any]], agree: Bool) {
        let ours = try bpfnav("map", "dump", "\(id)", "--json")
        XCTAssertEqual(ours.status, 0, ours.stderr, file: file, line: line)
        let array = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ours.stdout)) as? [[String: Any]], file: file, line: line)
        var byKey: [Int: [String: Any]] = [:]
        for entry in array {
            let key = try XCTUnwrap((entry["key"] as? [String])?.first, file: file, line: line)
            byKey[Int(key.dropFirst(2), radix: 16) ?? -1] = entry
        }
        let theirs = try runCommand("/usr/sbin/bpftool", ["map", "dump", "id", "\(id)", "-j"])
        XCTAssertEqual(theirs.status, 0, theirs.stderr, file: file, line: line)
        let their = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(theirs.stdout)) as? [[String: Any]], file: file, line: line)
        func pairs(_ entries: [[String: Any]]) -> Set<[String]> {
            Set(entries.compactMap { entry in
                guard let value = entry["value"] as? [String], let key = entry["key"] as? [String] else { return nil }
                return [key.joined(separator: " "), value.joined(separator: " ")]
            })
        }
        return (byKey, pairs(array) == pairs(their))
    }

    func testProgArrayEntriesNameTheirPrograms() throws {
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: "nav_tail")
        let programID = try ObjectIdentity.id(of: program.raw, kind: .program)
        let map = try createMap(BPF_MAP_TYPE_PROG_ARRAY, uniqueName("nav_pa"), value: 4, entries: 4)
        update(map, 2, [UInt32(bitPattern: program.raw)])
        let (ours, agree) = try dump(try map.id())
        XCTAssertTrue(agree, "\(ours)")
        XCTAssertEqual(ours.count, 1, "empty slots are skipped: \(ours)")
        XCTAssertEqual(ours[2]?["prog_id"] as? Int, Int(programID))
        XCTAssertEqual(ours[2]?["prog_name"] as? String, "nav_tail")
        let table = try bpfnav("map", "dump", "\(try map.id())")
        XCTAssertTrue(table.text.contains("  prog_id \(programID)  prog_name nav_tail\n"), table.text)
    }

    func testDevmapsGiveIfindexAndProgram() throws {
        let loopback = if_nametoindex("lo")
        // bpf_devmap_val (5.8): {ifindex, program}; a 4-byte value is a bare ifindex.
        let withProgram = try createMap(BPF_MAP_TYPE_DEVMAP, uniqueName("nav_dm8"), value: 8, entries: 4)
        update(withProgram, 1, [loopback, 0])
        let (ours, agree) = try dump(try withProgram.id())
        XCTAssertTrue(agree, "\(ours)")
        XCTAssertEqual(ours[1]?["ifindex"] as? Int, Int(loopback))
        XCTAssertEqual(ours[1]?["prog_id"] as? Int, 0)
        XCTAssertNil(ours[1]?["devname"], "a devmap entry's namespace is not known: no name")

        let hash = try createMap(BPF_MAP_TYPE_DEVMAP_HASH, uniqueName("nav_dmh"), value: 4, entries: 4)   // 5.4
        update(hash, 7, [loopback])
        let (hashed, hashAgree) = try dump(try hash.id())
        XCTAssertTrue(hashAgree, "\(hashed)")
        XCTAssertEqual(hashed[7]?["ifindex"] as? Int, Int(loopback))
        XCTAssertNil(hashed[7]?["prog_id"], "a 4-byte value has no program")
    }

    func testCpumapsGiveQueueSize() throws {
        let map = try createMap(BPF_MAP_TYPE_CPUMAP, uniqueName("nav_cpu"), value: 8, entries: 1)
        update(map, 0, [192, 0])
        let (ours, agree) = try dump(try map.id())
        XCTAssertTrue(agree, "\(ours)")
        XCTAssertEqual(ours[0]?["qsize"] as? Int, 192)
        XCTAssertEqual(ours[0]?["prog_id"] as? Int, 0)
    }

    func testMapsOfMapsGiveInnerMapIDs() throws {
        let inner = try createMap(BPF_MAP_TYPE_ARRAY, uniqueName("nav_inner"), value: 4, entries: 1)
        let innerID = try inner.id()
        for type in [BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS] {
            let outer = try createMap(type, uniqueName("nav_outer"), value: 4, entries: 2) { $0.inner_map_fd = UInt32(inner.fd.raw) }
            update(outer, 1, [UInt32(inner.fd.raw)])
            let (ours, agree) = try dump(try outer.id())
            XCTAssertTrue(agree, "\(ours)")
            XCTAssertEqual(ours[1]?["inner_map_id"] as? Int, Int(innerID), "\(type)")
        }
    }

    /// A struct_ops map (a tcp_congestion_ops registered while the test
    /// holds it) dumps as bpftool dumps it: key 0, the kernel's value,
    /// formatted through vmlinux BTF as `struct bpf_struct_ops_tcp_congestion_ops`,
    /// the operations' programs as ids. Lookups of struct_ops maps from
    /// userspace are there since 5.6, as struct_ops are.
    func testStructOpsMapsDumpThroughVmlinuxBTF() throws {
        let object = try BPFObject(elf: try Fixture.compile("struct_ops_cc.bpf.c"), name: "struct_ops_cc")
        try object.load()
        let map = try XCTUnwrap(bpf_object__find_map_by_name(object.object, "bpfnav_cc"))
        guard let link = bpf_map__attach_struct_ops(map) else {
            return XCTFail("register tcp_congestion_ops bpfnav_cc: \(String(cString: strerror(errno)))")
        }
        defer { bpf_link__destroy(link) }
        let id = try ObjectIdentity.id(of: bpf_map__fd(map), kind: .map)
        let ssthresh = try ObjectIdentity.id(of: try object.programFD("bpfnav_ssthresh"), kind: .program)

        let (ours, agree) = try dump(id)
        XCTAssertTrue(agree, "\(ours)")
        let entry = try XCTUnwrap(ours[0], "\(ours)")
        let formatted = try XCTUnwrap(entry["formatted"] as? [String: Any], "\(entry)")
        XCTAssertNil(formatted["key"], "struct_ops keys have no BTF type")
        let value = try XCTUnwrap(formatted["value"] as? [String: Any], "\(formatted)")
        let data = try XCTUnwrap(value["data"] as? [String: Any], "\(value)")
        XCTAssertEqual(data["name"] as? String, "bpfnav_cc")
        XCTAssertEqual(data["ssthresh"] as? Int, Int(ssthresh))
        // The state is in `common` on kernels with bpf_struct_ops_common_value (2024), a member of its own before.
        let state = (value["common"] as? [String: Any])?["state"] ?? value["state"]
        XCTAssertEqual(state as? String, "BPF_STRUCT_OPS_STATE_INUSE", "\(value)")

        // bpftool's formatted value, whole.
        let theirs = try runCommand("/usr/sbin/bpftool", ["map", "dump", "id", "\(id)", "-j"])
        let their = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(theirs.stdout)) as? [[String: Any]])
        XCTAssertEqual(their.count, 1)
        XCTAssertEqual(NSDictionary(dictionary: formatted), their.first?["formatted"] as? NSDictionary)

        // Where the program runs: the ops table's member, with its map.
        let shown = try bpfnav("prog", "\(ssthresh)", "--json")
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let program = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(shown.stdout)) as? [String: Any])
        let places = try XCTUnwrap(program["attachments"] as? [[String: Any]], "\(program)")
        let member = try XCTUnwrap(places.first { $0["kind"] as? String == "struct_ops" }, "\(places)")
        XCTAssertEqual(member["attach_point"] as? String, "tcp_congestion_ops.ssthresh")
        XCTAssertEqual(member["map_id"] as? Int, Int(id))
        XCTAssertEqual(member["target"] as? String, "tcp_congestion_ops bpfnav_cc")
    }
}

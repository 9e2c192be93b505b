import BPFKit
import CLibBPF
import Foundation
import XCTest

/// Fields bpftool has (or bpf_map_info has) that bpfnav carries, each only
/// where the running kernel gives it: `map_extra` (issue #13 item 6), a
/// program's `orphaned` and a raw tracepoint link's `cookie` (item 5).
final class ParityFieldTests: BPFTestCase {
    private var kernel: KernelVersion { RunningKernel.version ?? KernelVersion(5, 10) }

    /// bpf_map_info.map_extra (5.16): a bloom filter's hash count; omitted
    /// where the kernel's info has no such field, as the kernel gives no value.
    func testMapExtra() throws {
        if kernel >= KernelVersion(5, 16) {
            let bloom = try createMap(BPF_MAP_TYPE_BLOOM_FILTER, uniqueName("nav_bloom"), key: 0, value: 8, entries: 16) { $0.map_extra = 3 }
            let id = try bloom.id()
            let one = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try bpfnav("map", "\(id)", "--json").stdout)) as? [String: Any])
            XCTAssertEqual(one["map_extra"] as? Int, 3)
            let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try bpfnav("maps", "--json").stdout)) as? [[String: Any]])
            XCTAssertEqual(all.first { $0["id"] as? Int == Int(id) }?["map_extra"] as? Int, 3)
        } else {
            let hash = try BPFMap(type: .hash, name: uniqueName("nav_noext"), keySize: 4, valueSize: 4, maxEntries: 1)
            let one = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try bpfnav("map", "\(try hash.id())", "--json").stdout)) as? [String: Any])
            XCTAssertNil(one["map_extra"], "before 5.16 the kernel has no map_extra")
        }
    }

    /// bpftool prints `orphaned` for every program: false unless an
    /// offloaded program's device is gone (no offload here).
    func testProgramsAreNotOrphaned() throws {
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: "nav_orphan")
        let id = try ObjectIdentity.id(of: program.raw, kind: .program)
        let ours = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try bpfnav("prog", "\(id)", "--json").stdout)) as? [String: Any])
        XCTAssertEqual(ours["orphaned"] as? Bool, false)
        let theirs = try runCommand("/usr/sbin/bpftool", ["prog", "show", "id", "\(id)", "-j"])
        let their = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(theirs.stdout)) as? [String: Any], theirs.text)
        // Debian's bpftool 7.1 predates the field; a newer one prints it.
        if their["orphaned"] != nil { XCTAssertEqual(their["orphaned"] as? Bool, false) }
        XCTAssertEqual(their["id"] as? Int, Int(id))
    }

    /// A raw tracepoint link's `cookie` (bpftool prints it): the kernel's
    /// bytes where its bpf_link_info reaches them (not 5.10's 32 bytes).
    func testRawTracepointLinkCookie() throws {
        let program = try loadProgram(BPF_PROG_TYPE_RAW_TRACEPOINT, name: "nav_rawtp_ck")
        let link = bpf_raw_tracepoint_open("sched_switch", program.raw)
        XCTAssertGreaterThanOrEqual(link, 0, String(cString: strerror(errno)))
        let owned = OwnedFD(adopting: link)
        var info = bpf_link_info()
        var length = UInt32(MemoryLayout<bpf_link_info>.size)
        XCTAssertEqual(bpf_obj_get_info_by_fd(owned.raw, &info, &length), 0)
        let ours = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try bpfnav("link", "\(info.id)", "--json").stdout)) as? [String: Any])
        XCTAssertEqual(ours["tp_name"] as? String, "sched_switch")
        if length >= 40 {
            XCTAssertEqual((ours["cookie"] as? NSNumber)?.uint64Value, info.raw_tracepoint.cookie)
        } else {
            XCTAssertNil(ours["cookie"], "the kernel's link info ends before the cookie")
        }
    }
}

import BPFKit
import CLibBPF
import Foundation
import XCTest

/// Fields bpftool has (or bpf_map_info has) that bpfnav carries, each only
/// where the running kernel gives it: `map_extra` (issue #13 item 6).
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
}

import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

final class BPFMapIterTests: BPFTestCase {
    func testListsAMapTheTestCreated() throws {
        let name = uniqueName("nav_map")
        let map = try BPFMap(type: .hash, name: name, keySize: 12, valueSize: 40, maxEntries: 77)
        let id = try map.id()

        let records = try IterLoader().records(MapRecord.self, .bpfMap)
        let mine = try XCTUnwrap(records.first { $0.id == id })
        XCTAssertEqual(String(decoding: mine.name, as: UTF8.self), name)
        XCTAssertEqual(mine.type, BPF_MAP_TYPE_HASH.rawValue)
        XCTAssertEqual(mine.keySize, 12)
        XCTAssertEqual(mine.valueSize, 40)
        XCTAssertEqual(mine.maxEntries, 77)

        try pins.create([PinSpec(kind: .bpfMap, params: .all)])
        let out = try runCommand("/bin/cat", [pins.path("maps")])
        let row = try XCTUnwrap(out.text.split(separator: "\n").first { $0.hasSuffix(" \(name)") }, out.text)
        let fields = row.split(separator: " ")
        XCTAssertEqual(fields.first, "\(id)")
        XCTAssertEqual(fields[1], "hash")
        XCTAssertTrue(fields.contains("12") && fields.contains("40") && fields.contains("77"), String(row))
    }
}

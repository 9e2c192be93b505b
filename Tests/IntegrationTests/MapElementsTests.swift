import BPFKit
import XCTest

final class MapElementsTests: BPFTestCase {
    func testElementsRoundTrip() throws {
        let map = try BPFMap(type: .hash, name: uniqueName("nav_elem"), keySize: 8, valueSize: 16, maxEntries: 8,
                             flags: .noPrealloc)
        let info = try MapInfo(fd: map.fd.raw)
        XCTAssertEqual(info.type, MapType.hash.rawValue)
        XCTAssertEqual(info.flags, MapFlags.noPrealloc.rawValue)

        let elements = MapElements(fd: map.fd.raw)
        try elements.update(UInt64(7), (UInt64(1), UInt64(2)))
        try elements.update(UInt64(9), bytes: [UInt8](repeating: 0xab, count: 16))
        XCTAssertEqual(try elements.lookup(UInt64(9), size: 16), [UInt8](repeating: 0xab, count: 16))
        let pair = try elements.lookup(UInt64(7), as: (UInt64, UInt64).self)
        XCTAssertEqual(pair.0, 1)
        XCTAssertEqual(pair.1, 2)

        var keys: [UInt64] = []
        var key: UInt64?
        while let next = try? elements.nextKey(after: key) {
            keys.append(next)
            key = next
        }
        XCTAssertEqual(keys.sorted(), [7, 9])
        XCTAssertThrowsError(try elements.nextKey(after: key)) { XCTAssertEqual($0 as? Errno, .ENOENT) }

        try elements.delete(UInt64(7))
        XCTAssertThrowsError(try elements.lookup(UInt64(7), size: 16)) { XCTAssertEqual($0 as? Errno, .ENOENT) }
        XCTAssertThrowsError(try elements.delete(UInt64(7))) { XCTAssertEqual($0 as? Errno, .ENOENT) }
    }
}

import BPFKit
import CLibBPF
import Explorer
import Glibc
import XCTest

/// `BrowserMapPager` (the live source's map reader) on maps the test
/// creates: pages cover every entry once, a page read again comes from its
/// own position, and a walk to the end counts what the pages hold. Needs
/// CAP_BPF (skipped without, with the reason; BPFNAV_REQUIRE_BPF=1 fails).
final class MapPagerTests: XCTestCase {
    private func requireBPF() throws {
        guard geteuid() != 0 else { return }
        let reason = "needs root (CAP_BPF) to create maps"
        if getenv("BPFNAV_REQUIRE_BPF").map({ String(cString: $0) }) == "1" { XCTFail(reason) }
        throw XCTSkip(reason)
    }

    private func fill(_ fd: Int32, count: Int, key: (Int) -> [UInt8]) {
        for n in 0..<count {
            var k = key(n)
            var value = UInt64(n * 3)
            XCTAssertEqual(bpf_map_update_elem(fd, &k, &value, 0), 0, "update \(n)")
        }
    }

    /// Every page in order; the keys of all, and the pages' entry counts.
    private func readAll(_ pager: BrowserMapPager) throws -> (keys: [[UInt8]], counts: [Int]) {
        var keys: [[UInt8]] = []
        var counts: [Int] = []
        var index = 0
        while true {
            let page = try pager.page(index)
            XCTAssertEqual(page.start, counts.reduce(0, +))
            keys += page.entries.map(\.key)
            counts.append(page.entries.count)
            if page.isLast { break }
            index += 1
            XCTAssertLessThan(index, 10_000, "runaway")
        }
        return (keys, counts)
    }

    private func check(type: bpf_map_type, count: Int, pageSize: Int, keySize: UInt32 = 4, flags: UInt32 = 0,
                       key: @escaping (Int) -> [UInt8]) throws {
        try requireBPF()
        var opts = bpf_map_create_opts()
        opts.sz = MemoryLayout<bpf_map_create_opts>.size
        opts.map_flags = flags
        let raw = bpf_map_create(type, "tui_pager_test", keySize, 8, UInt32(max(count, 1)), &opts)
        XCTAssertGreaterThanOrEqual(raw, 0, "create map: \(String(cString: strerror(errno)))")
        guard raw >= 0 else { return }
        let map = OwnedFD(adopting: raw)
        fill(map.raw, count: count, key: key)

        let pager = try BrowserMapPager(fd: OwnedFD(adopting: dup(map.raw)), pageSize: pageSize)
        XCTAssertEqual(pager.knownPages, 1)
        let (keys, counts) = try readAll(pager)
        XCTAssertEqual(keys.count, count)
        XCTAssertEqual(Set(keys), Set((0..<count).map(key)), "every entry once")
        XCTAssertTrue(counts.allSatisfy { $0 <= pageSize * 2 }, "\(counts)")
        XCTAssertTrue(pager.isComplete)
        // Values are the map's, as 8 bytes.
        let first = try pager.page(0)
        if let entry = first.entries.first, let n = (0..<count).first(where: { key($0) == entry.key }) {
            XCTAssertEqual(entry.values, [withUnsafeBytes(of: UInt64(n * 3)) { Array($0) }])
        }
        // A page read again, from its own position.
        if counts.count > 3 {
            let again = try pager.page(2)
            let startOfThird = counts[0] + counts[1]
            XCTAssertEqual(again.start, startOfThird)
            XCTAssertEqual(again.entries.map(\.key), Array(keys[startOfThird..<(startOfThird + counts[2])]))
        }
        // A walk to the end in a fresh reader counts the same pages.
        let walker = try BrowserMapPager(fd: OwnedFD(adopting: dup(map.raw)), pageSize: pageSize)
        var progressed = 0
        let walked = try walker.readThrough { progressed = $0; return true }
        XCTAssertEqual(walked.reduce(0, +), count)
        XCTAssertEqual(progressed, count)
        XCTAssertTrue(walker.isComplete)
        let last = try walker.page(walked.count - 1)
        XCTAssertTrue(last.isLast)
        XCTAssertEqual(last.entries.map(\.key), Array(keys.suffix(last.entries.count)))
    }

    private func u32(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(n)) { Array($0) } }

    func testHashMapInBatches() throws {
        try check(type: BPF_MAP_TYPE_HASH, count: 1000, pageSize: 64, key: u32)
    }

    func testArrayMapInBatches() throws {
        try check(type: BPF_MAP_TYPE_ARRAY, count: 300, pageSize: 100, key: u32)
    }

    func testEmptyHashMap() throws {
        try check(type: BPF_MAP_TYPE_HASH, count: 0, pageSize: 16, key: u32)
    }

    /// LPM tries have no batch lookups: pages go key by key.
    func testMapWithoutBatchOperations() throws {
        try check(type: BPF_MAP_TYPE_LPM_TRIE, count: 200, pageSize: 50, keySize: 8, flags: UInt32(BPF_F_NO_PREALLOC)) { n in
            withUnsafeBytes(of: UInt32(32)) { Array($0) } + withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }
        }
    }

    func testUndumpableMapSaysWhy() throws {
        try requireBPF()
        let raw = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "tui_pager_rb", 0, 0, 4096, nil)
        XCTAssertGreaterThanOrEqual(raw, 0)
        guard raw >= 0 else { return }
        let pager = try BrowserMapPager(fd: OwnedFD(adopting: raw))
        XCTAssertThrowsError(try pager.page(0)) { error in
            XCTAssertTrue("\(error)".contains("ring buffer"), "\(error)")
        }
    }
}

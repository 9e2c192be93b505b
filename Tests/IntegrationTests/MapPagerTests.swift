import BPFKit
import CLibBPF
import BrowserModel
import Glibc
import XCTest

/// `BrowserMapPager` (the live source's map reader) on maps the test
/// creates: pages cover every entry once, a page read again comes from its
/// own position, and a walk to the end counts what the pages hold. The
/// browser's views are tested without privileges in TUITests, over fake
/// maps; these need to create real ones.
final class MapPagerTests: BPFTestCase {
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

    /// LPM tries have batch lookups since 5.x, not on 5.10 (ENOTSUPP): there
    /// the pages go key by key.
    func testLPMTrie() throws {
        try check(type: BPF_MAP_TYPE_LPM_TRIE, count: 200, pageSize: 50, keySize: 8, flags: UInt32(BPF_F_NO_PREALLOC)) { n in
            withUnsafeBytes(of: UInt32(32)) { Array($0) } + withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }
        }
    }

    /// Every page, whole: (key, values of every CPU) in order.
    private func entries(_ pager: BrowserMapPager) throws -> [[[UInt8]]] {
        var all: [[[UInt8]]] = []
        var index = 0
        while true {
            let page = try pager.page(index)
            XCTAssertLessThanOrEqual(page.entries.count, pager.pageSize * 2)
            all += page.entries.map { [$0.key] + $0.values }
            if page.isLast { return all }
            index += 1
            XCTAssertLessThan(index, 10_000, "runaway")
        }
    }

    /// Pages read key by key (as where the kernel has no batch lookup for
    /// the map type: per-CPU arrays on 5.10) hold what batch pages hold,
    /// every CPU's value included.
    func testKeyByKeyPagesAreTheBatchPages() throws {
        let cpus = Int(libbpf_num_possible_cpus())
        for type in [BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_HASH] {
            let perCPU = type != BPF_MAP_TYPE_HASH
            let raw = bpf_map_create(type, "tui_pager_kbk", 4, 12, 400, nil)
            XCTAssertGreaterThanOrEqual(raw, 0, "create map: \(String(cString: strerror(errno)))")
            guard raw >= 0 else { continue }
            let map = OwnedFD(adopting: raw)
            let slots = perCPU ? cpus : 1
            for n in 0..<400 {
                var key = UInt32(n)
                var value = [UInt8](repeating: 0, count: 16 * slots)
                for cpu in 0..<slots { for j in 0..<12 { value[cpu * 16 + j] = UInt8(truncatingIfNeeded: n &+ cpu &* 31 &+ j) } }
                XCTAssertEqual(bpf_map_update_elem(map.raw, &key, value, 0), 0)
            }
            let batch = try entries(BrowserMapPager(fd: OwnedFD(adopting: dup(map.raw)), pageSize: 64))
            let byKey = try entries(BrowserMapPager(fd: OwnedFD(adopting: dup(map.raw)), pageSize: 64, batchLookups: false))
            XCTAssertEqual(batch.count, 400, "\(type)")
            XCTAssertEqual(Set(byKey), Set(batch), "\(type)")
            XCTAssertEqual(byKey.count, 400, "\(type): each entry once")
            XCTAssertTrue(byKey.allSatisfy { $0.count == 1 + slots && $0.dropFirst().allSatisfy { $0.count == 12 } }, "\(type)")
        }
    }

    /// A devmap never has batch lookups: pages go key by key for real, on
    /// every kernel, its empty slots skipped.
    func testMapWithoutBatchLookups() throws {
        let raw = bpf_map_create(BPF_MAP_TYPE_DEVMAP, "tui_pager_dev", 4, 4, 16, nil)
        XCTAssertGreaterThanOrEqual(raw, 0, "create map: \(String(cString: strerror(errno)))")
        guard raw >= 0 else { return }
        let map = OwnedFD(adopting: raw)
        let filled = [0, 2, 3, 7, 8, 15]
        for slot in filled {
            var key = UInt32(slot)
            var ifindex = UInt32(if_nametoindex("lo"))
            XCTAssertEqual(bpf_map_update_elem(map.raw, &key, &ifindex, 0), 0, "slot \(slot)")
        }
        let pager = try BrowserMapPager(fd: OwnedFD(adopting: dup(map.raw)), pageSize: 4)
        let all = try entries(pager)
        XCTAssertEqual(all.map { $0[0] }, filled.map(u32), "in slot order, empty slots skipped")
        XCTAssertEqual(pager.knownPages, 2)
        XCTAssertEqual(try pager.page(1).entries.map(\.key), [u32(8), u32(15)], "page 1 again, from its key")
    }

    func testUndumpableMapSaysWhy() throws {
        let raw = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "tui_pager_rb", 0, 0, 4096, nil)
        XCTAssertGreaterThanOrEqual(raw, 0)
        guard raw >= 0 else { return }
        let pager = try BrowserMapPager(fd: OwnedFD(adopting: raw))
        XCTAssertThrowsError(try pager.page(0)) { error in
            XCTAssertTrue("\(error)".contains("ring buffer"), "\(error)")
        }
    }
}

import BPFKit
import BrowserModel
import CLibBPF
import Foundation
import TestSupport
import XCTest

/// A map's entries in the browser as a person uses them, in tmux, with real
/// BTF-typed maps the test makes (and pins in its own bpffs directory):
/// `/` search, `=` key lookup, sort by a member, per-CPU sums.
final class BrowserEntriesTests: BPFTestCase {
    /// BTF: u32 (1), u64 (2), struct flow { u64 packets; u64 bytes; } (3).
    private func flowBTF() -> [UInt8] {
        var b = BTFBlobBuilder()
        _ = b.int("unsigned int", size: 4)
        let u64 = b.int("unsigned long long", size: 8)
        _ = b.composite("flow", size: 16, [("packets", u64, 0, 0), ("bytes", u64, 64, 0)])
        return b.data()
    }

    /// BTF: u32 (1), u64 (2), struct flow (3), char (4), int (5), char[16] (6),
    /// struct task_key { u32 pid; char comm[16]; } (7).
    private func taskKeyBTF() -> [UInt8] {
        var b = BTFBlobBuilder()
        let u32 = b.int("unsigned int", size: 4)
        let u64 = b.int("unsigned long long", size: 8)
        _ = b.composite("flow", size: 16, [("packets", u64, 0, 0), ("bytes", u64, 64, 0)])
        let char = b.int("char", size: 1, encoding: 1)
        let int = b.int("int", size: 4, encoding: 1)
        let comm = b.array(char, index: int, count: 16)
        _ = b.composite("task_key", size: 20, [("pid", u32, 0, 0), ("comm", comm, 32, 0)])
        return b.data()
    }

    /// A map of `type` with key u32 (or `keyType` of `btf`) and value struct
    /// flow, pinned in the test's directory; closed when the test ends.
    private func flowMap(_ type: bpf_map_type, name: String, maxEntries: UInt32, btf: [UInt8]? = nil,
                         keyType: UInt32 = 1, keySize: UInt32 = 4) throws -> (fd: Int32, id: UInt32) {
        let btf = btf ?? flowBTF()
        let btfFD = btf.withUnsafeBytes { bpf_btf_load($0.baseAddress, $0.count, nil) }
        guard btfFD >= 0 else { throw XCTSkip("cannot load BTF: \(String(cString: strerror(-btfFD)))") }
        defer { close(btfFD) }
        var opts = bpf_map_create_opts()
        opts.sz = MemoryLayout<bpf_map_create_opts>.size
        opts.btf_fd = UInt32(btfFD)
        opts.btf_key_type_id = keyType
        opts.btf_value_type_id = 3
        let fd = bpf_map_create(type, name, keySize, 16, maxEntries, &opts)
        XCTAssertGreaterThanOrEqual(fd, 0, String(cString: strerror(-fd)))
        guard fd >= 0 else { throw XCTSkip("cannot create the map") }
        addTeardownBlock { close(fd) }
        XCTAssertEqual(bpf_obj_pin(fd, pinDirectory + "/" + name), 0)
        return (fd, try MapInfo(fd: fd).id)
    }

    /// Writes entries key → values (one 16-byte flow per CPU for per-CPU maps) in batches.
    private func fill(_ fd: Int32, keys: [UInt32], values: [UInt8]) {
        var count = UInt32(keys.count)
        var opts = bpf_map_batch_opts()
        opts.sz = MemoryLayout<bpf_map_batch_opts>.size
        let rc = keys.withUnsafeBytes { k in
            values.withUnsafeBytes { v in bpf_map_update_batch(fd, k.baseAddress, v.baseAddress, &count, &opts) }
        }
        XCTAssertEqual(rc, 0, String(cString: strerror(-rc)))
        XCTAssertEqual(Int(count), keys.count)
    }

    private static func flow(packets: UInt64, bytes: UInt64) -> [UInt8] {
        withUnsafeBytes(of: packets.littleEndian) { Array($0) } + withUnsafeBytes(of: bytes.littleEndian) { Array($0) }
    }

    /// The browser on map `name`'s page, the entries pane focused.
    private func browseMap(_ name: String, id: UInt32, columns: Int = 120, rows: Int = 40) throws -> TmuxSession {
        let tmux = try TmuxSession([bpfnavBinary, "browse", "-d", "1"], columns: columns, rows: rows,
                                   environment: ["BPFNAV_CACHE_DIR": pinDirectory])
        tmux.waitFor(timeout: 20, "the browser starts") { $0.contains("1 Programs") && $0.contains("5 Tasks") }
        tmux.sendKeys("2")
        tmux.waitFor("the Maps section") { $0.contains("MAX_ENTRIES") }
        tmux.sendKeys("/")
        tmux.sendText(name)
        tmux.waitFor("the filter finds the test's map") { $0.contains(name) && $0.contains("1/1") }
        tmux.sendKeys("Enter")
        tmux.sendKeys("Enter")
        tmux.waitFor(timeout: 20, "the map's entries") { $0.contains("Entries of map \(id)") && $0.contains("packets") }
        tmux.sendKeys("Tab")
        tmux.waitFor("the entries pane has the keys") { $0.contains("/ search") }
        return tmux
    }

    func testSearchFindsAKeyInA200000EntryMap() throws {
        let name = uniqueName("ent")
        let map = try flowMap(BPF_MAP_TYPE_HASH, name: name, maxEntries: 200_000)
        let keys = (0..<200_000).map { UInt32(1_000_000 + $0) }
        fill(map.fd, keys: keys, values: (0..<200_000).flatMap { Self.flow(packets: UInt64($0), bytes: UInt64($0) * 100) })

        let tmux = try browseMap(name, id: map.id)
        tmux.sendKeys("/")
        tmux.waitFor("the search prompt") { $0.contains("Search keys and values:") }
        tmux.sendText("1123456")
        tmux.sendKeys("Enter")
        // The cursor lands on the key, wherever the hash put it.
        tmux.waitFor(timeout: 60, "the search finds key 1123456") { screen in
            screen.contains("/1123456: entry #") && screen.split(separator: "\n").contains { line in
                line.contains("1123456") && line.contains("123456") && line.contains("12345600")
            }
        }
        // The map was read as far as the match (to its end only when the
        // hash put the key last).
        let screen = tmux.capture()
        XCTAssertTrue(screen.contains(" entries read") || screen.contains("200000 entries"), screen)

        // A typed key: one lookup.
        tmux.sendKeys("=")
        tmux.waitFor("the key prompt") { $0.contains("Key (42, 0x2a") }
        tmux.sendText("0x0f4271")   // 1000049
        tmux.sendKeys("Enter")
        tmux.waitFor(timeout: 20, "the entry of key 1000049") { screen in
            (screen.contains("Map \(map.id) key 0x0f4271") && screen.contains("\"packets\": 49")
                && screen.contains("\"bytes\": 4900"))
                || screen.contains("key 0x0f4271: entry #")
        }
        if tmux.capture().contains("Map \(map.id) key 0x0f4271") { tmux.sendKeys("Escape") }
        tmux.sendKeys("=")
        tmux.sendText("pid=1")
        tmux.sendKeys("Enter")
        tmux.waitFor("a key that is not a number") { $0.contains("'pid=1' is not a number") }
        tmux.sendKeys("=")
        tmux.sendText("7")
        tmux.sendKeys("Enter")
        tmux.waitFor("an absent key") { $0.contains("map \(map.id) has no entry with key 7") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    func testSortByABTFMember() throws {
        let name = uniqueName("ents")
        let map = try flowMap(BPF_MAP_TYPE_HASH, name: name, maxEntries: 64)
        let keys = (0..<40).map { UInt32($0) }
        // packets: a permutation of 0…39 (17 is coprime with 40), the most for key 23.
        let packets = keys.map { UInt64(($0 * 17) % 40) }
        fill(map.fd, keys: keys, values: packets.flatMap { Self.flow(packets: $0, bytes: 1000 + $0) })
        let top = keys[packets.firstIndex(of: 39)!]

        let tmux = try browseMap(name, id: map.id)
        tmux.sendKeys("s")
        tmux.waitFor("sorted by the key") { $0.contains("KEY▼") && $0.contains("40 entries, sorted") }
        tmux.sendKeys("s")
        tmux.waitFor("sorted by packets, most first") { screen in
            let lines = screen.split(separator: "\n")
            guard let header = lines.firstIndex(where: { $0.contains("packets▼") }), header + 1 < lines.count else { return false }
            let first = lines[header + 1].split(separator: " ")
            return first == ["0", "\(top)", "39", "1039"]
        }
        tmux.sendKeys("i")
        tmux.waitFor("sorted by packets, fewest first") { screen in
            let lines = screen.split(separator: "\n")
            guard let header = lines.firstIndex(where: { $0.contains("packets▲") }), header + 1 < lines.count else { return false }
            return lines[header + 1].split(separator: " ") == ["0", "0", "0", "1000"]
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    func testPerCPUValuesSummedAndExpanded() throws {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 1 else { throw XCTSkip("one possible CPU: nothing to sum") }
        let name = uniqueName("entc")
        let map = try flowMap(BPF_MAP_TYPE_PERCPU_HASH, name: name, maxEntries: 8)
        // Key 5: packets cpu + 1 and bytes 10 on each CPU.
        fill(map.fd, keys: [5], values: (0..<cpus).flatMap { Self.flow(packets: UInt64($0 + 1), bytes: 10) })
        let packets = cpus * (cpus + 1) / 2

        let tmux = try browseMap(name, id: map.id, rows: 30 + min(cpus, 30))
        tmux.waitFor("the sums") { screen in
            screen.contains("sums of \(cpus) CPUs (c: per CPU)")
                && screen.split(separator: "\n").contains { $0.split(separator: " ") == ["0", "5", "\(packets)", "\(10 * cpus)"] }
        }
        tmux.sendKeys("c")
        tmux.waitFor("one row per CPU") { screen in
            let lines = screen.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            return screen.contains("per CPU (c: sums)") && lines.contains(["cpu0", "1", "10"])
                && lines.contains(["cpu1", "2", "10"])
        }
        tmux.sendKeys("c")
        tmux.waitFor("back to the sums") { !$0.contains("cpu1") && $0.contains("sums of \(cpus) CPUs") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    func testCountersShowTheirRateWhileTheBrowserWatches() throws {
        let name = uniqueName("entr")
        let map = try flowMap(BPF_MAP_TYPE_HASH, name: name, maxEntries: 8)
        fill(map.fd, keys: [1, 2], values: Self.flow(packets: 10, bytes: 1) + Self.flow(packets: 20, bytes: 2))
        let tmux = try browseMap(name, id: map.id)
        let elements = MapElements(fd: map.fd)
        // The counter grows while the browser re-reads it each second: no key pressed.
        var packets: UInt64 = 10
        tmux.waitFor(timeout: 30, "the counter with its rate") { screen in
            packets += 1000
            try? elements.update(UInt32(1), bytes: Self.flow(packets: packets, bytes: 1))
            return screen.split(separator: "\n").contains { line in
                let cells = line.split(separator: " ")
                return cells.count >= 4 && cells[1] == "1" && cells[2] != "10" && cells[3].hasPrefix("+")
                    && cells[3].hasSuffix("/s")
            }
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    /// `=` goes through BrowserMapPager.lookup: the text parsed by the key's
    /// BTF type, one lookup.
    func testLookupByStructMembers() throws {
        let name = uniqueName("entk")
        let map = try flowMap(BPF_MAP_TYPE_HASH, name: name, maxEntries: 8, btf: taskKeyBTF(), keyType: 7, keySize: 20)
        let key = withUnsafeBytes(of: UInt32(7).littleEndian) { Array($0) } + Array("python3".utf8)
            + Array(repeating: 0, count: 9)
        var count: UInt32 = 1
        var opts = bpf_map_batch_opts()
        opts.sz = MemoryLayout<bpf_map_batch_opts>.size
        let value = Self.flow(packets: 5, bytes: 6)
        XCTAssertEqual(key.withUnsafeBytes { k in value.withUnsafeBytes { v in
            bpf_map_update_batch(map.fd, k.baseAddress, v.baseAddress, &count, &opts) } }, 0)

        let pager = try BrowserMapPager(fd: OwnedFD(adopting: dup(map.fd)))
        let found = try XCTUnwrap(try pager.lookup("pid=7,comm=python3"))
        XCTAssertEqual(found.key, key)
        XCTAssertEqual(found.formattedKey, "{\"pid\":7,\"comm\":\"python3\"}")
        XCTAssertEqual(found.formattedValues, ["{\"packets\":5,\"bytes\":6}"])
        XCTAssertEqual(try pager.lookup("{\"pid\":7,\"comm\":\"python3\"}")?.key, key, "as the table shows it")
        XCTAssertNil(try pager.lookup("comm=python3"), "pid 0 has no entry")
        XCTAssertThrowsError(try pager.lookup("uid=1")) { error in
            XCTAssertEqual("\(error)", "the key has no member 'uid' (it has pid, comm)")
        }
    }
}

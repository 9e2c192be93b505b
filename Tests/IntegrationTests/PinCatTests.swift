import BPFKit
import CLibBPF
import Foundation
import Iterators
import XCTest

/// `cat` of a pin, Swift reads of it with tiny and large buffers, and a read
/// through `bpf_iter_create` on the pinned link all give the same bytes.
final class PinCatTests: BPFTestCase {
    /// A process that does not change while it is read: its fds, mappings and
    /// thread stay put.
    private func idleChild() throws -> Child {
        let child = spawn(try Child(shell: "exec 3</etc/hostname; exec sleep 1000"))
        XCTAssertTrue(child.waitForExec("sleep"))
        return child
    }

    private func readAllWays(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: [UInt8]] {
        var reads: [String: [UInt8]] = [:]
        let cat = try runCommand("/bin/cat", [path])
        XCTAssertEqual(cat.status, 0, cat.stderr, file: file, line: line)
        reads["cat"] = cat.stdout
        reads["1-byte"] = try IterReader(pinnedAt: path, bufferSize: 1).readAll()
        reads["64KiB"] = try IterReader(pinnedAt: path, bufferSize: 64 * 1024).readAll()
        let pinned = try PinnedObject(path: path)
        XCTAssertEqual(pinned.kind, .link, file: file, line: line)
        let link = IterLink(adopting: OwnedFD(adopting: dup(pinned.fd.raw)))
        reads["bpf_iter_create"] = try IterReader(fd: link.makeIterator(), subject: path, bufferSize: 4096).readAll()
        let viaCLI = try bpfnav("cat", path)
        XCTAssertEqual(viaCLI.status, 0, viaCLI.stderr, file: file, line: line)
        reads["bpfnav cat"] = viaCLI.stdout
        return reads
    }

    private func assertAllEqual(_ reads: [String: [UInt8]], file: StaticString = #filePath, line: UInt = #line) {
        guard let reference = reads["cat"] else { return XCTFail("no cat output", file: file, line: line) }
        XCTAssertFalse(reference.isEmpty, "cat printed nothing", file: file, line: line)
        for (way, bytes) in reads.sorted(by: { $0.key < $1.key }) where bytes != reference {
            XCTFail("\(way) differs from cat:\n--- cat\n\(String(decoding: reference, as: UTF8.self))--- \(way)\n\(String(decoding: bytes, as: UTF8.self))",
                    file: file, line: line)
        }
    }

    func testEveryTaskKindReadsTheSameEveryWay() throws {
        let child = try idleChild()
        for kind in [IterKind.task, .taskFile] + (hasVMAs ? [.taskVMA] : []) {
            let spec = PinSpec(kind: kind, params: .pid(UInt32(child.pid)))
            try pins.create([spec])
            let path = pins.path(spec.name)
            let reads = try readAllWays(path)
            assertAllEqual(reads)
            // A header and at least one row of the child.
            let lines = String(decoding: reads["cat"] ?? [], as: UTF8.self).split(separator: "\n")
            XCTAssertGreaterThanOrEqual(lines.count, 2, "\(kind): \(lines)")
            XCTAssertTrue(lines.dropFirst().allSatisfy { $0.split(separator: " ").first == "\(child.pid)" },
                          "\(kind) rows of other processes: \(lines)")
        }
    }

    func testMapIteratorReadsTheSameEveryWay() throws {
        let map = try BPFMap(type: .array, name: uniqueName("nav_cat"), keySize: 4, valueSize: 8, maxEntries: 3)
        try pins.create([PinSpec(kind: .bpfMap, params: .all)])
        let path = pins.path("maps")
        // Other programs on the machine may create or free maps between two
        // reads; a few attempts find a quiet moment.
        var reads: [String: [UInt8]] = [:]
        for _ in 0..<5 {
            reads = try readAllWays(path)
            if Set(reads.values).count == 1 { break }
        }
        assertAllEqual(reads)
        XCTAssertTrue(String(decoding: reads["cat"] ?? [], as: UTF8.self).contains(map.name))
    }

    func testEmptyIterationStillPrintsTheHeader() throws {
        // A thread that exits after the pin is made: the pin stays valid and
        // shows only the header.
        let child = try idleChild()
        let spec = PinSpec(kind: .task, params: .pid(UInt32(child.pid)))
        try pins.create([spec])
        child.stop()
        let out = try runCommand("/bin/cat", [pins.path(spec.name)])
        XCTAssertEqual(out.status, 0)
        let lines = out.text.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, out.text)
        XCTAssertTrue(lines.first?.contains("PID") == true, out.text)
    }
}

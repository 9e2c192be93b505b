import BPFKit
import Foundation
import Glibc
import TestSupport
import XCTest
@testable import Iterators

final class RecordDecoderTests: XCTestCase {
    // MARK: - Sample records

    static let awkward: [UInt8] = [0x0a, 0x09, 0x22, 0x5c, 0xff, 0xfe, 0x20, 0x27, 0x1b, 0x7f, 0xc3, 0x28, 0x25, 0x73]

    static func sampleTask(_ i: UInt32 = 0) -> TaskRecord {
        TaskRecord(pid: 1000 + i, tid: 2000 + i, ppid: 1, uid: 1000, ruid: 1001, gid: 100,
                   rawState: 0x402, flags: 0x0020_0040, startTime: 0x0123_4567_89AB_CDEF &+ UInt64(i),
                   comm: Array("worker-\(i)".utf8))
    }

    static func sampleFile(_ i: Int, pathLength: Int? = nil) -> FileRecord {
        let length = pathLength ?? i
        let path = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let objects: [BPFObjectRef?] = [nil, .program(7), .map(8), .link(9), .btf(10)]
        return FileRecord(pid: UInt32(100 + i), fd: UInt32(i), flags: 0o2_000_002, mode: 0o100_644,
                          dev: (259 << 20) | 2, pos: UInt64(i) * 4096, inode: 0xFFFF_FFFF_0000_0000 | UInt64(i),
                          path: path, bpfObject: objects[i % objects.count])
    }

    static func sampleVMA(_ i: Int) -> VMARecord {
        let specials: [VMARecord.Special] = [.none, .heap, .stack, .vdso]
        let special = specials[i % 4]
        let path = special == .none ? Array("/usr/lib/x86_64-linux-gnu/libc.so.6".utf8.prefix(i % 37)) : []
        return VMARecord(pid: 42, start: 0x7F00_0000_0000 + UInt64(i) << 12, end: 0x7F00_0000_1000 + UInt64(i) << 12,
                         pgoff: UInt64(i) << 12, inode: path.isEmpty ? 0 : 1234, vmFlags: 0x75,
                         dev: path.isEmpty ? 0 : (8 << 20) | 1, path: path, special: special)
    }

    static func sampleMap(_ i: UInt32) -> MapRecord {
        MapRecord(id: 10 + i, type: 1 + i % 30, keySize: 4, valueSize: 8 * i, maxEntries: 1 << (i % 20),
                  flags: 0x8000_0000_0000_0001, name: Array("map_\(i)".utf8))
    }

    // MARK: - Each record type

    func testTaskRecordDecodes() throws {
        var w = Wire(fixed: 64)
        w.put(UInt32(4321), at: 4); w.put(UInt32(4322), at: 8); w.put(UInt32(1), at: 12)
        w.put(UInt32(1000), at: 16); w.put(UInt32(0), at: 20); w.put(UInt32(27), at: 24)
        w.put(UInt32(0x20), at: 28); w.put(UInt32(0x0020_0000), at: 32)
        w.put(UInt64(0x0102_0304_0506_0708), at: 40)
        w.putBytes(Array("bash".utf8), at: 48, max: 16)
        let records = try RecordDecoder<TaskRecord>.decodeAll(w.finish(kind: 1))
        XCTAssertEqual(records.count, 1)
        let t = try XCTUnwrap(records.first)
        XCTAssertEqual(t.pid, 4321)
        XCTAssertEqual(t.tid, 4322)
        XCTAssertEqual(t.ppid, 1)
        XCTAssertEqual(t.uid, 1000)
        XCTAssertEqual(t.ruid, 0)
        XCTAssertEqual(t.gid, 27)
        XCTAssertEqual(t.rawState, 0x20)
        XCTAssertEqual(t.state, "Z")
        XCTAssertEqual(t.flags, 0x0020_0000)
        XCTAssertTrue(t.isKernelThread)
        XCTAssertEqual(t.startTime, 0x0102_0304_0506_0708)
        XCTAssertEqual(t.comm, Array("bash".utf8))
    }

    func testFileRecordDecodes() throws {
        var w = Wire(fixed: 56)
        w.put(UInt32(77), at: 4); w.put(UInt32(3), at: 8); w.put(UInt32(0o2_100_002), at: 12)
        w.put(UInt32(0o140_777), at: 16); w.put(UInt32((8 << 20) | 17), at: 20)
        w.put(UInt64(0x1_0000_0001), at: 24); w.put(UInt64(0xDEAD_BEEF_0000_0001), at: 32)
        w.put(Int32(0), at: 40); w.put(UInt16(11), at: 44); w.put(UInt8(1), at: 46); w.put(UInt32(555), at: 48)
        let bytes = w.finish(kind: 2, path: Array("/dev/null\n!".utf8))
        XCTAssertEqual(bytes.count, 72)
        let f = try XCTUnwrap(RecordDecoder<FileRecord>.decodeAll(bytes).first)
        XCTAssertEqual(f.pid, 77)
        XCTAssertEqual(f.fd, 3)
        XCTAssertEqual(f.flags, 0o2_100_002)
        XCTAssertEqual(f.mode, 0o140_777)
        XCTAssertEqual(f.dev, (8 << 20) | 17)
        XCTAssertEqual(f.major, 8)
        XCTAssertEqual(f.minor, 17)
        XCTAssertEqual(f.pos, 0x1_0000_0001)
        XCTAssertEqual(f.inode, 0xDEAD_BEEF_0000_0001)
        XCTAssertEqual(f.pathError, 0)
        XCTAssertEqual(f.path, Array("/dev/null\n!".utf8))
        XCTAssertEqual(f.bpfObject, .program(555))
    }

    func testFileRecordObjectKindsAndPathError() throws {
        let cases: [(UInt8, BPFObjectRef?)] = [(0, nil), (1, .program(9)), (2, .map(9)), (3, .link(9)),
                                                      (4, .btf(9)), (5, nil), (255, nil)]
        for (kind, expected) in cases {
            var w = Wire(fixed: 56)
            w.put(Int32(-ENAMETOOLONG), at: 40)
            w.put(kind, at: 46)
            w.put(UInt32(9), at: 48)
            let f = try XCTUnwrap(RecordDecoder<FileRecord>.decodeAll(w.finish(kind: 2)).first)
            XCTAssertEqual(f.bpfObject, expected, "obj_kind \(kind)")
            XCTAssertEqual(f.pathError, ENAMETOOLONG, "path_err is -errno on the wire, errno in Swift")
            XCTAssertEqual(f.path, [])
        }
    }

    func testVMARecordDecodes() throws {
        var w = Wire(fixed: 64)
        w.put(UInt32(99), at: 4); w.put(UInt64(0x5555_5555_4000), at: 8); w.put(UInt64(0x5555_5557_6000), at: 16)
        w.put(UInt64(0x2000), at: 24); w.put(UInt64(0x1234_5678_9ABC), at: 32); w.put(UInt64(0x8000_0000_0000_0075), at: 40)
        w.put(UInt32((253 << 20) | 0xFFFFF), at: 48); w.put(Int32(-EACCES), at: 52)
        w.put(UInt16(8), at: 56); w.put(UInt8(2), at: 58)
        let bytes = w.finish(kind: 3, path: Array("/bin/sh\t".utf8))
        XCTAssertEqual(bytes.count, 72)
        let v = try XCTUnwrap(RecordDecoder<VMARecord>.decodeAll(bytes).first)
        XCTAssertEqual(v.pid, 99)
        XCTAssertEqual(v.start, 0x5555_5555_4000)
        XCTAssertEqual(v.end, 0x5555_5557_6000)
        XCTAssertEqual(v.pgoff, 0x2000)
        XCTAssertEqual(v.inode, 0x1234_5678_9ABC)
        XCTAssertEqual(v.vmFlags, 0x8000_0000_0000_0075)
        XCTAssertEqual(v.dev, (253 << 20) | 0xFFFFF)
        XCTAssertEqual(v.major, 253)
        XCTAssertEqual(v.minor, 0xFFFFF)
        XCTAssertEqual(v.pathError, EACCES)
        XCTAssertEqual(v.path, Array("/bin/sh\t".utf8))
        XCTAssertEqual(v.special, .stack)
    }

    func testVMAUnknownSpecialIsNone() throws {
        let bytes = Wire.vma(Self.sampleVMA(0), rawSpecial: 200)
        XCTAssertEqual(try RecordDecoder<VMARecord>.decodeAll(bytes).first?.special, VMARecord.Special.none)
    }

    func testMapRecordDecodes() throws {
        var w = Wire(fixed: 48)
        w.put(UInt32(31337), at: 4); w.put(UInt32(27), at: 8); w.put(UInt32(0), at: 12)
        w.put(UInt32(4096), at: 16); w.put(UInt32(262_144), at: 20); w.put(UInt64(0x400 | 0x1), at: 24)
        w.putBytes(Array("ringbuf_events".utf8), at: 32, max: 16)
        let m = try XCTUnwrap(RecordDecoder<MapRecord>.decodeAll(w.finish(kind: 4)).first)
        XCTAssertEqual(m, MapRecord(id: 31337, type: 27, keySize: 0, valueSize: 4096, maxEntries: 262_144,
                                    flags: 0x401, name: Array("ringbuf_events".utf8)))
    }

    func testFixedStringsStopAtFirstNUL() throws {
        var w = Wire(fixed: 48)
        w.putBytes([0x61, 0x62, 0x00, 0x63, 0x64], at: 32, max: 16)
        XCTAssertEqual(try RecordDecoder<MapRecord>.decodeAll(w.finish(kind: 4)).first?.name, [0x61, 0x62])
        var t = Wire(fixed: 64)
        t.putBytes([0x00, 0x41], at: 48, max: 16)
        XCTAssertEqual(try RecordDecoder<TaskRecord>.decodeAll(t.finish(kind: 1)).first?.comm, [])
    }

    // MARK: - Exact bytes

    func testCommKeepsExactBytes() throws {
        for comm in [Self.awkward, Array(Self.awkward.prefix(15)), Array(repeating: 0xFF, count: 16),
                     Array("a\"b\\c".utf8), [0x0A]] {
            let bytes = Wire.task(TaskRecord(pid: 1, tid: 1, ppid: 0, uid: 0, ruid: 0, gid: 0, rawState: 1,
                                             flags: 0, startTime: 0, comm: comm))
            XCTAssertEqual(try RecordDecoder<TaskRecord>.decodeAll(bytes).first?.comm, comm)
        }
        var name = Self.awkward
        name.removeLast(2)
        let map = MapRecord(id: 1, type: 1, keySize: 1, valueSize: 1, maxEntries: 1, flags: 0, name: name)
        XCTAssertEqual(try RecordDecoder<MapRecord>.decodeAll(Wire.map(map)).first?.name, name)
    }

    func testPathKeepsExactBytes() throws {
        let paths: [[UInt8]] = [
            Self.awkward,
            Array("/tmp/with space/and\nnewline".utf8),
            Array("/tmp/\"quoted\" \\back\\slash\t".utf8),
            [0x2F, 0xFF, 0xFE, 0x80, 0xC0, 0xAF],
            Array("/memfd:x (deleted)".utf8),
            [0x2F, 0x00, 0x41], // path_len frames the path, not a NUL
        ]
        for path in paths {
            let f = FileRecord(pid: 1, fd: 1, flags: 0, mode: 0, dev: 0, pos: 0, inode: 0, path: path)
            XCTAssertEqual(try RecordDecoder<FileRecord>.decodeAll(Wire.file(f)).first?.path, path)
            let v = VMARecord(pid: 1, start: 0, end: 4096, pgoff: 0, inode: 1, vmFlags: 1, dev: 0, path: path)
            XCTAssertEqual(try RecordDecoder<VMARecord>.decodeAll(Wire.vma(v)).first?.path, path)
        }
    }

    func testEveryPathLengthAndPadding() throws {
        for length in Array(0...40) + [4087, 4088, 4089, 4095, 4096] {
            let f = Self.sampleFile(length, pathLength: length)
            let fileBytes = Wire.file(f)
            XCTAssertEqual(fileBytes.count, (56 + length + 7) / 8 * 8)
            XCTAssertEqual(try RecordDecoder<FileRecord>.decodeAll(fileBytes), [f], "path_len \(length)")
            let v = VMARecord(pid: 1, start: 1, end: 2, pgoff: 3, inode: 4, vmFlags: 5, dev: 6,
                              path: f.path)
            XCTAssertEqual(try RecordDecoder<VMARecord>.decodeAll(Wire.vma(v)), [v], "path_len \(length)")
        }
    }

    // MARK: - Streams and chunking

    func mixedFileStream() -> (records: [FileRecord], bytes: [UInt8]) {
        var records = (0..<60).map { Self.sampleFile($0) }
        records.append(Self.sampleFile(60, pathLength: 4096))
        records.append(Self.sampleFile(61, pathLength: 0))
        return (records, records.flatMap { Wire.file($0) })
    }

    func assertAllSplitsAgree<R: IterRecord & Equatable>(_ type: R.Type, _ records: [R], _ bytes: [UInt8],
                                                          seed: UInt64, file: StaticString = #filePath,
                                                          line: UInt = #line) throws {
        XCTAssertEqual(try RecordDecoder<R>.decodeAll(bytes), records, "whole", file: file, line: line)
        XCTAssertEqual(try decodeChunked(R.self, bytes, chunks: []), records, "one feed", file: file, line: line)
        XCTAssertEqual(try decodeChunked(R.self, bytes, chunks: oneByteChunks(bytes.count)), records,
                       "1 byte at a time", file: file, line: line)
        for size in [2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 4095, 4097] {
            XCTAssertEqual(try decodeChunked(R.self, bytes, chunks: Array(repeating: size, count: bytes.count)),
                           records, "chunks of \(size)", file: file, line: line)
        }
        var rng = SplitMix64(seed: seed)
        for round in 0..<100 {
            let limit = [3, 20, 200, 5000][round % 4]
            let chunks = (0..<bytes.count).map { _ in Int.random(in: 0...limit, using: &rng) }
            XCTAssertEqual(try decodeChunked(R.self, bytes, chunks: chunks), records,
                           "random chunks, round \(round)", file: file, line: line)
        }
    }

    func testEverySplitGivesTheSameRecords() throws {
        let (files, fileBytes) = mixedFileStream()
        try assertAllSplitsAgree(FileRecord.self, files, fileBytes, seed: 1)

        let tasks = (0..<50).map { Self.sampleTask(UInt32($0)) }
        try assertAllSplitsAgree(TaskRecord.self, tasks, tasks.flatMap { Wire.task($0) }, seed: 2)

        let vmas = (0..<80).map { Self.sampleVMA($0) }
        try assertAllSplitsAgree(VMARecord.self, vmas, vmas.flatMap { Wire.vma($0) }, seed: 3)

        let maps = (0..<40).map { Self.sampleMap(UInt32($0)) }
        try assertAllSplitsAgree(MapRecord.self, maps, maps.flatMap { Wire.map($0) }, seed: 4)
    }

    func testOffsetCountsConsumedBytes() throws {
        let (_, bytes) = mixedFileStream()
        var decoder = RecordDecoder<FileRecord>()
        var count = 0
        try decoder.feed(Array(bytes.prefix(100))) { _ in count += 1 }
        XCTAssertEqual(count, 1)
        XCTAssertEqual(decoder.offset, 56, "only whole records are consumed")
        try decoder.feed(Array(bytes.dropFirst(100))) { _ in count += 1 }
        try decoder.finish()
        XCTAssertEqual(decoder.offset, bytes.count)
        XCTAssertEqual(count, 62)
    }

    func testEmptyStream() throws {
        XCTAssertEqual(try RecordDecoder<TaskRecord>.decodeAll([]), [])
        XCTAssertEqual(try RecordDecoder<FileRecord>.decodeAll([]), [])
        var decoder = RecordDecoder<VMARecord>()
        try decoder.finish()
        try decoder.feed([]) { _ in XCTFail("no records in an empty chunk") }
        try decoder.feed([]) { _ in XCTFail("no records in an empty chunk") }
        try decoder.finish()
        XCTAssertEqual(decoder.offset, 0)
    }

    func testEmitErrorsPropagate() {
        struct Stop: Error {}
        var decoder = RecordDecoder<TaskRecord>()
        XCTAssertThrowsError(try decoder.feed(Wire.task(Self.sampleTask())) { _ in throw Stop() }) { error in
            XCTAssertTrue(error is Stop)
        }
    }

    // MARK: - Truncation

    func assertTruncation<R: IterRecord & Equatable>(_ type: R.Type, _ records: [R], _ encode: (R) -> [UInt8],
                                                      file: StaticString = #filePath, line: UInt = #line) {
        let bytes = records.flatMap(encode)
        let last = encode(records.last!)
        let start = bytes.count - last.count
        // Cutting exactly between records is a clean end.
        XCTAssertEqual(try decodeChunked(R.self, Array(bytes[..<start]), chunks: []), Array(records.dropLast()),
                       file: file, line: line)
        for cut in (start + 1)..<bytes.count {
            let available = cut - start
            let expected = RecordError.truncated(offset: start, needed: available >= 4 ? last.count : 4,
                                                 available: available)
            for chunks in [[], oneByteChunks(cut), [start + 1, 3]] {
                var decoder = RecordDecoder<R>()
                var out: [R] = []
                var at = 0
                var sizes = chunks.makeIterator()
                do {
                    while at < cut {
                        let n = min(sizes.next() ?? cut, cut - at)
                        try decoder.feed(Array(bytes[at..<(at + n)])) { out.append($0) }
                        at += n
                    }
                } catch {
                    XCTFail("feed threw \(error) at cut \(cut); only finish() may report truncation", file: file, line: line)
                }
                XCTAssertEqual(out, Array(records.dropLast()), "earlier records at cut \(cut)", file: file, line: line)
                XCTAssertThrowsError(try decoder.finish(), "cut \(cut)", file: file, line: line) { error in
                    XCTAssertEqual(error as? RecordError, expected, "cut \(cut)", file: file, line: line)
                }
            }
        }
    }

    func testTruncatedStreamThrowsFromFinish() {
        assertTruncation(FileRecord.self, [Self.sampleFile(3), Self.sampleFile(1), Self.sampleFile(13)]) { Wire.file($0) }
        assertTruncation(FileRecord.self, [Self.sampleFile(13, pathLength: 300)]) { Wire.file($0) }
        assertTruncation(TaskRecord.self, [Self.sampleTask(0), Self.sampleTask(1)]) { Wire.task($0) }
        assertTruncation(VMARecord.self, [Self.sampleVMA(0), Self.sampleVMA(5)]) { Wire.vma($0) }
        assertTruncation(MapRecord.self, [Self.sampleMap(0), Self.sampleMap(1)]) { Wire.map($0) }
    }

    func testTruncationDescription() {
        let e = RecordError.truncated(offset: 128, needed: 64, available: 10)
        XCTAssertEqual(e.description, "record at byte 128 is truncated: needs 64 bytes, 10 left")
    }

    // MARK: - Malformed records

    func assertDecodeError<R: IterRecord>(_ type: R.Type, _ bytes: [UInt8], _ expected: RecordError,
                                          file: StaticString = #filePath, line: UInt = #line) {
        for chunks in [[], oneByteChunks(bytes.count)] {
            XCTAssertThrowsError(try decodeChunked(R.self, bytes, chunks: chunks), file: file, line: line) { error in
                XCTAssertEqual(error as? RecordError, expected, "chunks \(chunks.count)", file: file, line: line)
            }
        }
    }

    func testWrongKind() {
        let task = Wire.task(Self.sampleTask())
        assertDecodeError(FileRecord.self, task, .wrongKind(offset: 0, expected: 2, found: 1))
        assertDecodeError(VMARecord.self, task, .wrongKind(offset: 0, expected: 3, found: 1))
        assertDecodeError(MapRecord.self, task, .wrongKind(offset: 0, expected: 4, found: 1))
        assertDecodeError(TaskRecord.self, Wire.map(Self.sampleMap(1)), .wrongKind(offset: 0, expected: 1, found: 4))
        // A good record, then another kind: the offset is the second record's.
        assertDecodeError(TaskRecord.self, task + Wire.task(Self.sampleTask(), kind: 9),
                          .wrongKind(offset: 64, expected: 1, found: 9))
        // Zeros are not a record.
        assertDecodeError(TaskRecord.self, [UInt8](repeating: 0, count: 64), .wrongKind(offset: 0, expected: 1, found: 0))
        // Text where records were expected ("COMM ..." header of a text program).
        assertDecodeError(TaskRecord.self, Array("    PID     TID COMM\n".utf8),
                          .wrongKind(offset: 0, expected: 1, found: UInt8(ascii: " ")))
    }

    func testWrongVersion() {
        assertDecodeError(TaskRecord.self, Wire.task(Self.sampleTask(), version: 2), .wrongVersion(offset: 0, found: 2))
        assertDecodeError(FileRecord.self, Wire.file(Self.sampleFile(3), version: 0), .wrongVersion(offset: 0, found: 0))
        let first = Wire.vma(Self.sampleVMA(1))
        assertDecodeError(VMARecord.self, first + Wire.vma(Self.sampleVMA(2), version: 255),
                          .wrongVersion(offset: first.count, found: 255))
        XCTAssertEqual(RecordError.wrongVersion(offset: 8, found: 2).description,
                       "record at byte 8 has version 2, expected 1: objects and decoder disagree")
    }

    func testSizeNotMultipleOfEight() {
        assertDecodeError(TaskRecord.self, Wire.task(Self.sampleTask(), size: 68), .badSize(offset: 0, size: 68))
        assertDecodeError(FileRecord.self, Wire.file(Self.sampleFile(5), size: 61), .badSize(offset: 0, size: 61))
        assertDecodeError(VMARecord.self, Wire.vma(Self.sampleVMA(0), size: 65), .badSize(offset: 0, size: 65))
        assertDecodeError(MapRecord.self, Wire.map(Self.sampleMap(0), size: 47), .badSize(offset: 0, size: 47))
    }

    func testSizeSmallerThanFixedPart() {
        for size in [0, 4, 8, 56] {
            assertDecodeError(TaskRecord.self, Wire.task(Self.sampleTask(), size: size), .badSize(offset: 0, size: size))
        }
        for size in [0, 8, 48] {
            assertDecodeError(FileRecord.self, Wire.file(Self.sampleFile(0), size: size), .badSize(offset: 0, size: size))
            assertDecodeError(MapRecord.self, Wire.map(Self.sampleMap(0), size: size == 48 ? 40 : size),
                              .badSize(offset: 0, size: size == 48 ? 40 : size))
        }
        assertDecodeError(VMARecord.self, Wire.vma(Self.sampleVMA(1), size: 56), .badSize(offset: 0, size: 56))
    }

    func testRecordsWithoutPathMustBeExactlyFixedSize() {
        var task = Wire.task(Self.sampleTask(), size: 72)
        task += [UInt8](repeating: 0, count: 8)
        assertDecodeError(TaskRecord.self, task, .badSize(offset: 0, size: 72))
        var map = Wire.map(Self.sampleMap(1), size: 56)
        map += [UInt8](repeating: 0, count: 8)
        assertDecodeError(MapRecord.self, map, .badSize(offset: 0, size: 56))
    }

    func testPathLengthLargerThanRecord() {
        let f = Self.sampleFile(3) // size 64: 56 + 3 + 5 padding
        for pathLength in [9, 16, 100, 0xFFFF] {
            assertDecodeError(FileRecord.self, Wire.file(f, pathLength: pathLength), .badSize(offset: 0, size: 64))
        }
        let v = VMARecord(pid: 1, start: 0, end: 1, pgoff: 0, inode: 0, vmFlags: 0, dev: 0, path: Array("/x".utf8))
        assertDecodeError(VMARecord.self, Wire.vma(v, pathLength: 9), .badSize(offset: 0, size: 72))
    }

    func testPathLengthTooShortForRecord() {
        // Eight or more bytes of "padding" means path_len and size disagree.
        let f = Self.sampleFile(16) // size 72
        assertDecodeError(FileRecord.self, Wire.file(f, pathLength: 8), .badSize(offset: 0, size: 72))
        assertDecodeError(FileRecord.self, Wire.file(f, pathLength: 0), .badSize(offset: 0, size: 72))
        XCTAssertEqual(try RecordDecoder<FileRecord>.decodeAll(Wire.file(f, pathLength: 9)).first?.path,
                       Array(f.path.prefix(9)), "seven bytes of padding is allowed")
    }

    func testHugeSizeIsRejectedFromTheHeaderAlone() {
        for size in [0xFFF8, 8192, 56 + 4096 + 16] {
            var header = Wire.file(Self.sampleFile(0), size: size)
            header.removeLast(header.count - 4)
            var decoder = RecordDecoder<FileRecord>()
            XCTAssertThrowsError(try decoder.feed(header) { _ in }, "size \(size)") { error in
                XCTAssertEqual(error as? RecordError, .badSize(offset: 0, size: size))
            }
        }
        var task = Wire.task(Self.sampleTask(), size: 0xFFF8)
        task.removeLast(task.count - 4)
        var decoder = RecordDecoder<TaskRecord>()
        XCTAssertThrowsError(try decoder.feed(task) { _ in }) { error in
            XCTAssertEqual(error as? RecordError, .badSize(offset: 0, size: 0xFFF8))
        }
    }

    /// The header promises paths of at most BPFNAV_PATH_MAX bytes; a record
    /// claiming more is corrupt even if its size is consistent with path_len.
    func testPathLongerThanPathMaxIsRejected() {
        let f = Self.sampleFile(0, pathLength: 4100) // size 56 + 4100 + 4 = 4160
        XCTAssertEqual(Wire.file(f).count, 4160)
        assertDecodeError(FileRecord.self, Wire.file(f), .badSize(offset: 0, size: 4160))
    }

    // MARK: - Garbage

    /// Runs `body` in a forked child so a trap (overflow, out of bounds) or a
    /// hang is a test failure instead of the end of the test run.
    func assertSurvives(_ what: String, timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () -> Int32) {
        fflush(nil)
        let pid = fork()
        if pid == 0 {
            let devnull = open("/dev/null", O_WRONLY)
            if devnull >= 0 { dup2(devnull, 2) }
            _exit(body())
        }
        XCTAssertGreaterThan(pid, 0, "fork", file: file, line: line)
        guard pid > 0 else { return }
        var status: Int32 = 0
        let deadline = Double(time(nil)) + timeout
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Double(time(nil)) > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                XCTFail("\(what): hung for more than \(Int(timeout)) s", file: file, line: line)
                return
            }
            usleep(10_000)
        }
        let signal = status & 0x7F
        let code = (status >> 8) & 0xFF
        XCTAssertEqual(signal, 0, "\(what): child died of signal \(signal) (a trap in the decoder)", file: file, line: line)
        if signal == 0 {
            XCTAssertEqual(code, 0, "\(what): child exited \(code) (an error other than RecordError)", file: file, line: line)
        }
    }

    /// 0 when `bytes` decodes or fails with a RecordError; 2 otherwise.
    static func tryDecode<R: IterRecord>(_ type: R.Type, _ bytes: [UInt8], chunks: [Int]) -> Int32 {
        do {
            _ = try decodeChunked(R.self, bytes, chunks: chunks)
            return 0
        } catch is RecordError {
            return 0
        } catch {
            return 2
        }
    }

    static func garbageRound<R: IterRecord>(_ type: R.Type, _ rng: inout SplitMix64) -> Int32 {
        let chunkLimit = Int.random(in: 1...300, using: &rng)
        let chunks = (0..<64).map { _ in Int.random(in: 1...chunkLimit, using: &rng) }
        // Pure noise: almost always the wrong kind.
        let noise = rng.bytes(Int.random(in: 0...600, using: &rng))
        if tryDecode(R.self, noise, chunks: chunks) != 0 { return 2 }
        // A plausible header (right kind and version, random size) over noise,
        // so the size and path_len checks and the record initialisers see it.
        var stream: [UInt8] = []
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            let size = Bool.random(using: &rng) ? Int.random(in: 0...0xFFFF, using: &rng)
                                                : R.fixedSize + 8 * Int.random(in: 0...4, using: &rng)
            var record = rng.bytes(min(size, 5000) + Int.random(in: 0...8, using: &rng))
            if record.count < 4 { record += [UInt8](repeating: 0, count: 4 - record.count) }
            record[0] = UInt8(size & 0xFF); record[1] = UInt8(size >> 8)
            record[2] = R.recordKind; record[3] = 1
            if R.hasPath, record.count >= R.fixedSize, Bool.random(using: &rng) {
                // A path_len that fits, so the record initialiser runs.
                let room = max(0, min(size, record.count) - R.fixedSize)
                let pathLength = UInt16(max(0, room - Int.random(in: 0...7, using: &rng)))
                let at = R.self == FileRecord.self ? 44 : 56
                record[at] = UInt8(pathLength & 0xFF); record[at + 1] = UInt8(pathLength >> 8)
            }
            stream += record
        }
        return tryDecode(R.self, stream, chunks: chunks)
    }

    func testGarbageNeverCrashesOrHangs() {
        func run<R: IterRecord>(_ type: R.Type, seed: UInt64) -> Int32 {
            var rng = SplitMix64(seed: fuzzSeed(seed))
            for _ in 0..<1500 {
                if Self.garbageRound(R.self, &rng) != 0 { return 2 }
            }
            return 0
        }
        assertSurvives("task garbage") { run(TaskRecord.self, seed: 11) }
        assertSurvives("file garbage") { run(FileRecord.self, seed: 12) }
        assertSurvives("vma garbage") { run(VMARecord.self, seed: 13) }
        assertSurvives("map garbage") { run(MapRecord.self, seed: 14) }
    }

    /// path_err is -errno; a corrupt INT32_MIN cannot be negated in Int32.
    func testExtremePathErrorDoesNotTrap() {
        for raw in [Int32.min, Int32.max, -1, 1] {
            assertSurvives("file path_err \(raw)") {
                var f = Wire.file(Self.sampleFile(2))
                withUnsafeBytes(of: raw.littleEndian) { for (i, b) in $0.enumerated() { f[40 + i] = b } }
                return Self.tryDecode(FileRecord.self, f, chunks: [])
            }
            assertSurvives("vma path_err \(raw)") {
                var v = Wire.vma(Self.sampleVMA(0))
                withUnsafeBytes(of: raw.littleEndian) { for (i, b) in $0.enumerated() { v[52 + i] = b } }
                return Self.tryDecode(VMARecord.self, v, chunks: [])
            }
        }
    }
}

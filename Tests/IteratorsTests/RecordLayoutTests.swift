import CIterRecords
import XCTest
@testable import Iterators

/// The C layouts of iters/bpfnav_records.h as Swift imports them. The BPF
/// programs write these bytes and the decoders read them, so any change that
/// moves a field must be deliberate: it fails here first.
final class RecordLayoutTests: XCTestCase {
    func testConstants() {
        XCTAssertEqual(BPFNAV_REC_VERSION, 1)
        XCTAssertEqual(BPFNAV_COMM_LEN, 16)
        XCTAssertEqual(BPFNAV_OBJ_NAME_LEN, 16)
        XCTAssertEqual(BPFNAV_PATH_MAX, 4096)
        XCTAssertEqual(BPFNAV_REC_TASK.rawValue, 1)
        XCTAssertEqual(BPFNAV_REC_FILE.rawValue, 2)
        XCTAssertEqual(BPFNAV_REC_VMA.rawValue, 3)
        XCTAssertEqual(BPFNAV_REC_MAP.rawValue, 4)
        XCTAssertEqual(BPFNAV_OBJ_NONE.rawValue, 0)
        XCTAssertEqual(BPFNAV_OBJ_PROG.rawValue, 1)
        XCTAssertEqual(BPFNAV_OBJ_MAP.rawValue, 2)
        XCTAssertEqual(BPFNAV_OBJ_LINK.rawValue, 3)
        XCTAssertEqual(BPFNAV_OBJ_BTF.rawValue, 4)
        XCTAssertEqual(BPFNAV_VMA_NONE.rawValue, 0)
        XCTAssertEqual(BPFNAV_VMA_HEAP.rawValue, 1)
        XCTAssertEqual(BPFNAV_VMA_STACK.rawValue, 2)
        XCTAssertEqual(BPFNAV_VMA_VDSO.rawValue, 3)
    }

    func testSizes() {
        XCTAssertEqual(MemoryLayout<bpfnav_rec_hdr>.size, 4)
        XCTAssertEqual(MemoryLayout<bpfnav_task_rec>.size, 64)
        XCTAssertEqual(MemoryLayout<bpfnav_file_rec>.size, 56)
        XCTAssertEqual(MemoryLayout<bpfnav_vma_rec>.size, 64)
        XCTAssertEqual(MemoryLayout<bpfnav_map_rec>.size, 48)
        // Every fixed part is itself a multiple of 8, so a record without a
        // path needs no padding.
        for size in [64, 56, 64, 48] { XCTAssertEqual(size % 8, 0) }
    }

    func testSwiftRecordsUseTheCLayouts() {
        XCTAssertEqual(TaskRecord.fixedSize, 64)
        XCTAssertEqual(FileRecord.fixedSize, 56)
        XCTAssertEqual(VMARecord.fixedSize, 64)
        XCTAssertEqual(MapRecord.fixedSize, 48)
        XCTAssertEqual(TaskRecord.recordKind, 1)
        XCTAssertEqual(FileRecord.recordKind, 2)
        XCTAssertEqual(VMARecord.recordKind, 3)
        XCTAssertEqual(MapRecord.recordKind, 4)
        XCTAssertFalse(TaskRecord.hasPath)
        XCTAssertTrue(FileRecord.hasPath)
        XCTAssertTrue(VMARecord.hasPath)
        XCTAssertFalse(MapRecord.hasPath)
    }

    func testHeaderOffsets() {
        typealias H = bpfnav_rec_hdr
        assertOffsets(H.self, [(\H.size, 0), (\H.kind, 2), (\H.version, 3)])
        XCTAssertEqual(MemoryLayout.size(ofValue: H().size), 2)
    }

    func testTaskOffsets() {
        typealias T = bpfnav_task_rec
        assertOffsets(T.self, [
            (\T.hdr, 0), (\T.hdr.kind, 2), (\T.pid, 4), (\T.tid, 8), (\T.ppid, 12), (\T.uid, 16), (\T.ruid, 20),
            (\T.gid, 24), (\T.state, 28), (\T.flags, 32), (\T._pad0, 36), (\T.start_time, 40), (\T.comm, 48)
        ])
        XCTAssertEqual(MemoryLayout.size(ofValue: T().comm), 16)
    }

    func testFileOffsets() {
        typealias F = bpfnav_file_rec
        assertOffsets(F.self, [
            (\F.hdr, 0), (\F.pid, 4), (\F.fd, 8), (\F.f_flags, 12), (\F.mode, 16), (\F.dev, 20), (\F.pos, 24),
            (\F.inode, 32), (\F.path_err, 40), (\F.path_len, 44), (\F.obj_kind, 46), (\F.path_source, 47),
            (\F.obj_id, 48), (\F._pad1, 52)
        ])
        XCTAssertEqual(MemoryLayout.size(ofValue: F().path_len), 2)
        XCTAssertEqual(MemoryLayout.size(ofValue: F().path_err), 4)
    }

    func testVMAOffsets() {
        typealias V = bpfnav_vma_rec
        assertOffsets(V.self, [
            (\V.hdr, 0), (\V.pid, 4), (\V.start, 8), (\V.end, 16), (\V.pgoff, 24), (\V.inode, 32), (\V.vm_flags, 40),
            (\V.dev, 48), (\V.path_err, 52), (\V.path_len, 56), (\V.special, 58), (\V.path_source, 59), (\V._pad0, 60)
        ])
        XCTAssertEqual(MemoryLayout.size(ofValue: V()._pad0), 4)
        XCTAssertEqual(BPFNAV_PATH_D_PATH.rawValue, 0)
        XCTAssertEqual(BPFNAV_PATH_NAME.rawValue, 1)
    }

    /// The load-time switches (iters/knobs.h): bpfnav writes these bytes
    /// into each object's .rodata.knobs before load.
    func testKnobsOffsets() {
        typealias K = bpfnav_knobs
        XCTAssertEqual(MemoryLayout<K>.size, 16)
        assertOffsets(K.self, [
            (\K.filter_tgid, 0), (\K.filter_tid, 4), (\K.vma_d_path, 8), (\K.file_d_path, 9), (\K.backing_mode, 12)
        ])
    }

    func testMapOffsets() {
        typealias M = bpfnav_map_rec
        assertOffsets(M.self, [
            (\M.hdr, 0), (\M.id, 4), (\M.type, 8), (\M.key_size, 12), (\M.value_size, 16), (\M.max_entries, 20),
            (\M.flags, 24), (\M.name, 32)
        ])
        XCTAssertEqual(MemoryLayout.size(ofValue: M().name), 16)
    }

    /// The hand-written wire builder the decoder tests use agrees with the C
    /// structs: a record filled through the imported struct has the same bytes.
    func testWireBuilderMatchesCStruct() {
        var c = bpfnav_file_rec()
        c.hdr.size = 64; c.hdr.kind = 2; c.hdr.version = 1
        c.pid = 0x0102_0304; c.fd = 7; c.f_flags = 0o2_100_002; c.mode = 0o100_644
        c.dev = (8 << 20) | 3; c.pos = 0x1122_3344_5566_7788; c.inode = 0xA0B0_C0D0_E0F0_0102
        c.path_err = 0; c.path_len = 5; c.obj_kind = 2; c.obj_id = 99
        var expected = withUnsafeBytes(of: c) { Array($0) }
        expected += Array("/etc/".utf8) + [0, 0, 0]
        let built = Wire.file(FileRecord(pid: 0x0102_0304, fd: 7, flags: 0o2_100_002, mode: 0o100_644,
                                         dev: (8 << 20) | 3, pos: 0x1122_3344_5566_7788,
                                         inode: 0xA0B0_C0D0_E0F0_0102, path: Array("/etc/".utf8),
                                         bpfObject: .map(99)))
        XCTAssertEqual(built, expected)
    }

    /// Each field's offset in T: one assertion a field.
    private func assertOffsets<T>(_: T.Type, _ expected: [(PartialKeyPath<T>, Int)], file: StaticString = #filePath, line: UInt = #line) {
        for (path, offset) in expected {
            XCTAssertEqual(MemoryLayout<T>.offset(of: path), offset, "\(T.self) field at \(offset)", file: file, line: line)
        }
    }
}

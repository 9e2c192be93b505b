import BPFKit
import CIterRecords
import XCTest
@testable import Iterators

/// The load-time switches as the programs read them (struct bpfnav_knobs).
final class KnobsTests: XCTestCase {
    func testDefaultsAreWhatNewKernelsTake() {
        let raw = Knobs().raw
        XCTAssertEqual(raw.filter_tgid, 0)
        XCTAssertEqual(raw.filter_tid, 0)
        XCTAssertEqual(raw.vma_d_path, 1)
        XCTAssertEqual(raw.file_d_path, 1)
    }

    func testPidFilter() {
        let raw = Knobs(filter: .pid(1234), vmaDPath: false).raw
        XCTAssertEqual(raw.filter_tgid, 1234)
        XCTAssertEqual(raw.filter_tid, 0)
        XCTAssertEqual(raw.vma_d_path, 0)
        XCTAssertEqual(raw.file_d_path, 1)
        XCTAssertEqual(Knobs(raw: raw), Knobs(filter: .pid(1234), vmaDPath: false))
    }

    /// Each path switch is its own byte: 5.10 refuses bpf_d_path in every
    /// iterator, 6.18.44 only on a VMA's file.
    func testPathSwitchesAreIndependent() {
        let raw = Knobs(fileDPath: false).raw
        XCTAssertEqual(raw.file_d_path, 0)
        XCTAssertEqual(raw.vma_d_path, 1)
        XCTAssertEqual(Knobs(raw: raw), Knobs(fileDPath: false))
        XCTAssertNotEqual(Knobs(raw: raw), Knobs())
    }

    /// A tid also carries its thread group: the task_file and task_vma walks
    /// of kernels before 6.1 find a thread's table under its group leader.
    func testTidFilterCarriesItsGroup() {
        let me = UInt32(getpid())
        let raw = Knobs(filter: .tid(me)).raw
        XCTAssertEqual(raw.filter_tid, me)
        XCTAssertEqual(raw.filter_tgid, me, "the main thread is its own group's leader")
        XCTAssertEqual(Knobs(raw: raw).filter, .tid(me), "reads back as the tid, not the group")
    }

    func testMapFDIsNoTaskFilter() {
        let raw = Knobs(filter: .mapFD(5)).raw
        XCTAssertEqual(raw.filter_tgid, 0)
        XCTAssertEqual(raw.filter_tid, 0)
    }

    /// FMODE_BACKING's candidate bits: none to look for before 6.8 (f_path
    /// was the user's path), bits 24 and 25 since (it moved between them).
    func testBackingModeByVersion() {
        XCTAssertEqual(Knobs.backingMode(for: nil), 0)
        XCTAssertEqual(Knobs.backingMode(for: KernelVersion(5, 10)), 0)
        XCTAssertEqual(Knobs.backingMode(for: KernelVersion(6, 7)), 0)
        for version in [KernelVersion(6, 8), KernelVersion(6, 12), KernelVersion(6, 18), KernelVersion(7, 3)] {
            XCTAssertEqual(Knobs.backingMode(for: version), 0x300_0000, "\(version)")
        }
        let raw = Knobs(backingMode: 0x100_0000).raw
        XCTAssertEqual(raw.backing_mode, 0x100_0000)
        XCTAssertEqual(Knobs(raw: raw).backingMode, 0x100_0000)
    }
}

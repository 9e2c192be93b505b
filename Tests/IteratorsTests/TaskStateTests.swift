import XCTest
@testable import Iterators

/// TaskRecord.stateLetter against the kernel's task_state_index()
/// (include/linux/sched.h) and task_state_array (fs/proc/array.c), with the
/// state bits of Linux 6.x:
///   TASK_RUNNING 0, TASK_INTERRUPTIBLE 0x1, TASK_UNINTERRUPTIBLE 0x2,
///   __TASK_STOPPED 0x4, __TASK_TRACED 0x8, EXIT_DEAD 0x10, EXIT_ZOMBIE 0x20,
///   TASK_PARKED 0x40, TASK_DEAD 0x80, TASK_WAKEKILL 0x100, TASK_WAKING 0x200,
///   TASK_NOLOAD 0x400, TASK_NEW 0x800, TASK_RTLOCK_WAIT 0x1000,
///   TASK_FREEZABLE 0x2000, TASK_FROZEN 0x8000; TASK_REPORT 0x7f;
///   TASK_IDLE = TASK_UNINTERRUPTIBLE | TASK_NOLOAD.
final class TaskStateTests: XCTestCase {
    let running: UInt32 = 0, interruptible: UInt32 = 0x1, uninterruptible: UInt32 = 0x2
    let stopped: UInt32 = 0x4, traced: UInt32 = 0x8, exitDead: UInt32 = 0x10, exitZombie: UInt32 = 0x20
    let parked: UInt32 = 0x40, taskDead: UInt32 = 0x80, wakeKill: UInt32 = 0x100, waking: UInt32 = 0x200
    let noLoad: UInt32 = 0x400, new: UInt32 = 0x800, rtlockWait: UInt32 = 0x1000
    let freezable: UInt32 = 0x2000, frozen: UInt32 = 0x8000

    func letter(_ raw: UInt32) -> Character { TaskRecord.stateLetter(raw) }

    func testSingleReportBits() {
        XCTAssertEqual(letter(running), "R")
        XCTAssertEqual(letter(interruptible), "S")
        XCTAssertEqual(letter(uninterruptible), "D")
        XCTAssertEqual(letter(stopped), "T")
        XCTAssertEqual(letter(traced), "t")
        XCTAssertEqual(letter(exitDead), "X")
        XCTAssertEqual(letter(exitZombie), "Z")
        XCTAssertEqual(letter(parked), "P")
    }

    func testIdle() {
        XCTAssertEqual(letter(uninterruptible | noLoad), "I") // TASK_IDLE
        XCTAssertEqual(letter(0x402), "I")
        XCTAssertEqual(letter(uninterruptible | noLoad | freezable), "I", "freezable idle kthreads")
        XCTAssertEqual(letter(noLoad), "R", "TASK_NOLOAD alone is not idle")
        XCTAssertEqual(letter(interruptible | noLoad), "S", "TASK_IDLE needs both bits")
    }

    func testRTLockWaitAndFrozenReportAsD() {
        XCTAssertEqual(letter(rtlockWait), "D")
        XCTAssertEqual(letter(frozen), "D")
        XCTAssertEqual(letter(frozen | interruptible), "D")
        XCTAssertEqual(letter(rtlockWait | uninterruptible | noLoad), "D", "rtlock overrides idle, as in the kernel")
        XCTAssertEqual(letter(frozen | stopped), "D")
    }

    func testCompositeKernelStates() {
        XCTAssertEqual(letter(wakeKill | stopped), "T", "TASK_STOPPED")
        XCTAssertEqual(letter(wakeKill | uninterruptible), "D", "TASK_KILLABLE")
        XCTAssertEqual(letter(taskDead | exitZombie), "Z", "__state TASK_DEAD with exit_state EXIT_ZOMBIE")
        XCTAssertEqual(letter(taskDead | exitDead), "X")
        XCTAssertEqual(letter(new), "R", "TASK_NEW is reported as running")
        XCTAssertEqual(letter(waking), "R")
        XCTAssertEqual(letter(taskDead), "R", "TASK_DEAD is outside TASK_REPORT")
        XCTAssertEqual(letter(interruptible | freezable), "S")
    }

    func testHighestReportBitWins() {
        // fls() of the reported bits.
        XCTAssertEqual(letter(interruptible | uninterruptible), "D")
        XCTAssertEqual(letter(interruptible | stopped), "T")
        XCTAssertEqual(letter(exitZombie | exitDead), "Z")
        XCTAssertEqual(letter(0x7F), "P")
    }

    func testEveryValueGivesALetterOfTheArray() {
        let letters: Set<Character> = ["R", "S", "D", "T", "t", "X", "Z", "P", "I"]
        for raw in [UInt32.max, 0xFFFF_FF80, 0x80, 0xFFFF, 0x1_0000, 0x8000_0000] {
            XCTAssertTrue(letters.contains(letter(raw)), "raw \(raw)")
        }
        for raw in UInt32(0)...0x1_0000 { _ = letter(raw) } // never traps
        XCTAssertEqual(letter(0x8000_0000), "R", "bits above TASK_REPORT are ignored")
    }

    func testRecordStateAndKernelThread() {
        var t = TaskRecord(pid: 2, tid: 2, ppid: 0, uid: 0, ruid: 0, gid: 0, rawState: 0x402, flags: 0x0020_8040,
                           startTime: 0, comm: Array("kthreadd".utf8))
        XCTAssertEqual(t.state, "I")
        XCTAssertTrue(t.isKernelThread)
        t.rawState = 0x1
        t.flags = 0x0040_0100 // PF_RANDOMIZE | PF_FORKNOEXEC, no PF_KTHREAD (0x00200000)
        XCTAssertEqual(t.state, "S")
        XCTAssertFalse(t.isKernelThread)
    }
}

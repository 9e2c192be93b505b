import CIterRecords

/// One thread, as the task iterator sees it (`struct bpfnav_task_rec`).
public struct TaskRecord: IterRecord, Equatable {
    public static var recordKind: UInt8 { UInt8(BPFNAV_REC_TASK.rawValue) }
    public static var fixedSize: Int { MemoryLayout<bpfnav_task_rec>.size }

    /// Thread group id: the process.
    public var pid: UInt32
    public var tid: UInt32
    public var ppid: UInt32
    /// Effective uid, as `ps -o uid` shows.
    public var uid: UInt32
    public var ruid: UInt32
    public var gid: UInt32
    /// `__state | exit_state`, raw.
    public var rawState: UInt32
    /// PF_* flags.
    public var flags: UInt32
    /// Nanoseconds since boot.
    public var startTime: UInt64
    /// The exact bytes of comm: not necessarily UTF-8.
    public var comm: [UInt8]

    public init(pid: UInt32, tid: UInt32, ppid: UInt32, uid: UInt32, ruid: UInt32, gid: UInt32,
                rawState: UInt32, flags: UInt32, startTime: UInt64, comm: [UInt8]) {
        self.pid = pid; self.tid = tid; self.ppid = ppid; self.uid = uid; self.ruid = ruid
        self.gid = gid; self.rawState = rawState; self.flags = flags; self.startTime = startTime
        self.comm = comm
    }

    public init(fixed: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) {
        let r = fixed.loadUnaligned(as: bpfnav_task_rec.self)
        self.init(pid: r.pid, tid: r.tid, ppid: r.ppid, uid: r.uid, ruid: r.ruid, gid: r.gid,
                  rawState: r.state, flags: r.flags, startTime: r.start_time, comm: cString(r.comm))
    }

    /// The one-letter state /proc and ps show (the kernel's task_state_index).
    public var state: Character { Self.stateLetter(rawState) }

    /// PF_KTHREAD.
    public var isKernelThread: Bool { flags & 0x0020_0000 != 0 }

    /// The kernel's task_state_index(): TASK_REPORT bits, TASK_IDLE shown as
    /// I, rt-lock waits and frozen tasks as D, then the highest bit set.
    public static func stateLetter(_ raw: UInt32) -> Character {
        let taskIdle: UInt32 = 0x0402, rtlockWait: UInt32 = 0x1000, frozen: UInt32 = 0x8000
        var state = raw & 0x7f
        if raw & taskIdle == taskIdle { state = 0x80 }
        if raw & (rtlockWait | frozen) != 0 { state = 0x2 }
        let letters: [Character] = ["R", "S", "D", "T", "t", "X", "Z", "P", "I"]
        return letters[32 - state.leadingZeroBitCount]
    }
}

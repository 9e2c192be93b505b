import Encoding
import Iterators

/// One process (thread group), from the task iterator's threads.
public struct TaskEntry: Sendable, Equatable {
    public var pid: UInt32
    public var ppid: UInt32
    public var uid: UInt32
    /// `ps` state letter of the leader thread.
    public var state: Character
    public var comm: [UInt8]
    public var threads: Int
    public var isKernelThread: Bool
    /// ns since boot.
    public var startTime: UInt64

    public init(pid: UInt32, ppid: UInt32 = 0, uid: UInt32 = 0, state: Character = "S", comm: [UInt8] = [],
                threads: Int = 1, isKernelThread: Bool = false, startTime: UInt64 = 0) {
        self.pid = pid; self.ppid = ppid; self.uid = uid; self.state = state; self.comm = comm
        self.threads = threads; self.isKernelThread = isKernelThread; self.startTime = startTime
    }

    /// `record`'s process: its fields, with `threads` threads.
    public init(_ record: TaskRecord, threads: Int) {
        self.init(pid: record.pid, ppid: record.ppid, uid: record.uid, state: record.state, comm: record.comm,
                  threads: threads, isKernelThread: record.isKernelThread, startTime: record.startTime)
    }

    /// One entry per process, in the order the iterator met them: the
    /// leader's fields and the number of threads.
    public static func processes(_ records: [TaskRecord]) -> [TaskEntry] {
        var order: [UInt32] = []
        var rows: [UInt32: TaskEntry] = [:]
        for record in records {
            if var row = rows[record.pid] {
                row.threads += 1
                if record.tid == record.pid { row = TaskEntry(record, threads: row.threads) }
                rows[record.pid] = row
            } else {
                order.append(record.pid)
                rows[record.pid] = TaskEntry(record, threads: 1)
            }
        }
        return order.compactMap { rows[$0] }
    }

    /// comm, kernel threads in brackets as ps shows them.
    var commCell: String { isKernelThread ? "[" + Escape.terminal(comm) + "]" : Escape.terminal(comm) }
}

extension TaskEntry: Presentable {
    /// The browser's Tasks list and documents. (`bpfnav tasks` streams
    /// threads as the iterator reads them, one row each: `TaskRecord`s,
    /// not processes. No JSON shows a process.)
    public static let presentation = Presentation<TaskEntry>(
        columns: [
            PresentedColumn("PID", ColumnLayout(width: 7, right: true), sort: { .number(Double($0.pid)) }) {
                "\($0.pid)"
            },
            PresentedColumn("PPID", ColumnLayout(width: 7, right: true, priority: 2),
                            sort: { .number(Double($0.ppid)) }) { "\($0.ppid)" },
            PresentedColumn("UID", ColumnLayout(width: 6, right: true, priority: 3),
                            sort: { .number(Double($0.uid)) }) { "\($0.uid)" },
            PresentedColumn("S", ColumnLayout(width: 1, priority: 1)) { String($0.state) },
            PresentedColumn("THR", .largestFirst(width: 4, priority: 2), sort: { .number(Double($0.threads)) }) {
                "\($0.threads)"
            },
            PresentedColumn("COMM", ColumnLayout(width: 16, flex: true)) { $0.commCell },
        ],
        details: [
            DetailField("pid") { "\($0.pid)" },
            DetailField("ppid") { "\($0.ppid)" },
            DetailField("uid") { "\($0.uid)" },
            DetailField("state") { String($0.state) },
            DetailField("comm") { Escape.terminal($0.comm) },
            DetailField("threads") { "\($0.threads)" },
            DetailField("kthread") { $0.isKernelThread ? "yes" : nil },
        ],
        json: []
    )
}

import Encoding
import Formatting
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
    /// utime + stime of the thread group, ns (/proc/PID/stat); nil when
    /// unreadable.
    public var cpuTime: UInt64?
    /// Share of one CPU since the previous sample (`TaskCPUSampler`), as
    /// top shows it (above 100 with several CPUs busy); nil on the first.
    public var cpuPercent: Double?
    /// Resident set size, bytes.
    public var rss: UInt64?
    /// The effective uid's name (`UserNames`).
    public var user: String?
    /// Arguments, separated by spaces (/proc/PID/cmdline); nil for kernel
    /// threads and zombies.
    public var commandLine: [UInt8]?
    /// Holds an fd of a BPF program, map, link or BTF object.
    public var holdsBPF = false

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

    /// The command line as htop shows it, else the comm.
    public var commandCell: String { commandLine.map { Escape.terminal($0) } ?? commCell }

    var userCell: String { Escape.terminal(Array((user ?? "\(uid)").utf8)) }
    var cpuCell: String { cpuPercent.map { BrowserFormat.fixed($0, digits: 1) } ?? "-" }
    var rssCell: String { rss.map { $0 == 0 ? "0" : BrowserFormat.bytes($0) } ?? "-" }
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
            PresentedColumn("USER", ColumnLayout(width: 8, priority: 1)) { $0.userCell },
            PresentedColumn("S", ColumnLayout(width: 1, priority: 1)) { String($0.state) },
            PresentedColumn("CPU%", .largestFirst(width: 5, priority: 1), sort: { .number($0.cpuPercent ?? -1) }) {
                $0.cpuCell
            },
            PresentedColumn("RSS", .largestFirst(width: 6, priority: 2), sort: { .number(Double($0.rss ?? 0)) }) {
                $0.rssCell
            },
            PresentedColumn("THR", .largestFirst(width: 4, priority: 3), sort: { .number(Double($0.threads)) }) {
                "\($0.threads)"
            },
            PresentedColumn("COMMAND", ColumnLayout(width: 16, flex: true)) { $0.commandCell },
        ],
        details: [
            DetailField("pid") { "\($0.pid)" },
            DetailField("ppid") { "\($0.ppid)" },
            DetailField("uid") { "\($0.uid)" },
            DetailField("user") { $0.user.map { Escape.terminal(Array($0.utf8)) } },
            DetailField("state") { String($0.state) },
            DetailField("comm") { Escape.terminal($0.comm) },
            DetailField("command") { $0.commandLine.map { Escape.terminal($0) } },
            DetailField("cpu") { $0.cpuPercent.map { BrowserFormat.fixed($0, digits: 1) + "%" } },
            DetailField("rss") { $0.rss.map { BrowserFormat.bytes($0) } },
            DetailField("threads") { "\($0.threads)" },
            DetailField("holds BPF") { $0.holdsBPF ? "yes" : nil },
            DetailField("kthread") { $0.isKernelThread ? "yes" : nil },
        ],
        json: []
    )
}

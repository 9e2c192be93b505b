/// Processes as a tree of parents and children, as htop's tree view
/// (`t`, F5) draws it.
public enum TaskTree {
    public struct Row: Equatable, Sendable {
        /// Index into the processes given.
        public var index: Int
        /// "├─ ", "│  └─ ": what goes before the command.
        public var prefix: String
    }

    /// Every process once, each below its parent, siblings by pid. A process
    /// whose parent is not among them (pid 1 and kthreadd, whose parent is 0;
    /// a process whose parent is filtered out, or invisible) is a root.
    /// Threads are not nodes: `TaskEntry.processes` folds them first.
    public static func rows(_ tasks: [TaskEntry]) -> [Row] {
        var byPID: [UInt32: Int] = [:]
        for (index, task) in tasks.enumerated() where byPID[task.pid] == nil { byPID[task.pid] = index }
        var children: [Int: [Int]] = [:]
        var roots: [Int] = []
        for (index, task) in tasks.enumerated() {
            if let parent = byPID[task.ppid], parent != index, task.ppid != task.pid {
                children[parent, default: []].append(index)
            } else {
                roots.append(index)
            }
        }
        let byPIDOrder = { (a: Int, b: Int) in (tasks[a].pid, a) < (tasks[b].pid, b) }
        var rows: [Row] = []
        var seen = Set<Int>()
        func visit(_ index: Int, prefix: String, continuation: String) {
            guard seen.insert(index).inserted else { return }
            rows.append(Row(index: index, prefix: prefix))
            let kids = (children[index] ?? []).sorted(by: byPIDOrder)
            for (n, kid) in kids.enumerated() {
                let last = n == kids.count - 1
                visit(kid, prefix: continuation + (last ? "└─ " : "├─ "),
                      continuation: continuation + (last ? "   " : "│  "))
            }
        }
        for root in roots.sorted(by: byPIDOrder) { visit(root, prefix: "", continuation: "") }
        // A cycle of parents (a pid reused while the list was read) has no
        // root: its members are shown as roots rather than lost.
        for index in tasks.indices.sorted(by: byPIDOrder) where !seen.contains(index) {
            visit(index, prefix: "", continuation: "")
        }
        return rows
    }
}

/// CPU% of each process between two samples of its CPU time, as top and
/// htop compute it: the CPU time used since the previous sample over the
/// time between the samples (100 = one CPU busy all along).
public struct TaskCPUSampler: Sendable {
    private struct Key: Hashable {
        var pid: UInt32
        var startTime: UInt64
    }

    private var previous: [Key: UInt64] = [:]
    private var previousTime: UInt64?

    public init() {}

    /// Sets `cpuPercent` of `tasks` from their `cpuTime` and the time since
    /// the previous call; `now` is CLOCK_BOOTTIME in ns (the clock of
    /// `startTime`). The first call gives none. A process started since
    /// the previous sample counts from zero; a pid reused by another
    /// process (another start time) is not compared with the old one.
    public mutating func sample(_ tasks: inout [TaskEntry], now: UInt64) {
        var current: [Key: UInt64] = [:]
        for index in tasks.indices {
            let task = tasks[index]
            tasks[index].cpuPercent = nil
            guard let cpu = task.cpuTime else { continue }
            let key = Key(pid: task.pid, startTime: task.startTime)
            current[key] = cpu
            guard let since = previousTime, now > since else { continue }
            let before: UInt64
            if let seen = previous[key] {
                before = seen
            } else if task.startTime >= since {
                before = 0
            } else {
                continue
            }
            tasks[index].cpuPercent = Double(cpu > before ? cpu - before : 0) * 100 / Double(now - since)
        }
        previous = current
        previousTime = now
    }
}

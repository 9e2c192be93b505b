import BPFKit
import Iterators

/// A process holding an fd to a BPF object (bpftool's `pids` entries).
public struct Holder: Equatable, Hashable, Sendable {
    public var pid: UInt32
    /// Exact bytes of the process's comm.
    public var comm: [UInt8]

    public init(pid: UInt32, comm: [UInt8]) {
        self.pid = pid
        self.comm = comm
    }
}

/// Which processes hold fds to which BPF objects.
///
/// Built from bpfnav's own task_file records, which recognise BPF object
/// files and carry their ids, joined with task records for the names: one
/// pass over every fd table instead of a /proc walk.
public struct Holders: Sendable {
    /// Holders by object kind, then id.
    public private(set) var byKind: [BPFObjectKind: [UInt32: [Holder]]] = [:]

    public var programs: [UInt32: [Holder]] { byKind[.program] ?? [:] }
    public var maps: [UInt32: [Holder]] { byKind[.map] ?? [:] }
    public var links: [UInt32: [Holder]] { byKind[.link] ?? [:] }
    public var btfs: [UInt32: [Holder]] { byKind[.btf] ?? [:] }

    /// The processes holding `object`, nil when none does.
    public func holders(of object: BPFObjectRef) -> [Holder]? {
        byKind[object.kind]?[object.id]
    }

    /// One process's hold on one object, however many fds it uses.
    private struct Held: Hashable {
        var object: BPFObjectRef
        var pid: UInt32
    }

    public init() {}

    /// Joins fd records with thread records (for comm). Each process is
    /// listed once per object however many fds it holds to it.
    public init(files: some Sequence<FileRecord>, tasks: some Sequence<TaskRecord>) {
        var comms: [UInt32: [UInt8]] = [:]
        for task in tasks where task.pid == task.tid {
            comms[task.pid] = task.comm
        }
        var seen: Set<Held> = []
        for file in files {
            guard let object = file.bpfObject else { continue }
            guard seen.insert(Held(object: object, pid: file.pid)).inserted else { continue }
            let holder = Holder(pid: file.pid, comm: comms[file.pid] ?? [])
            byKind[object.kind, default: [:]][object.id, default: []].append(holder)
        }
    }

    /// Reads every fd table and every task once.
    public static func collect(loader: IterLoader) throws -> Holders {
        let tasks = try loader.records(TaskRecord.self, .task)
        var files: [FileRecord] = []
        // The program that only reports BPF object fds: no paths, no
        // records for the thousands of ordinary files.
        try loader.forEachRecord(FileRecord.self, .taskFile, params: .all, format: .bpfObjects) { record in
            if record.bpfObject != nil { files.append(record) }
        }
        return Holders(files: files, tasks: tasks)
    }
}

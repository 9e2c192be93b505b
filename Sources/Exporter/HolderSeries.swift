import BPFKit
import ObjectModel

/// Objects of one kind held by the processes of one comm.
public struct ProcessSample: Sendable, Equatable {
    public var comm: String
    public var kind: String
    /// Objects held, summed over the processes with this comm (each
    /// process counts an object once however many fds it has to it).
    public var objects: Int

    public init(comm: String, kind: String, objects: Int) {
        self.comm = comm
        self.kind = kind
        self.objects = objects
    }

    /// Sums `holders` per comm and kind. `include`: whether a process's hold
    /// on an object counts (bpfnav's own objects and process are left out
    /// unless asked). Comms are the kernel's bytes: invalid UTF-8 becomes
    /// U+FFFD. Pids are not labels: one series per comm, not per process.
    /// Returns the samples, sorted, and how many processes hold any object.
    static func summing(_ holders: Holders, include: (BPFObjectRef, Holder) -> Bool) -> ([ProcessSample], Int) {
        struct Key: Hashable { var comm: [UInt8]; var kind: BPFObjectKind }
        var sums: [Key: Int] = [:]
        var pids: Set<UInt32> = []
        for (kind, objects) in holders.byKind {
            for (id, list) in objects {
                let object = BPFObjectRef(kind, id)
                for holder in list where include(object, holder) {
                    sums[Key(comm: holder.comm, kind: kind), default: 0] += 1
                    pids.insert(holder.pid)
                }
            }
        }
        let samples = sums.map { ProcessSample(comm: String(decoding: $0.key.comm, as: UTF8.self),
                                               kind: $0.key.kind.name, objects: $0.value) }
        return (samples.sorted { ($0.comm, $0.kind) < ($1.comm, $1.kind) }, pids.count)
    }
}

/// Counts: objects by kind, by holder process, and bpfnav's own.
enum HolderSeries {
    static let objects = SeriesWriter.Family.gauge(
        "bpf_objects", "BPF objects loaded, by kind (program, map, link, btf); absent for a kind the scrape could not read whole.")
    static let processObjects = SeriesWriter.Family.gauge(
        "bpf_process_objects",
        "BPF objects held open by processes, by the processes' comm and the objects' kind (summed over the processes with that comm).")
    static let holderProcesses = SeriesWriter.Family.gauge(
        "bpf_holder_processes", "Processes holding at least one BPF object open.")
    static let own = SeriesWriter.Family.gauge(
        "bpfnav_own_objects",
        "bpfnav's own programs, maps and links (its iterators, their maps and links, its program caches), by kind; left out of the other series unless --include-own.")

    static func write(_ snapshot: ExporterSnapshot, into writer: inout SeriesWriter) {
        writer.write(objects, ObjectKindLabel.all.compactMap { kind in
            snapshot.objectCounts[kind].map { ([("kind", kind)], Double($0)) }
        })
        if let processes = snapshot.processes {
            writer.write(processObjects, processes.map { ([("comm", $0.comm), ("kind", $0.kind)], Double($0.objects)) })
        }
        if let count = snapshot.holderProcesses { writer.write(holderProcesses, Double(count)) }
        writer.write(own, [ObjectKindLabel.program, ObjectKindLabel.map, ObjectKindLabel.link].map {
            ([("kind", $0)], Double(snapshot.ownCounts[$0] ?? 0))
        })
    }
}

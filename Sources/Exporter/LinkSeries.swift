import BPFKit
import Formatting
import Netlink
import ObjectModel

/// A link as the exporter shows it. Its labels are kept to bounded sets:
/// what it attaches to (a device, a cgroup, a function, a tracepoint), never
/// a pid or an address, so that a series lives as long as its link.
public struct LinkSample: Sendable, Equatable {
    public var id: UInt32
    /// bpftool's link type name ("xdp", "perf_event", …).
    public var type: String
    public var programID: UInt32
    /// The attach type where the link has one ("cgroup_inet_ingress"), else "".
    public var attachType: String
    /// What it is attached to, in words (see `LinkTarget`).
    public var target: String
    /// The network namespace of its device or hook (`LinkTarget.netns`), else "".
    public var netns: String

    public init(id: UInt32, type: String, programID: UInt32, attachType: String = "", target: String = "",
                netns: String = "") {
        self.id = id
        self.type = type
        self.programID = programID
        self.attachType = attachType
        self.target = target
        self.netns = netns
    }

    /// `resolved`: the function a tracing link attaches to, where the
    /// attachments found it.
    public init(_ entry: LinkEntry, resolved: String? = nil) {
        let (target, netns) = LinkTarget.of(entry, resolved: resolved)
        self.init(id: entry.id, type: entry.info.typeName, programID: entry.info.programID,
                  attachType: LinkTarget.attachType(entry.info.details), target: target, netns: netns)
    }
}

/// Bounded words for where a link is.
enum LinkTarget {
    /// A namespace by name, "current", or its inode: never "pid N" (the
    /// pid that showed it changes; the namespace does not).
    static func netns(_ namespace: NetNamespace?) -> String {
        guard let namespace else { return "" }
        if let name = namespace.name { return name }
        return namespace.isCurrent ? "current" : "inode \(namespace.inode)"
    }

    static func attachType(_ details: LinkDetails) -> String {
        switch details {
        case .tracing(let type, _, _, _), .cgroup(_, let type), .netns(_, let type), .tcx(_, let type),
             .netkit(_, let type), .sockmap(_, let type):
            AttachType.name(type)
        default:
            ""
        }
    }

    /// (target, netns) of `link`: its device's name, its cgroup's path, its
    /// function or tracepoint, its iterator's target; the iterator's task
    /// and the uprobe's process are left out (pids), as is a kprobe's
    /// address.
    static func of(_ link: LinkEntry, resolved: String?) -> (String, String) {
        let details = link.info.details
        switch details {
        case .xdp(let ifindex), .tcx(let ifindex, _), .netkit(let ifindex, _):
            return (link.device?.name ?? (ifindex == 0 ? "(detached)" : "ifindex \(ifindex)"), netns(link.namespace))
        case .cgroup(let cgroupID, _):
            return (link.cgroupPath ?? "cgroup id \(cgroupID)", "")
        case .netns(let inode, _):
            let label = link.namespace.map { netns($0) } ?? "inode \(inode)"
            return ("netns " + label, label)
        case .iter(let target, let mapID, let cgroupID, let order, _, _):
            var text = target
            if mapID != 0 { text += " map \(mapID)" }
            if target == "cgroup" { text += " cgroup \(cgroupID) \(LinkSummary.cgroupIterOrder(order))" }
            return (text, "")
        case .uprobeMulti(let path, _, let flags, _):
            return ((flags & 1 != 0 ? "uretprobe_multi " : "uprobe_multi ") + path, "")
        case .tracing:
            return (resolved ?? LinkSummary.text(details), "")
        case .structOps(let mapID):
            if let table = link.structOps { return ("\(table.typeName) \(table.mapName)", "") }
            return ("map \(mapID)", "")
        case .sockmap(let mapID, _):
            return ("map \(mapID)", "")
        default:
            // kprobe function+offset, uprobe file+offset, tracepoint,
            // raw tracepoint, netfilter hook, perf event, kprobe_multi.
            return (LinkSummary.text(details), "")
        }
    }
}

enum LinkSeries {
    static let info = SeriesWriter.Family.gauge(
        "bpf_link_info",
        "A BPF link: its id, type, program, attach type and what it is attached to (target, netns) (value 1).")

    static func write(_ links: [LinkSample], into writer: inout SeriesWriter) {
        writer.write(info, links.map { l in
            ([("id", "\(l.id)"), ("type", l.type), ("prog_id", "\(l.programID)"), ("attach_type", l.attachType),
              ("target", l.target), ("netns", l.netns)], 1)
        })
    }
}

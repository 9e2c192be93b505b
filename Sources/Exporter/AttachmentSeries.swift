import BPFKit
import ObjectModel

/// One place a program runs (`AttachmentEntry`), with bounded labels.
public struct AttachmentSample: Sendable, Hashable {
    public var programID: UInt32
    /// "xdp", "tc", "tcx", "cgroup", "struct_ops", a link type's name…
    public var kind: String
    /// Where on the target: an XDP mode, "clsact/ingress", an attach type,
    /// an ops member.
    public var attachPoint: String
    /// The device, cgroup path, function, tracepoint or table.
    public var target: String
    /// The network namespace of a device or hook, else "".
    public var netns: String

    public init(programID: UInt32, kind: String, attachPoint: String, target: String, netns: String = "") {
        self.programID = programID
        self.kind = kind
        self.attachPoint = attachPoint
        self.target = target
        self.netns = netns
    }

    /// `link`: the entry's link, when it has one and it was listed.
    public init(_ entry: AttachmentEntry, link: LinkEntry?) {
        let netns = LinkTarget.netns(entry.namespace)
        var target = entry.target
        if let link {
            // The link's own words, with a tracing link's function as the
            // attachments resolved it.
            target = LinkTarget.of(link, resolved: entry.kind == "tracing" ? entry.target : nil).0
        } else if let device = entry.device {
            target = device.name
        } else if let path = entry.cgroupPath {
            target = path
        } else if entry.namespace != nil {
            // A netns hook, or a tc action of the namespace's table: the
            // namespace without the pid that showed it.
            if let index = entry.extra.first(where: { $0.key == "action_index" }), entry.kind == "tc_action" {
                target = "action bpf index \(index.value)"
            } else {
                target = "netns " + netns
            }
        }
        self.init(programID: entry.programID, kind: entry.kind, attachPoint: entry.attachPoint, target: target,
                  netns: netns)
    }
}

enum AttachmentSeries {
    static let info = SeriesWriter.Family.gauge(
        "bpf_program_attachment_info",
        "A place a program runs: kind (xdp, tc, cgroup, kprobe link…), attach point, target (device, cgroup path, function…) and netns; the value is how many such attachments there are.")

    static func write(_ attachments: [AttachmentSample], into writer: inout SeriesWriter) {
        // The same place twice (a program attached twice to one cgroup
        // through two links) is one series of 2.
        var order: [AttachmentSample] = []
        var counts: [AttachmentSample: Int] = [:]
        for a in attachments {
            if counts[a] == nil { order.append(a) }
            counts[a, default: 0] += 1
        }
        writer.write(info, order.map { a in
            ([("id", "\(a.programID)"), ("kind", a.kind), ("attach_point", a.attachPoint), ("target", a.target),
              ("netns", a.netns)], Double(counts[a] ?? 1))
        })
    }
}

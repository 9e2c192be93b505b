import BPFKit
import Formatting
import Netlink

/// One place a program runs: a link of any type, a tc filter or action,
/// XDP on a device, tcx or netkit, a cgroup, a network namespace hook, a
/// struct_ops table's member.
///
/// Each says what owns the place (a device in its namespace, a cgroup path,
/// a map) so that "where does program 42 run" has one answer.
public struct AttachmentEntry: Sendable, Hashable {
    /// What kind of place: "xdp", "tc", "tcx", "netkit", "tc_action",
    /// "cgroup", "flow_dissector", "sk_lookup", "struct_ops", "netfilter",
    /// or a link type's name ("tracing", "raw_tracepoint", "perf_event",
    /// "kprobe_multi", "uprobe_multi", "iter", "sockmap").
    public var kind: String
    public var programID: UInt32
    /// The program's name, where it was known.
    public var programName: String?
    /// Where on the owner: "generic" (XDP mode), "clsact/ingress",
    /// "tcx/egress", an attach type ("cgroup_inet_egress"), an ops member.
    public var attachPoint: String
    /// The owner in words: "demo0 (netns bpfnav-demo)", a cgroup path, a
    /// function or tracepoint, "tcp_congestion_ops bpfnav_cc".
    public var target: String
    public var linkID: UInt32?
    /// struct_ops and sockmap attachments: the map.
    public var mapID: UInt32?
    public var device: NetDevice?
    public var namespace: NetNamespace?
    public var cgroupPath: String?
    /// Per-kind numbers, under bpftool's and the kernel's names: tc's
    /// priority, handle, direct-action, chain, action index; tcx's position;
    /// cgroup attach flags.
    public var extra: [Extra]

    public struct Extra: Sendable, Hashable {
        public var key: String
        public var value: Value
        public enum Value: Sendable, Hashable {
            case number(UInt64), text(String), flag(Bool)
        }

        public init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    public init(kind: String, programID: UInt32, programName: String? = nil, attachPoint: String, target: String,
                linkID: UInt32? = nil, mapID: UInt32? = nil, device: NetDevice? = nil, namespace: NetNamespace? = nil,
                cgroupPath: String? = nil, extra: [Extra] = []) {
        self.kind = kind
        self.programID = programID
        self.programName = programName
        self.attachPoint = attachPoint
        self.target = target
        self.linkID = linkID
        self.mapID = mapID
        self.device = device
        self.namespace = namespace
        self.cgroupPath = cgroupPath
        self.extra = extra
    }

    /// One line: "tc clsact/ingress on demo1 (netns bpfnav-demo) link 4".
    public var summary: String {
        var text = kind == attachPoint ? "\(kind) \(target)" : "\(kind) \(attachPoint) \(target)"
        if let linkID { text += " link \(linkID)" }
        if let mapID, kind != "sockmap" { text += " map \(mapID)" }
        return text
    }

    /// How the browser's Attachments view groups places: by device and
    /// namespace, by cgroup, else by hook.
    public var group: String {
        if let device, let namespace { return "netns \(namespace.label) · \(device.name)" }
        if let namespace { return "netns \(namespace.label)" }
        if let cgroupPath { return "cgroup \(cgroupPath)" }
        return kind
    }
}

extension AttachmentEntry: Presentable {
    public static let presentation = Presentation<AttachmentEntry>(
        columns: [
            PresentedColumn("PROG", ColumnLayout(width: 5, right: true), sort: { .number(Double($0.programID)) }) {
                "\($0.programID)"
            },
            PresentedColumn("NAME", ColumnLayout(width: 16, flex: true, priority: 2), sort: { .text($0.programName ?? "") }) {
                terminalText($0.programName ?? "-")
            },
            PresentedColumn("KIND", ColumnLayout(width: 10), sort: { .text($0.kind) }) { terminalText($0.kind) },
            PresentedColumn("ATTACH POINT", ColumnLayout(width: 16, priority: 1), sort: { .text($0.attachPoint) }) {
                terminalText($0.attachPoint)
            },
            PresentedColumn("TARGET", ColumnLayout(width: 24, flex: true), sort: { .text($0.group + $0.target) }) {
                terminalText($0.target)
            },
            PresentedColumn("LINK", ColumnLayout(width: 5, right: true, priority: 3),
                            sort: { .number(Double($0.linkID ?? 0)) }) { $0.linkID.map { "\($0)" } ?? "-" },
        ],
        details: [
            DetailField("prog_id") { "\($0.programID)" },
            DetailField("prog_name") { $0.programName.map(terminalText) },
            DetailField("kind") { terminalText($0.kind) },
            DetailField("attach_point") { terminalText($0.attachPoint) },
            DetailField("target") { terminalText($0.target) },
            DetailField("link_id") { $0.linkID.map { "\($0)" } },
            DetailField("map_id") { $0.mapID.map { "\($0)" } },
            DetailField("devname") { $0.device.map { terminalText($0.name) } },
            DetailField("ifindex") { $0.device.map { "\($0.ifindex)" } },
            DetailField("netns") { a in a.namespace.map { "\(terminalText($0.label)) (inode \($0.inode))" } },
            DetailField("cgroup") { $0.cgroupPath.map(terminalText) },
            DetailField(lines: .both) { a in a.extra.map { ($0.key, terminalText($0.value.text)) } },
        ],
        json: [
            JSONField("kind") { .string($0.kind) },
            JSONField("prog_id") { .unsigned(UInt64($0.programID)) },
            JSONField("prog_name") { $0.programName.map(JSONValue.string) },
            JSONField("attach_point") { .string($0.attachPoint) },
            JSONField("target") { .string($0.target) },
            JSONField("link_id") { $0.linkID.map { .unsigned(UInt64($0)) } },
            JSONField("map_id") { $0.mapID.map { .unsigned(UInt64($0)) } },
            JSONField("devname") { $0.device.map { .string($0.name) } },
            JSONField("ifindex") { $0.device.map { .unsigned(UInt64($0.ifindex)) } },
            JSONField("netns") { a in a.namespace.map(AttachmentEntry.json) },
            JSONField("cgroup") { $0.cgroupPath.map(JSONValue.string) },
            JSONField("details") { a in a.extra.isEmpty ? nil : .object(a.extra.map { ($0.key, $0.value.json) }) },
        ]
    )

    /// A namespace as JSON: {"inode", "name", "pid", "current"}.
    public static func json(_ namespace: NetNamespace) -> JSONValue {
        .object([
            ("inode", .unsigned(namespace.inode)),
            ("name", namespace.name.map(JSONValue.string)),
            ("pid", namespace.pid.map { .signed(Int64($0)) }),
            ("current", .bool(namespace.isCurrent)),
        ])
    }
}

extension AttachmentEntry.Extra.Value: CustomStringConvertible {
    public var description: String { text }

    var text: String {
        switch self {
        case .number(let n): "\(n)"
        case .text(let t): t
        case .flag(let b): b ? "yes" : "no"
        }
    }

    var json: JSONValue {
        switch self {
        case .number(let n): .unsigned(n)
        case .text(let t): .string(t)
        case .flag(let b): .bool(b)
        }
    }
}

import BPFKit
import Formatting
import Netlink
import Platform

/// A link, with where it is pinned and who holds it.
public struct LinkEntry: ReferencedEntry {
    public static let space = BPFObjectKind.link
    public var info: LinkInfo
    /// The linked program's type (bpftool shows it for tracing links).
    public var programType: UInt32?
    /// perf_event tracepoint links: the tracepoint's record layout.
    public var tracepointFormat: TracepointFormat?
    public var pinned: [[UInt8]] = []
    public var pids: [Holder] = []
    /// The linked program's name, when it could be read (the browser).
    public var programName: String?
    /// XDP, tcx and netkit links: the device in its own network namespace,
    /// where bpfnav found it (`AttachmentIndex.place`).
    public var device: NetDevice?
    public var namespace: NetNamespace?
    /// cgroup links: the cgroup's directory.
    public var cgroupPath: String?
    /// struct_ops links: the ops table their map holds.
    public var structOps: StructOpsTable?

    /// What LinkSummary prints of where the link is.
    public var place: LinkSummary.Place {
        LinkSummary.Place(devname: device?.name, netns: namespace?.label, cgroupPath: cgroupPath)
    }

    public var id: UInt32 { info.id }

    public init(info: LinkInfo, programType: UInt32? = nil, tracepointFormat: TracepointFormat? = nil,
                pinned: [[UInt8]] = [], pids: [Holder] = [], programName: String? = nil) {
        self.info = info
        self.programType = programType
        self.tracepointFormat = tracepointFormat
        self.pinned = pinned
        self.pids = pids
        self.programName = programName
    }
}

extension LinkEntry: Presentable {
    public static let presentation = Presentation<LinkEntry>(
        columns: [
            PresentedColumn("ID", ColumnLayout(width: 5, right: true), sort: { .number(Double($0.id)) }) { "\($0.id)" },
            PresentedColumn("TYPE", ColumnLayout(width: 14, priority: 1), sort: { .text($0.info.typeName) }) {
                terminalText($0.info.typeName)
            },
            PresentedColumn("PROG", on: .cli) { $0.programCell },
            PresentedColumn("PROGRAM", on: .browser, ColumnLayout(width: 16, flex: true, priority: 2),
                            sort: { .number(Double($0.info.programID)) }) { l in
                l.structOps != nil ? l.programCell
                    : "\(l.info.programID)" + (l.programName.map { " " + terminalText($0) } ?? "")
            },
            PresentedColumn("ATTACHED", on: .cli) { terminalText($0.attachedText) },
            PresentedColumn("ATTACHED TO", on: .browser, ColumnLayout(width: 20, flex: true),
                            sort: { .text($0.attachedText) }) {
                terminalText($0.attachedText)
            },
        ] + ReferenceFields.columns(),
        details: [
            DetailField("id") { "\($0.id)" },
            DetailField("type") { terminalText($0.info.typeName) },
            DetailField("prog_id", on: .cli) { "\($0.info.programID)" },
            DetailField("prog_type", on: .cli) { $0.programType.map(ProgramType.name) },
            DetailField(lines: .cli) { LinkSummary.pairs($0.info.details, place: $0.place).map { ($0.0, terminalText($0.1)) } },
            DetailField(lines: .cli) { l in
                (l.structOps?.members ?? []).map { ("member", "\(terminalText($0.name)) prog \($0.programID)") }
            },
            DetailField(lines: .cli) { $0.tracepointFormat.map(formatLines) ?? [] },
        ] + ReferenceFields.details(),
        json: [
            JSONField("id") { .unsigned(UInt64($0.id)) },
            JSONField("type") { .string($0.info.typeName) },
            JSONField("prog_id") { .unsigned(UInt64($0.info.programID)) },
            JSONField("details") { .fields(jsonFields($0.info.details, programType: $0.programType,
                                                      tracepointFormat: $0.tracepointFormat, place: $0.place)) },
            // bpfnav's: where bpfnav found the link's device, cgroup or ops table.
            JSONField("netns") { $0.namespace.map(AttachmentEntry.json) },
            JSONField("cgroup") { $0.cgroupPath.map(JSONValue.string) },
            JSONField("struct_ops") { l in
                l.structOps.map { table in
                    .object([("value_type", .string(table.typeName)), ("map_name", .string(table.mapName)),
                             ("members", .array(table.members.map {
                                 .object([("name", .string($0.name)), ("prog_id", .unsigned(UInt64($0.programID)))])
                             }))])
                }
            },
        ] + ReferenceFields.json()
    )

    /// The PROG cell: the program's id; a struct_ops link's member
    /// programs (the link itself has none: the kernel says 0).
    var programCell: String {
        guard let structOps, info.programID == 0 else { return "\(info.programID)" }
        return structOps.members.isEmpty ? "-" : structOps.members.map { "\($0.programID)" }.joined(separator: ",")
    }

    /// The ATTACHED column: LinkSummary's line, with the ops table of a
    /// struct_ops link.
    var attachedText: String {
        if let structOps, case .structOps(let mapID) = info.details {
            return "\(structOps.typeName) \(structOps.mapName) map_id \(mapID)"
        }
        return LinkSummary.text(info.details, place: place)
    }

    /// The tracepoint's record layout as detail lines: "format" and one
    /// line per field.
    static func formatLines(_ format: TracepointFormat) -> [(String, String)] {
        var lines = [("format", "\(terminalText(format.group)):\(terminalText(format.name))"
                        + (format.id.map { " id \($0)" } ?? ""))]
        for field in format.fields {
            let offset = "offset \(field.offset)", size = "size \(field.size)"
            lines.append(("", offset.padded(10) + size.padded(8) + (field.isSigned ? "signed    " : "unsigned  ")
                + terminalText(field.declaration)))
        }
        return lines
    }

    /// The per-type JSON fields of a link, bpftool's names.
    public static func jsonFields(_ details: LinkDetails, programType: UInt32?,
                                  tracepointFormat: TracepointFormat?,
                                  place: LinkSummary.Place? = nil) -> [(StaticString, JSONValue?)] {
        func attach(_ attachType: UInt32) -> (StaticString, JSONValue?) {
            ("attach_type", .string(AttachType.name(attachType)))
        }
        /// bpftool's `devname` + `ifindex`: "(detached)" for index 0,
        /// "(unknown)" when bpfnav did not find the device in any namespace.
        func device(_ ifindex: UInt32) -> [(StaticString, JSONValue?)] {
            [("devname", .string(LinkSummary.deviceName(ifindex, place))), ("ifindex", .unsigned(UInt64(ifindex)))]
        }
        func number<N: BinaryInteger>(_ value: N) -> JSONValue { .unsigned(UInt64(value)) }
        switch details {
        case .rawTracepoint(let name, let cookie):
            return [("tp_name", .string(name)), ("cookie", cookie.map(number))]
        case .tracing(let attachType, let targetObjectID, let targetBTFID, let cookie):
            return [("prog_type", programType.map { .string(ProgramType.name($0)) }), attach(attachType),
                    ("target_obj_id", number(targetObjectID)), ("target_btf_id", number(targetBTFID)),
                    ("cookie", cookie.map(number))]
        case .cgroup(let cgroupID, let attachType):
            return [("cgroup_id", number(cgroupID)), attach(attachType)]
        case .iter(let target, let mapID, let cgroupID, let order, let tid, let pid):
            var fields: [(StaticString, JSONValue?)] = [("target_name", .string(target))]
            if target == "bpf_map_elem" || target == "bpf_sk_storage_map" {
                fields.append(("map_id", number(mapID)))
            } else if target == "task" || target == "task_file" || target == "task_vma" {
                if tid != 0 {
                    fields.append(("tid", number(tid)))
                } else if pid != 0 {
                    fields.append(("pid", number(pid)))
                }
            }
            if target == "cgroup" {
                fields += [("cgroup_id", number(cgroupID)), ("order", .string(LinkSummary.cgroupIterOrder(order)))]
            }
            return fields
        case .netns(let inode, let attachType):
            return [("netns_ino", number(inode)), attach(attachType)]
        case .xdp(let ifindex):
            return device(ifindex)
        case .structOps(let mapID):
            return [("map_id", number(mapID))]
        case .netfilter(let family, let hook, let priority, let flags):
            return [("pf", number(family)), ("hook", number(hook)), ("prio", .signed(Int64(priority))),
                    ("flags", number(flags))]
        case .kprobeMulti(let count, let flags, let missed):
            return [("retprobe", .bool(flags & 1 != 0)), ("func_cnt", number(count)), ("missed", missed.map(number))]
        case .uprobeMulti(let path, let count, let flags, let pid):
            return [("retprobe", .bool(flags & 1 != 0)), ("path", .string(path)), ("func_cnt", number(count)),
                    ("pid", number(pid))]
        case .perfEvent(let event):
            var fields: [(StaticString, JSONValue?)]
            switch event {
            case .kprobe(let function, let offset, let address, let missed, let retprobe, _):
                fields = [("retprobe", .bool(retprobe)), ("addr", number(address)), ("func", .string(function)),
                          ("offset", number(offset)), ("missed", missed.map(number))]
            case .uprobe(let file, let offset, let retprobe, _, let refCtrOffset):
                fields = [("retprobe", .bool(retprobe)), ("file", .string(file)), ("offset", number(offset)),
                          ("ref_ctr_offset", refCtrOffset.map(number))]
            case .tracepoint(let name, _):
                fields = [("tracepoint", .string(name)), ("format", tracepointFormat.map(json))]
            case .event(let config, let type, _):
                fields = [("event_type", PerfEventNames.type(type).map(JSONValue.string) ?? number(type)),
                          ("event_config", PerfEventNames.config(type: type, config: config).map(JSONValue.string)
                              ?? number(config))]
            case .notReported:
                fields = []  // nothing known: no fields, as for info the kernel did not return
            case .unknown(let type):
                fields = [("perf_event_type", number(type))]
            }
            fields.append(("cookie", event.cookie.map(number)))
            return fields
        case .tcx(let ifindex, let attachType), .netkit(let ifindex, let attachType):
            return device(ifindex) + [attach(attachType)]
        case .sockmap(let mapID, let attachType):
            return [("map_id", number(mapID)), attach(attachType)]
        case .unknown:
            return []
        }
    }

    /// The tracepoint's record layout from tracefs.
    static func json(_ format: TracepointFormat) -> JSONValue {
        .object([
            ("group", .string(format.group)), ("name", .string(format.name)),
            ("id", format.id.map { .unsigned(UInt64($0)) }),
            ("fields", .array(format.fields.map { field in
                .object([("name", .string(field.name)), ("declaration", .string(field.declaration)),
                         ("offset", .unsigned(UInt64(field.offset))), ("size", .unsigned(UInt64(field.size))),
                         ("signed", .bool(field.isSigned))])
            })),
        ])
    }
}

fileprivate extension String {
    /// Left-aligned in `width` columns, at least one space after.
    func padded(_ width: Int) -> String {
        self + String(repeating: " ", count: Swift.max(1, width - count))
    }
}

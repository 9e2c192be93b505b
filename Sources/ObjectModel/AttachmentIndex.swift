import BPFKit
import Formatting
import Netlink

/// Every place every program runs, from the links, the network namespaces,
/// the cgroup tree and the struct_ops maps; looked up by program.
///
/// Where one place is seen twice (an XDP link is also IFLA_XDP's program; a
/// tcx link is also in BPF_PROG_QUERY's list), it is listed once, from the
/// side that knows more (the device's namespace), with the link's id.
public struct AttachmentIndex: Sendable {
    public var all: [AttachmentEntry]
    /// What could not be read (a namespace, a cgroup), for a warning.
    public var errors: [String]
    /// What the index was built from: links are resolved against them.
    public var net: NetSnapshot
    public var cgroups: CgroupSnapshot
    public var structOps: [StructOpsTable]
    private var byProgram: [UInt32: [Int]]

    public init(_ entries: [AttachmentEntry], errors: [String] = [], net: NetSnapshot = NetSnapshot(namespaces: []),
                cgroups: CgroupSnapshot = CgroupSnapshot(root: nil, attachments: [], paths: [:], errors: []),
                structOps: [StructOpsTable] = []) {
        all = entries
        self.errors = errors
        self.net = net
        self.cgroups = cgroups
        self.structOps = structOps
        var index: [UInt32: [Int]] = [:]
        for (i, entry) in entries.enumerated() { index[entry.programID, default: []].append(i) }
        byProgram = index
    }

    public func of(program id: UInt32) -> [AttachmentEntry] {
        (byProgram[id] ?? []).map { all[$0] }
    }

    /// The browser's order: by group (device in its namespace, cgroup,
    /// hook), then kind and program.
    public static func browsingOrder(_ entries: [AttachmentEntry]) -> [AttachmentEntry] {
        entries.sorted { ($0.group, $0.kind, $0.programID) < ($1.group, $1.kind, $1.programID) }
    }

    /// Reads the system: network namespaces, the cgroup tree, struct_ops
    /// maps, and `links` (listed here when not given). `maps`: every map,
    /// when the caller has listed them already (only struct_ops maps,
    /// sockmaps and sockhashes are opened again). `namespaces`: the network
    /// namespaces to read, when the caller has found them (a long-lived
    /// `NetNamespaceScanner`); else `NetNamespace.all()`.
    public static func collect(links: [LinkEntry]? = nil, maps listed: [MapInfo]? = nil,
                               namespaces: [NetNamespace]? = nil) -> AttachmentIndex {
        let links = links ?? ((try? Objects.links()) ?? [])
        let net = NetSnapshot.collect(namespaces: namespaces ?? NetNamespace.all())
        let cgroups = CgroupSnapshot.collect()
        let maps = MapAttachments.collect(listed)
        return build(links: links, net: net, cgroups: cgroups, structOps: maps.structOps, sockMaps: maps.sockMaps,
                     programName: ProgramNames().name, tracingTarget: TracingTargets().name)
    }

    /// The index from snapshots alone (no I/O but `programName`).
    public static func build(links: [LinkEntry], net: NetSnapshot, cgroups: CgroupSnapshot,
                             structOps: [StructOpsTable], sockMaps: [SockMapProgram] = [],
                             programName: (UInt32) -> String?,
                             tracingTarget: (UInt32, UInt32, UInt32) -> String? = { _, _, _ in nil }) -> AttachmentIndex {
        var entries: [AttachmentEntry] = []
        var errors: [String] = net.namespaces.flatMap { ns in ns.errors.map { "netns \(ns.namespace.label): \($0)" } }
        errors += cgroups.errors
        // Links whose place the net or cgroup side lists: their ids, to
        // fill in there instead of listing them twice.
        var xdpLinks: [String: UInt32] = [:]     // "ifindex/prog"
        var netnsLinks: [String: UInt32] = [:]   // "inode/attach type/prog"
        var sockMapLinks: [String: UInt32] = [:] // "map/attach type/prog"
        for link in links {
            switch link.info.details {
            case .xdp(let ifindex):
                xdpLinks["\(ifindex)/\(link.info.programID)"] = link.id
            case .netns(let inode, let attachType):
                netnsLinks["\(inode)/\(attachType)/\(link.info.programID)"] = link.id
            case .sockmap(let mapID, let attachType):
                sockMapLinks["\(mapID)/\(attachType)/\(link.info.programID)"] = link.id
            default:
                break
            }
        }

        for ns in net.namespaces {
            let namespace = ns.namespace
            func onDevice(_ device: NetDevice) -> String { "\(device.name) (netns \(namespace.label))" }
            for x in ns.xdp {
                let link = xdpLinks.removeValue(forKey: "\(x.device.ifindex)/\(x.programID)")
                entries.append(AttachmentEntry(kind: "xdp", programID: x.programID, attachPoint: x.mode.rawValue,
                                               target: onDevice(x.device), linkID: link, device: x.device,
                                               namespace: namespace))
            }
            for f in ns.tc {
                var extra: [AttachmentEntry.Extra] = [
                    .init("priority", .number(UInt64(f.priority))), .init("handle", .text(hexHandle(f.handle))),
                ]
                if let chain = f.chain { extra.append(.init("chain", .number(UInt64(chain)))) }
                if let id = f.programID {
                    extra.append(.init("direct_action", .flag(f.directAction)))
                    entries.append(AttachmentEntry(kind: "tc", programID: id, programName: f.programName,
                                                   attachPoint: f.attachPoint, target: onDevice(f.device),
                                                   device: f.device, namespace: namespace, extra: extra))
                }
                for action in f.actions {
                    entries.append(AttachmentEntry(
                        kind: "tc_action", programID: action.programID, programName: action.programName,
                        attachPoint: "\(f.attachPoint) \(f.kind) filter", target: onDevice(f.device),
                        device: f.device, namespace: namespace,
                        extra: extra + [.init("action_index", .number(UInt64(action.index)))]))
                }
            }
            for m in ns.multiProg {
                let name = AttachType.name(m.attachType)
                let point = name.hasPrefix("tcx_") ? "tcx/" + name.dropFirst(4) : "netkit/" + name.dropFirst(7)
                entries.append(AttachmentEntry(
                    kind: name.hasPrefix("tcx_") ? "tcx" : "netkit", programID: m.programID, attachPoint: point,
                    target: onDevice(m.device), linkID: m.linkID, device: m.device, namespace: namespace,
                    extra: [.init("position", .number(UInt64(m.position)))]))
            }
            // Standalone actions: those no filter here runs already.
            let bound = Set(ns.tc.flatMap { $0.actions.map(\.index) })
            for action in ns.actions where !bound.contains(action.index) {
                entries.append(AttachmentEntry(
                    kind: "tc_action", programID: action.programID, programName: action.programName,
                    attachPoint: "action table", target: "action bpf index \(action.index) (netns \(namespace.label))",
                    namespace: namespace, extra: [.init("action_index", .number(UInt64(action.index)))]))
            }
            for p in ns.namespacePrograms {
                // The query names no link for these: the netns link with
                // this namespace, hook and program is it.
                let link = p.linkID ?? netnsLinks.removeValue(forKey: "\(namespace.inode)/\(p.attachType)/\(p.programID)")
                entries.append(AttachmentEntry(
                    kind: AttachType.name(p.attachType), programID: p.programID, attachPoint: AttachType.name(p.attachType),
                    target: "netns \(namespace.label)", linkID: link, namespace: namespace))
            }
        }
        // Programs attached to a sockmap or sockhash itself: a sockmap
        // link's place too, which the query does not name.
        for p in sockMaps {
            let link = sockMapLinks.removeValue(forKey: "\(p.mapID)/\(p.attachType)/\(p.programID)")
            entries.append(AttachmentEntry(kind: "sockmap", programID: p.programID, attachPoint: AttachType.name(p.attachType),
                                           target: "\(MapType.name(p.mapType)) \(p.mapName) map \(p.mapID)",
                                           linkID: link, mapID: p.mapID))
        }
        let listedLinks = Set(entries.compactMap(\.linkID))

        for c in cgroups.attachments where !c.inherited {
            var extra: [AttachmentEntry.Extra] = []
            if c.attachFlags != 0 { extra.append(.init("attach_flags", .text(CgroupAttachment.flagsName(c.attachFlags)))) }
            entries.append(AttachmentEntry(kind: "cgroup", programID: c.programID, attachPoint: AttachType.name(c.attachType),
                                           target: c.path, linkID: c.linkID, cgroupPath: c.path, extra: extra))
        }
        let cgroupLinks = Set(cgroups.attachments.compactMap(\.linkID))

        for table in structOps {
            for member in table.members {
                entries.append(AttachmentEntry(kind: "struct_ops", programID: member.programID,
                                               attachPoint: "\(table.typeName).\(member.name)",
                                               target: "\(table.typeName) \(table.mapName)", mapID: table.mapID))
            }
        }

        // The links not seen above: each by its type, with what it names.
        for link in links where !listedLinks.contains(link.id) && !cgroupLinks.contains(link.id) {
            guard var entry = attachment(of: link, net: net, cgroups: cgroups) else { continue }
            if case .tracing(_, let objectID, let btfID, _) = link.info.details,
               let function = tracingTarget(link.info.programID, objectID, btfID) {
                entry.target = function
            }
            entries.append(entry)
        }
        for i in entries.indices where entries[i].programName == nil {
            entries[i].programName = programName(entries[i].programID)
        }
        return AttachmentIndex(entries, errors: errors, net: net, cgroups: cgroups, structOps: structOps)
    }

    /// Fills in where `link` is: its device in its own namespace, its
    /// cgroup's path, its ops table.
    public func place(_ link: inout LinkEntry) {
        let programID = link.info.programID
        switch link.info.details {
        case .xdp(let ifindex):
            if let (ns, device) = net.xdpDevice(ifindex: ifindex, programID: programID) {
                link.device = device
                link.namespace = ns
            }
        case .tcx(let ifindex, let attachType), .netkit(let ifindex, let attachType):
            if let (ns, device) = net.multiProgDevice(ifindex: ifindex, programID: programID, attachType: attachType) {
                link.device = device
                link.namespace = ns
            }
        case .cgroup(let cgroupID, _):
            link.cgroupPath = cgroups.path(forID: cgroupID)
        case .netns(let inode, _):
            link.namespace = net.namespaces.first { $0.namespace.inode == UInt64(inode) }?.namespace
        case .structOps(let mapID):
            link.structOps = structOps.first { $0.mapID == mapID }
        default:
            break
        }
    }

    /// A link's place, when it has one (struct_ops links run no program of
    /// their own: their table's members are listed instead). Its device,
    /// namespace and cgroup are those `place` finds.
    static func attachment(of link: LinkEntry, net: NetSnapshot, cgroups: CgroupSnapshot) -> AttachmentEntry? {
        var link = link
        AttachmentIndex([], net: net, cgroups: cgroups).place(&link)
        let info = link.info
        let kind = info.typeName
        var entry = AttachmentEntry(kind: kind, programID: info.programID, attachPoint: kind,
                                    target: LinkSummary.text(info.details), linkID: link.id, device: link.device,
                                    namespace: link.namespace, cgroupPath: link.cgroupPath)
        func onDevice(_ ifindex: UInt32) -> String {
            if let device = link.device, let ns = link.namespace { return "\(device.name) (netns \(ns.label))" }
            return ifindex == 0 ? "(detached)" : "ifindex \(ifindex) (device name unknown: its namespace was not found)"
        }
        switch info.details {
        case .structOps:
            return nil
        case .xdp(let ifindex):
            entry.attachPoint = "link"
            entry.target = onDevice(ifindex)
        case .tcx(let ifindex, let attachType), .netkit(let ifindex, let attachType):
            entry.attachPoint = AttachType.name(attachType)
            entry.target = onDevice(ifindex)
        case .cgroup(let cgroupID, let attachType):
            entry.kind = "cgroup"
            entry.attachPoint = AttachType.name(attachType)
            entry.target = link.cgroupPath ?? "cgroup id \(cgroupID)"
        case .netns(let inode, let attachType):
            entry.kind = AttachType.name(attachType)
            entry.attachPoint = AttachType.name(attachType)
            entry.target = "netns " + (link.namespace?.label ?? "inode \(inode)")
        case .netfilter:
            entry.attachPoint = "hook"
        case .sockmap(let mapID, let attachType):
            entry.attachPoint = AttachType.name(attachType)
            entry.mapID = mapID
            entry.target = "map \(mapID)"
        case .tracing(let attachType, _, _, _):
            entry.attachPoint = AttachType.name(attachType)
        default:
            break
        }
        return entry
    }

    /// tc's handle notation: "1" for 1, "ffff:fff1" for majors.
    static func hexHandle(_ handle: UInt32) -> String {
        let major = handle >> 16, minor = handle & 0xffff
        return major == 0 ? String(minor, radix: 16) : String(major, radix: 16) + ":" + String(minor, radix: 16)
    }
}

/// A program attached to a sockmap or sockhash itself.
public struct SockMapProgram: Sendable, Hashable {
    public var mapID: UInt32
    public var mapName: String
    public var mapType: UInt32
    public var attachType: UInt32
    public var programID: UInt32

    public init(mapID: UInt32, mapName: String, mapType: UInt32, attachType: UInt32, programID: UInt32) {
        self.mapID = mapID
        self.mapName = mapName
        self.mapType = mapType
        self.attachType = attachType
        self.programID = programID
    }
}

/// What maps say about where programs run: struct_ops tables, and the
/// programs attached to sockmaps and sockhashes. One pass over the maps.
struct MapAttachments {
    var structOps: [StructOpsTable] = []
    var sockMaps: [SockMapProgram] = []

    /// `listed`: every map, when known (by type, to open only the ones
    /// that matter here).
    static func collect(_ listed: [MapInfo]? = nil) -> MapAttachments {
        var found = MapAttachments()
        let wanted: Set<UInt32> = [MapType.structOps.rawValue, MapType.sockmap.rawValue, MapType.sockhash.rawValue]
        guard let ids = listed.map({ $0.filter { wanted.contains($0.type) }.map(\.id) }) ?? (try? BPFObjectKind.map.ids())
        else { return found }
        var vmlinux: BTF?
        for id in ids {
            guard let fd = try? BPFObjectKind.map.open(id), let info = try? MapInfo(fd: fd.raw) else { continue }
            switch info.type {
            case MapType.structOps.rawValue:
                if vmlinux == nil { vmlinux = try? BTF.vmlinux() }
                if let table = StructOpsTable.read(fd: fd.raw, info: info, vmlinux: vmlinux) { found.structOps.append(table) }
            case MapType.sockmap.rawValue, MapType.sockhash.rawValue:
                // Kernels before 6.0 cannot query a sockmap: nothing to list there.
                for type in AttachType.sockMapTypes {
                    guard let query = try? ProgQuery.query(target: fd.raw, attachType: type) else { continue }
                    for entry in query.entries {
                        found.sockMaps.append(SockMapProgram(mapID: info.id, mapName: info.name, mapType: info.type,
                                                             attachType: type, programID: entry.programID))
                    }
                }
            default:
                break
            }
        }
        return found
    }
}

/// The function a tracing or LSM link attaches to, by name: type
/// `target_btf_id` of BTF object `target_obj_id` (vmlinux's, a module's on
/// top of it) — or of the target program's BTF for a program target
/// (freplace, fentry on a BPF program), where the kernel gives the target
/// program's id as `target_obj_id`. Which one it is: the linked program's
/// `attach_btf_obj_id` is the BTF object's id for a kernel target, 0 for
/// a program target.
final class TracingTargets {
    private var btfs: [UInt32: BTF?] = [:]
    private lazy var vmlinux: BTF? = try? BTF.vmlinux()

    func name(_ programID: UInt32, _ objectID: UInt32, _ btfID: UInt32) -> String? {
        guard btfID != 0, let linked = try? ProgramInfo(id: programID) else { return nil }
        if linked.attachBTFObjectID == objectID, let btf = btf(objectID), btf.kind(btfID) == .function {
            let name = btf.name(btfID)
            if !name.isEmpty { return name }
        }
        guard linked.attachBTFObjectID == 0 else { return nil }
        // A program target: its own BTF.
        guard let fd = try? BPFObjectKind.program.open(objectID), let info = try? ProgramInfo(fd: fd.raw),
              info.btfID != 0, let btf = btf(info.btfID), btf.kind(btfID) == .function else { return nil }
        let name = btf.name(btfID)
        return name.isEmpty ? nil : "\(name) (program \(objectID) \(info.name))"
    }

    private func btf(_ id: UInt32) -> BTF? {
        if let known = btfs[id] { return known }
        // vmlinux's id is the first; a module's BTF needs vmlinux as its base.
        let loaded = (try? BTF.load(id: id)) ?? (try? BTF.load(id: id, base: vmlinux))
        btfs[id] = loaded
        return loaded
    }
}

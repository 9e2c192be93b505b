import BPFKit

/// What a link attaches, in words: the ATTACHED column and the detail view.
public enum LinkSummary {
    /// A field the kernel returned; none for one an older kernel did not.
    static func given(_ key: String, _ value: UInt64?) -> [(String, String)] {
        value.map { [(key, "\($0)")] } ?? []
    }

    /// Where a link's device is, when bpfnav found it: its name in its own
    /// network namespace, and that namespace's name.
    public struct Place: Sendable, Equatable {
        public var devname: String?
        public var netns: String?
        /// A cgroup link's cgroup directory.
        public var cgroupPath: String?

        public init(devname: String? = nil, netns: String? = nil, cgroupPath: String? = nil) {
            self.devname = devname
            self.netns = netns
            self.cgroupPath = cgroupPath
        }
    }

    /// (field, value) pairs under bpftool's JSON names, with `place`'s
    /// device name and namespace, or cgroup path, where bpfnav found them.
    public static func pairs(_ details: LinkDetails, place: Place? = nil) -> [(String, String)] {
        func device(_ ifindex: UInt32) -> [(String, String)] {
            [("devname", deviceName(ifindex, place)), ("ifindex", "\(ifindex)")]
                + (place?.netns.map { [("netns", $0)] } ?? [])
        }
        switch details {
        case .rawTracepoint(let name, let cookie):
            return [("tp_name", name)] + given("cookie", cookie)
        case .tracing(let attachType, let objectID, let btfID, let cookie):
            return [("attach_type", AttachType.name(attachType)), ("target_obj_id", "\(objectID)"),
                    ("target_btf_id", "\(btfID)")] + given("cookie", cookie)
        case .cgroup(let cgroupID, let attachType):
            return [("cgroup_id", "\(cgroupID)")] + (place?.cgroupPath.map { [("cgroup", $0)] } ?? [])
                + [("attach_type", AttachType.name(attachType))]
        case .iter(let target, let mapID, let cgroupID, let order, let tid, let pid):
            var pairs = [("target_name", target)]
            if mapID != 0 { pairs.append(("map_id", "\(mapID)")) }
            if tid != 0 { pairs.append(("tid", "\(tid)")) } else if pid != 0 { pairs.append(("pid", "\(pid)")) }
            if target == "cgroup" {
                pairs += [("cgroup_id", "\(cgroupID)"), ("order", LinkSummary.cgroupIterOrder(order))]
            }
            return pairs
        case .netns(let inode, let attachType):
            return [("netns_ino", "\(inode)"), ("attach_type", AttachType.name(attachType))]
        case .xdp(let ifindex):
            return device(ifindex)
        case .structOps(let mapID):
            return [("map_id", "\(mapID)")]
        case .netfilter(let family, let hook, let priority, let flags):
            return [("pf", NetfilterNames.family(family) ?? "\(family)"),
                    ("hook", NetfilterNames.hook(hook, family: family) ?? "\(hook)"),
                    ("prio", "\(priority)"), ("flags", "\(flags)")]
        case .kprobeMulti(let count, let flags, let missed):
            return [("retprobe", flags & 1 != 0 ? "yes" : "no"), ("func_cnt", "\(count)")] + given("missed", missed)
        case .uprobeMulti(let path, let count, let flags, let pid):
            return [("retprobe", flags & 1 != 0 ? "yes" : "no"), ("path", path), ("func_cnt", "\(count)"),
                    ("pid", "\(pid)")]
        case .perfEvent(let event):
            switch event {
            case .kprobe(let function, let offset, let address, let missed, let retprobe, let cookie):
                return [("retprobe", retprobe ? "yes" : "no"), ("func", function), ("offset", "\(offset)"),
                        ("addr", "0x" + String(address, radix: 16))] + given("missed", missed) + given("cookie", cookie)
            case .uprobe(let file, let offset, let retprobe, let cookie, let refCtrOffset):
                return [("retprobe", retprobe ? "yes" : "no"), ("file", file), ("offset", "0x" + String(offset, radix: 16))]
                    + given("cookie", cookie)
                    + (refCtrOffset.map { $0 != 0 ? [("ref_ctr_offset", "0x" + String($0, radix: 16))] : [] } ?? [])
            case .tracepoint(let name, let cookie):
                return [("tracepoint", name)] + given("cookie", cookie)
            case .event(let config, let type, let cookie):
                return [("event_type", PerfEventNames.type(type) ?? "\(type)"),
                        ("event_config", PerfEventNames.config(type: type, config: config) ?? "\(config)")]
                    + given("cookie", cookie)
            case .notReported:
                return [("target", "not reported (perf_event link details need Linux 6.6)")]
            case .unknown(let type):
                return [("perf_event_type", "\(type)")]
            }
        case .tcx(let ifindex, let attachType), .netkit(let ifindex, let attachType):
            return device(ifindex) + [("attach_type", AttachType.name(attachType))]
        case .sockmap(let mapID, let attachType):
            return [("map_id", "\(mapID)"), ("attach_type", AttachType.name(attachType))]
        case .unknown:
            return []
        }
    }

    /// One line for a table.
    public static func text(_ details: LinkDetails, place: Place? = nil) -> String {
        switch details {
        case .rawTracepoint(let name, _):
            return name
        case .iter(let target, let mapID, let cgroupID, let order, let tid, let pid):
            var text = target
            if tid != 0 { text += " tid \(tid)" } else if pid != 0 { text += " pid \(pid)" }
            if mapID != 0 { text += " map \(mapID)" }
            if target == "cgroup" { text += " cgroup \(cgroupID) \(LinkSummary.cgroupIterOrder(order))" }
            return text
        case .perfEvent(.kprobe(let function, let offset, _, _, let retprobe, _)):
            return (retprobe ? "kretprobe " : "kprobe ") + function + (offset != 0 ? "+\(offset)" : "")
        case .perfEvent(.uprobe(let file, let offset, let retprobe, _, _)):
            return (retprobe ? "uretprobe " : "uprobe ") + file + "+0x" + String(offset, radix: 16)
        case .perfEvent(.tracepoint(let name, _)):
            return "tracepoint " + name
        case .tracing:
            // The cookie is for the detail view, as a kprobe's is: the line stays what it names.
            return pairs(details, place: place).filter { $0.0 != "cookie" }.map { "\($0.0) \($0.1)" }.joined(separator: " ")
        default:
            return pairs(details, place: place).map { "\($0.0) \($0.1)" }.joined(separator: " ")
        }
    }

    /// A link's device by name: where bpfnav found it (in its own network
    /// namespace), "(detached)" for index 0, else "(unknown)". Never the
    /// device with the same index in bpfnav's own namespace: the link may
    /// have been made in another, where the index names another device.
    public static func deviceName(_ ifindex: UInt32, _ place: Place?) -> String {
        if ifindex == 0 { return "(detached)" }
        return place?.devname ?? "(unknown)"
    }

    /// bpftool's names of `enum bpf_cgroup_iter_order`.
    public static func cgroupIterOrder(_ order: UInt32) -> String {
        CgroupIterOrder.name(order)
    }
}

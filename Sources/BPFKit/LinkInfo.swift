import CLibBPF
import Glibc

/// `bpf_link_info` of any link, decoded per link type through the members
/// of the uapi header CLibBPF includes (a current kernel's, not Debian 12's
/// 6.1: links gained types and members until 6.18 — perf_event,
/// kprobe_multi, uprobe_multi, tcx, netkit, sockmap, netfilter). The kernel
/// writes min(its size, ours) bytes and returns that length; what it did not
/// write stays zero, and the members whose zero would be a lie (they came
/// after their link type) are nil past that length.
public struct LinkInfo: Equatable, Sendable {
    public var id: UInt32
    public var type: UInt32
    public var programID: UInt32
    public var details: LinkDetails

    public var typeName: String { LinkType.name(type) }

    /// The bytes given to the kernel: the header's whole struct.
    static let bufferSize = MemoryLayout<bpf_link_info>.size

    public init(fd: Int32) throws(BPFError) {
        // First pass: the type. Second pass: with a buffer for the name the
        // type carries.
        var info = try KernelInfo.get(fd, bpf_link_info(), "get info of link", "fd \(fd)")
        var name: [UInt8] = []
        if let point = Self.nameBuffer(type: info.value.type) {
            (info, name) = try KernelInfo.get(fd, bpf_link_info(), filling: 4096, of: UInt8.self,
                                              "get info of link", "fd \(fd)", point: point)
        }
        let text = String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
        type = info.value.type
        id = info.value.id
        programID = info.value.prog_id
        details = LinkDetails(info, name: text)
    }

    public init(id: UInt32) throws(BPFError) {
        let fd = try BPFObjectKind.link.open(id)
        try self.init(fd: fd.raw)
    }

    /// A link described by its parts, without the kernel (tests).
    init(id: UInt32, type: UInt32, programID: UInt32, details: LinkDetails) {
        self.id = id
        self.type = type
        self.programID = programID
        self.details = details
    }

    /// Aims the member that receives a link type's name (a pointer and its
    /// length) at a buffer; nil for the types without one.
    static func nameBuffer(type: UInt32) -> ((inout bpf_link_info, UInt64, UInt32) -> Void)? {
        switch type {
        case BPF_LINK_TYPE_RAW_TRACEPOINT.rawValue:
            { info, address, count in info.raw_tracepoint.tp_name = address; info.raw_tracepoint.tp_name_len = count }
        case BPF_LINK_TYPE_ITER.rawValue:
            { info, address, count in info.iter.target_name = address; info.iter.target_name_len = count }
        case BPF_LINK_TYPE_PERF_EVENT.rawValue:
            // The uprobe, kprobe and tracepoint members put the file,
            // function or tracepoint name in one place (shim.h asserts it);
            // the kernel fills the one of the link's kind.
            { info, address, count in info.perf_event.kprobe.func_name = address; info.perf_event.kprobe.name_len = count }
        case BPF_LINK_TYPE_UPROBE_MULTI.rawValue:
            { info, address, count in info.uprobe_multi.path = address; info.uprobe_multi.path_size = count }
        default: nil
        }
    }
}

extension KernelInfo<bpf_link_info> {
    /// `read`'s member if the kernel wrote all of it: it ends at `end`
    /// (shim.h's offsetof, as Swift has no offset of a union member).
    func given<Value>(_ end: bpfnav_link_info_end, _ read: (bpf_link_info) -> Value) -> Value? {
        let size = MemoryLayout<Value>.size
        return kernelWrote(offset: Int(end.rawValue) - size, size: size, length: length) ? read(value) : nil
    }
}

/// What a link attaches, per link type. A field the running kernel did not
/// return (its `bpf_link_info` is shorter) is nil: the fields added after
/// the link type itself (kprobe_multi's and kprobe's `missed`, uprobe's
/// `ref_ctr_offset`, the attach cookie). Iterator links' tid/pid (6.1) read
/// 0 from an older kernel, which is what they mean there: no parameter.
public enum LinkDetails: Equatable, Sendable {
    /// `cookie`: nil where the kernel's bpf_link_info ends before it (5.10's
    /// is 32 bytes); 0 from a kernel that returns the bytes but has no
    /// cookie for the type, as bpftool shows it.
    case rawTracepoint(name: String, cookie: UInt64?)
    case tracing(attachType: UInt32, targetObjectID: UInt32, targetBTFID: UInt32, cookie: UInt64?)
    case cgroup(cgroupID: UInt64, attachType: UInt32)
    case iter(target: String, mapID: UInt32, cgroupID: UInt64, order: UInt32, tid: UInt32, pid: UInt32)
    case netns(inode: UInt32, attachType: UInt32)
    case xdp(ifindex: UInt32)
    case structOps(mapID: UInt32)
    case netfilter(protocolFamily: UInt32, hook: UInt32, priority: Int32, flags: UInt32)
    case kprobeMulti(count: UInt32, flags: UInt32, missed: UInt64?)
    case uprobeMulti(path: String, count: UInt32, flags: UInt32, pid: UInt32)
    case perfEvent(PerfEventLink)
    case tcx(ifindex: UInt32, attachType: UInt32)
    case netkit(ifindex: UInt32, attachType: UInt32)
    case sockmap(mapID: UInt32, attachType: UInt32)
    case unknown

    /// What the kernel returned; `name` is what it wrote into the buffer
    /// `LinkInfo.nameBuffer` aimed its member at.
    init(_ returned: KernelInfo<bpf_link_info>, name: String) {
        let info = returned.value
        switch info.type {
        case BPF_LINK_TYPE_RAW_TRACEPOINT.rawValue:
            self = .rawTracepoint(name: name,
                                  cookie: returned.given(BPFNAV_LINK_RAW_TRACEPOINT_COOKIE_END) { $0.raw_tracepoint.cookie })
        case BPF_LINK_TYPE_TRACING.rawValue:
            self = .tracing(attachType: info.tracing.attach_type, targetObjectID: info.tracing.target_obj_id,
                            targetBTFID: info.tracing.target_btf_id,
                            cookie: returned.given(BPFNAV_LINK_TRACING_COOKIE_END) { $0.tracing.cookie })
        case BPF_LINK_TYPE_CGROUP.rawValue:
            self = .cgroup(cgroupID: info.cgroup.cgroup_id, attachType: info.cgroup.attach_type)
        case BPF_LINK_TYPE_ITER.rawValue:
            // The second union holds cgroup (id, order) or task (tid, pid).
            let isCgroup = name == "cgroup"
            self = .iter(target: name, mapID: info.iter.map.map_id,
                         cgroupID: isCgroup ? info.iter.cgroup.cgroup_id : 0,
                         order: isCgroup ? info.iter.cgroup.order : 0,
                         tid: isCgroup ? 0 : info.iter.task.tid, pid: isCgroup ? 0 : info.iter.task.pid)
        case BPF_LINK_TYPE_NETNS.rawValue:
            self = .netns(inode: info.netns.netns_ino, attachType: info.netns.attach_type)
        case BPF_LINK_TYPE_XDP.rawValue:
            self = .xdp(ifindex: info.xdp.ifindex)
        case BPF_LINK_TYPE_PERF_EVENT.rawValue:
            self = .perfEvent(PerfEventLink(returned, name: name))
        case BPF_LINK_TYPE_KPROBE_MULTI.rawValue:
            self = .kprobeMulti(count: info.kprobe_multi.count, flags: info.kprobe_multi.flags,
                                missed: returned.given(BPFNAV_LINK_KPROBE_MULTI_MISSED_END) { $0.kprobe_multi.missed })
        case BPF_LINK_TYPE_STRUCT_OPS.rawValue:
            self = .structOps(mapID: info.struct_ops.map_id)
        case BPF_LINK_TYPE_NETFILTER.rawValue:
            self = .netfilter(protocolFamily: info.netfilter.pf, hook: info.netfilter.hooknum,
                              priority: info.netfilter.priority, flags: info.netfilter.flags)
        case BPF_LINK_TYPE_TCX.rawValue:
            self = .tcx(ifindex: info.tcx.ifindex, attachType: info.tcx.attach_type)
        case BPF_LINK_TYPE_UPROBE_MULTI.rawValue:
            self = .uprobeMulti(path: name, count: info.uprobe_multi.count, flags: info.uprobe_multi.flags,
                                pid: info.uprobe_multi.pid)
        case BPF_LINK_TYPE_NETKIT.rawValue:
            self = .netkit(ifindex: info.netkit.ifindex, attachType: info.netkit.attach_type)
        case BPF_LINK_TYPE_SOCKMAP.rawValue:
            self = .sockmap(mapID: info.sockmap.map_id, attachType: info.sockmap.attach_type)
        default:
            self = .unknown
        }
    }
}

/// A perf_event link: a kprobe, uprobe, tracepoint or perf event (6.6).
/// The attach cookie (`bpf_get_attach_cookie()`) is there since 6.9; a
/// field past what the kernel returned is nil.
public enum PerfEventLink: Equatable, Sendable {
    case kprobe(function: String, offset: UInt32, address: UInt64, missed: UInt64?, retprobe: Bool, cookie: UInt64?)
    case uprobe(file: String, offset: UInt32, retprobe: Bool, cookie: UInt64?, refCtrOffset: UInt64?)
    case tracepoint(name: String, cookie: UInt64?)
    case event(config: UInt64, type: UInt32, cookie: UInt64?)
    /// The kernel says nothing of what the link is attached to: perf_event
    /// links are described from 6.6 (type BPF_PERF_EVENT_UNSPEC, 0, before).
    case notReported
    case unknown(UInt32)

    init(_ returned: KernelInfo<bpf_link_info>, name: String) {
        let event = returned.value.perf_event
        switch event.type {
        case BPF_PERF_EVENT_UPROBE.rawValue, BPF_PERF_EVENT_URETPROBE.rawValue:
            self = .uprobe(file: name, offset: event.uprobe.offset,
                           retprobe: event.type == BPF_PERF_EVENT_URETPROBE.rawValue,
                           cookie: returned.given(BPFNAV_LINK_UPROBE_COOKIE_END) { $0.perf_event.uprobe.cookie },
                           refCtrOffset: returned.given(BPFNAV_LINK_UPROBE_REF_CTR_OFFSET_END) {
                               $0.perf_event.uprobe.ref_ctr_offset
                           })
        case BPF_PERF_EVENT_KPROBE.rawValue, BPF_PERF_EVENT_KRETPROBE.rawValue:
            self = .kprobe(function: name, offset: event.kprobe.offset, address: event.kprobe.addr,
                           missed: returned.given(BPFNAV_LINK_KPROBE_MISSED_END) { $0.perf_event.kprobe.missed },
                           retprobe: event.type == BPF_PERF_EVENT_KRETPROBE.rawValue,
                           cookie: returned.given(BPFNAV_LINK_KPROBE_COOKIE_END) { $0.perf_event.kprobe.cookie })
        case BPF_PERF_EVENT_TRACEPOINT.rawValue:
            self = .tracepoint(name: name,
                               cookie: returned.given(BPFNAV_LINK_TRACEPOINT_COOKIE_END) { $0.perf_event.tracepoint.cookie })
        case BPF_PERF_EVENT_EVENT.rawValue:
            self = .event(config: event.event.config, type: event.event.type,
                          cookie: returned.given(BPFNAV_LINK_EVENT_COOKIE_END) { $0.perf_event.event.cookie })
        case BPF_PERF_EVENT_UNSPEC.rawValue:
            self = .notReported
        case let other:
            self = .unknown(other)
        }
    }

    /// nil when the kernel did not return it (before 6.9).
    public var cookie: UInt64? {
        switch self {
        case .kprobe(_, _, _, _, _, let cookie), .uprobe(_, _, _, let cookie, _), .tracepoint(_, let cookie),
             .event(_, _, let cookie): cookie
        case .notReported, .unknown: nil
        }
    }
}

import CLibBPF
import Glibc

/// `bpf_link_info` of any link, decoded per link type.
///
/// Debian's uapi headers describe kernel 6.1; links gained types and fields
/// until 6.18 (perf_event, kprobe_multi, uprobe_multi, tcx, netkit, sockmap,
/// netfilter). bpfnav reads the info into a zeroed buffer and decodes it at
/// the offsets of the 6.18 layout below, so no new type shows up as a number.
public struct LinkInfo: Equatable, Sendable {
    public var id: UInt32
    public var type: UInt32
    public var programID: UInt32
    public var details: LinkDetails

    public var typeName: String { LinkType.name(type) }

    /// What the kernel writes the info into, decoded at the 6.18 layout's
    /// offsets: larger than any 6.18 layout (the kernel accepts a larger
    /// buffer whose tail is zero).
    typealias Raw = InlineArray<256, UInt8>
    static let bufferSize = MemoryLayout<Raw>.size

    public init(fd: Int32) throws(BPFError) {
        // First pass: the type. Second pass: with a buffer for the name the
        // type carries.
        var info = try KernelInfo.get(fd, Raw(repeating: 0), "get info of link", "fd \(fd)")
        var name: [UInt8] = []
        let nameAt: (pointer: Int, length: Int)? = switch Self.bytes(info.value).u32(0) {
        case 1: (16, 24)                 // raw_tracepoint: tp_name, tp_name_len
        case 4: (16, 24)                 // iter: target_name, target_name_len
        case 7: (24, 32)                 // perf_event: file/func/tp name, name_len
        case 12: (16, 48)                // uprobe_multi: path, path_size
        default: nil
        }
        if let nameAt {
            (info, name) = try KernelInfo.get(fd, Raw(repeating: 0), filling: 4096, of: UInt8.self,
                                              "get info of link", "fd \(fd)") { request, address, count in
                withUnsafeMutableBytes(of: &request) { raw in
                    raw.storeBytes(of: address, toByteOffset: nameAt.pointer, as: UInt64.self)
                    raw.storeBytes(of: count, toByteOffset: nameAt.length, as: UInt32.self)
                }
            }
        }
        let raw = Self.bytes(info.value)
        let text = String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
        type = raw.u32(0)
        id = raw.u32(4)
        programID = raw.u32(8)
        details = LinkDetails(type: type, raw: raw, length: info.length, name: text)
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

    static func bytes(_ raw: Raw) -> [UInt8] {
        withUnsafeBytes(of: raw) { Array($0) }
    }
}

/// What a link attaches, per link type. A field the running kernel did not
/// return (its `bpf_link_info` is shorter) is nil: the fields added after
/// the link type itself (kprobe_multi's and kprobe's `missed`, uprobe's
/// `ref_ctr_offset`, the attach cookie). Iterator links' tid/pid (6.1) read
/// 0 from an older kernel, which is what they mean there: no parameter.
public enum LinkDetails: Equatable, Sendable {
    case rawTracepoint(name: String)
    case tracing(attachType: UInt32, targetObjectID: UInt32, targetBTFID: UInt32)
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

    /// `raw`: the info, of which the kernel wrote `length` bytes.
    init(type: UInt32, raw: [UInt8], length: Int, name: String) {
        switch type {
        case 1: self = .rawTracepoint(name: name)
        case 2: self = .tracing(attachType: raw.u32(16), targetObjectID: raw.u32(20), targetBTFID: raw.u32(24))
        case 3: self = .cgroup(cgroupID: raw.u64(16), attachType: raw.u32(24))
        case 4:
            // The second union holds cgroup (id, order) or task (tid, pid).
            let isCgroup = name == "cgroup"
            self = .iter(target: name, mapID: raw.u32(28),
                         cgroupID: isCgroup ? raw.u64(32) : 0, order: isCgroup ? raw.u32(40) : 0,
                         tid: isCgroup ? 0 : raw.u32(32), pid: isCgroup ? 0 : raw.u32(36))
        case 5: self = .netns(inode: raw.u32(16), attachType: raw.u32(20))
        case 6: self = .xdp(ifindex: raw.u32(16))
        case 7: self = .perfEvent(PerfEventLink(raw: raw, length: length, name: name))
        case 8: self = .kprobeMulti(count: raw.u32(24), flags: raw.u32(28), missed: raw.u64(32, within: length))
        case 9: self = .structOps(mapID: raw.u32(16))
        case 10: self = .netfilter(protocolFamily: raw.u32(16), hook: raw.u32(20),
                                   priority: Int32(bitPattern: raw.u32(24)), flags: raw.u32(28))
        case 11: self = .tcx(ifindex: raw.u32(16), attachType: raw.u32(20))
        case 12: self = .uprobeMulti(path: name, count: raw.u32(52), flags: raw.u32(56), pid: raw.u32(60))
        case 13: self = .netkit(ifindex: raw.u32(16), attachType: raw.u32(20))
        case 14: self = .sockmap(mapID: raw.u32(16), attachType: raw.u32(20))
        default: self = .unknown
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

    /// The 6.18 layout: type at 16, then a union at 24 whose members put
    /// the cookie at 40 (uprobe, tracepoint, event) or 56 (kprobe).
    init(raw: [UInt8], length: Int, name: String) {
        switch raw.u32(16) {
        case 1, 2: self = .uprobe(file: name, offset: raw.u32(36), retprobe: raw.u32(16) == 2,
                                  cookie: raw.u64(40, within: length), refCtrOffset: raw.u64(48, within: length))
        case 3, 4: self = .kprobe(function: name, offset: raw.u32(36), address: raw.u64(40), missed: raw.u64(48, within: length),
                                  retprobe: raw.u32(16) == 4, cookie: raw.u64(56, within: length))
        case 5: self = .tracepoint(name: name, cookie: raw.u64(40, within: length))
        case 6: self = .event(config: raw.u64(24), type: raw.u32(32), cookie: raw.u64(40, within: length))
        case 0: self = .notReported
        case let other: self = .unknown(other)
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

/// Link types by libbpf's names, up to kernel 6.18.
public enum LinkType {
    static let names = [
        "unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp", "perf_event",
        "kprobe_multi", "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap",
    ]

    public static func name(_ type: UInt32) -> String {
        Int(type) < names.count ? names[Int(type)] : "type_\(type)"
    }
}

/// Attach types by libbpf's names, up to kernel 6.18.
public enum AttachType {
    static let names = [
        "cgroup_inet_ingress", "cgroup_inet_egress", "cgroup_inet_sock_create", "cgroup_sock_ops",
        "sk_skb_stream_parser", "sk_skb_stream_verdict", "cgroup_device", "sk_msg_verdict",
        "cgroup_inet4_bind", "cgroup_inet6_bind", "cgroup_inet4_connect", "cgroup_inet6_connect",
        "cgroup_inet4_post_bind", "cgroup_inet6_post_bind", "cgroup_udp4_sendmsg", "cgroup_udp6_sendmsg",
        "lirc_mode2", "flow_dissector", "cgroup_sysctl", "cgroup_udp4_recvmsg", "cgroup_udp6_recvmsg",
        "cgroup_getsockopt", "cgroup_setsockopt", "trace_raw_tp", "trace_fentry", "trace_fexit",
        "modify_return", "lsm_mac", "trace_iter", "cgroup_inet4_getpeername", "cgroup_inet6_getpeername",
        "cgroup_inet4_getsockname", "cgroup_inet6_getsockname", "xdp_devmap", "cgroup_inet_sock_release",
        "xdp_cpumap", "sk_lookup", "xdp", "sk_skb_verdict", "sk_reuseport_select",
        "sk_reuseport_select_or_migrate", "perf_event", "trace_kprobe_multi", "lsm_cgroup", "struct_ops",
        "netfilter", "tcx_ingress", "tcx_egress", "trace_uprobe_multi", "cgroup_unix_connect",
        "cgroup_unix_sendmsg", "cgroup_unix_recvmsg", "cgroup_unix_getpeername", "cgroup_unix_getsockname",
        "netkit_primary", "netkit_peer", "trace_kprobe_session", "trace_uprobe_session",
    ]

    public static func name(_ type: UInt32) -> String {
        Int(type) < names.count ? names[Int(type)] : "attach_type_\(type)"
    }
}

extension [UInt8] {
    func u32(_ offset: Int) -> UInt32 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    }

    func u64(_ offset: Int) -> UInt64 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
    }

    /// The u64 at `offset` if the kernel wrote it (`length` bytes of info).
    func u64(_ offset: Int, within length: Int) -> UInt64? {
        kernelWrote(offset: offset, size: 8, length: length) ? u64(offset) : nil
    }

    mutating func setU32(_ offset: Int, _ value: UInt32) {
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
    }

    mutating func setU64(_ offset: Int, _ value: UInt64) {
        withUnsafeMutableBytes { $0.storeBytes(of: value, toByteOffset: offset, as: UInt64.self) }
    }
}

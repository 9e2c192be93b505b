import CLibBPF

/// The names of the kernel's program, map, link and attach types: one table
/// per kind, keyed by the uapi header's constants, with bpftool's (libbpf's)
/// names. Every caller goes through these four: a type without a name here
/// (one newer than the table) reads as its number, "type_N".
///
/// The tables end where bpfnav's output was set (kernel 6.18); the header
/// may know more types (7.3: map types insn_array and rhash, link type
/// tracing_multi, attach types of fsession and tracing_multi), which show
/// as numbers until a name is added here.
struct TypeNames: Sendable {
    /// Index: the constant's value.
    private let names: [String?]
    private let unnamed: String

    /// `unnamed`: what a value without a name reads as, before its number.
    init<Constant: RawRepresentable>(unnamed: String, _ entries: KeyValuePairs<Constant, String>)
    where Constant.RawValue == UInt32 {
        var names = [String?](repeating: nil, count: Int(entries.map(\.key.rawValue).max() ?? 0) + 1)
        for (constant, name) in entries {
            precondition(names[Int(constant.rawValue)] == nil, "two names for \(constant.rawValue)")
            names[Int(constant.rawValue)] = name
        }
        self.names = names
        self.unnamed = unnamed
    }

    func name(_ value: UInt32) -> String {
        lookup(UInt64(value)) ?? unnamed + String(value)
    }

    /// The name of `value`, or nil when the table has none.
    func lookup(_ value: UInt64) -> String? {
        value < UInt64(names.count) ? names[Int(value)] : nil
    }
}

/// `enum bpf_prog_type`.
public enum ProgramType {
    public static func name(_ type: UInt32) -> String { table.name(type) }

    static let table = TypeNames(unnamed: "type_", [
        BPF_PROG_TYPE_UNSPEC: "unspec",
        BPF_PROG_TYPE_SOCKET_FILTER: "socket_filter",
        BPF_PROG_TYPE_KPROBE: "kprobe",
        BPF_PROG_TYPE_SCHED_CLS: "sched_cls",
        BPF_PROG_TYPE_SCHED_ACT: "sched_act",
        BPF_PROG_TYPE_TRACEPOINT: "tracepoint",
        BPF_PROG_TYPE_XDP: "xdp",
        BPF_PROG_TYPE_PERF_EVENT: "perf_event",
        BPF_PROG_TYPE_CGROUP_SKB: "cgroup_skb",
        BPF_PROG_TYPE_CGROUP_SOCK: "cgroup_sock",
        BPF_PROG_TYPE_LWT_IN: "lwt_in",
        BPF_PROG_TYPE_LWT_OUT: "lwt_out",
        BPF_PROG_TYPE_LWT_XMIT: "lwt_xmit",
        BPF_PROG_TYPE_SOCK_OPS: "sock_ops",
        BPF_PROG_TYPE_SK_SKB: "sk_skb",
        BPF_PROG_TYPE_CGROUP_DEVICE: "cgroup_device",
        BPF_PROG_TYPE_SK_MSG: "sk_msg",
        BPF_PROG_TYPE_RAW_TRACEPOINT: "raw_tracepoint",
        BPF_PROG_TYPE_CGROUP_SOCK_ADDR: "cgroup_sock_addr",
        BPF_PROG_TYPE_LWT_SEG6LOCAL: "lwt_seg6local",
        BPF_PROG_TYPE_LIRC_MODE2: "lirc_mode2",
        BPF_PROG_TYPE_SK_REUSEPORT: "sk_reuseport",
        BPF_PROG_TYPE_FLOW_DISSECTOR: "flow_dissector",
        BPF_PROG_TYPE_CGROUP_SYSCTL: "cgroup_sysctl",
        BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE: "raw_tracepoint_writable",
        BPF_PROG_TYPE_CGROUP_SOCKOPT: "cgroup_sockopt",
        BPF_PROG_TYPE_TRACING: "tracing",
        BPF_PROG_TYPE_STRUCT_OPS: "struct_ops",
        BPF_PROG_TYPE_EXT: "ext",
        BPF_PROG_TYPE_LSM: "lsm",
        BPF_PROG_TYPE_SK_LOOKUP: "sk_lookup",
        BPF_PROG_TYPE_SYSCALL: "syscall",
        BPF_PROG_TYPE_NETFILTER: "netfilter",
    ] as KeyValuePairs<bpf_prog_type, String>)
}

extension MapType {
    /// bpftool's name for a map type; unknown (newer) types as "type_N".
    public static func name(_ type: UInt32) -> String { table.name(type) }

    /// `enum bpf_map_type`.
    static let table = TypeNames(unnamed: "type_", [
        BPF_MAP_TYPE_UNSPEC: "unspec",
        BPF_MAP_TYPE_HASH: "hash",
        BPF_MAP_TYPE_ARRAY: "array",
        BPF_MAP_TYPE_PROG_ARRAY: "prog_array",
        BPF_MAP_TYPE_PERF_EVENT_ARRAY: "perf_event_array",
        BPF_MAP_TYPE_PERCPU_HASH: "percpu_hash",
        BPF_MAP_TYPE_PERCPU_ARRAY: "percpu_array",
        BPF_MAP_TYPE_STACK_TRACE: "stack_trace",
        BPF_MAP_TYPE_CGROUP_ARRAY: "cgroup_array",
        BPF_MAP_TYPE_LRU_HASH: "lru_hash",
        BPF_MAP_TYPE_LRU_PERCPU_HASH: "lru_percpu_hash",
        BPF_MAP_TYPE_LPM_TRIE: "lpm_trie",
        BPF_MAP_TYPE_ARRAY_OF_MAPS: "array_of_maps",
        BPF_MAP_TYPE_HASH_OF_MAPS: "hash_of_maps",
        BPF_MAP_TYPE_DEVMAP: "devmap",
        BPF_MAP_TYPE_SOCKMAP: "sockmap",
        BPF_MAP_TYPE_CPUMAP: "cpumap",
        BPF_MAP_TYPE_XSKMAP: "xskmap",
        BPF_MAP_TYPE_SOCKHASH: "sockhash",
        BPF_MAP_TYPE_CGROUP_STORAGE: "cgroup_storage",
        BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: "reuseport_sockarray",
        BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: "percpu_cgroup_storage",
        BPF_MAP_TYPE_QUEUE: "queue",
        BPF_MAP_TYPE_STACK: "stack",
        BPF_MAP_TYPE_SK_STORAGE: "sk_storage",
        BPF_MAP_TYPE_DEVMAP_HASH: "devmap_hash",
        BPF_MAP_TYPE_STRUCT_OPS: "struct_ops",
        BPF_MAP_TYPE_RINGBUF: "ringbuf",
        BPF_MAP_TYPE_INODE_STORAGE: "inode_storage",
        BPF_MAP_TYPE_TASK_STORAGE: "task_storage",
        BPF_MAP_TYPE_BLOOM_FILTER: "bloom_filter",
        BPF_MAP_TYPE_USER_RINGBUF: "user_ringbuf",
        BPF_MAP_TYPE_CGRP_STORAGE: "cgrp_storage",
        BPF_MAP_TYPE_ARENA: "arena",
    ] as KeyValuePairs<bpf_map_type, String>)
}

/// `enum bpf_link_type`.
public enum LinkType {
    public static func name(_ type: UInt32) -> String { table.name(type) }

    static let table = TypeNames(unnamed: "type_", [
        BPF_LINK_TYPE_UNSPEC: "unspec",
        BPF_LINK_TYPE_RAW_TRACEPOINT: "raw_tracepoint",
        BPF_LINK_TYPE_TRACING: "tracing",
        BPF_LINK_TYPE_CGROUP: "cgroup",
        BPF_LINK_TYPE_ITER: "iter",
        BPF_LINK_TYPE_NETNS: "netns",
        BPF_LINK_TYPE_XDP: "xdp",
        BPF_LINK_TYPE_PERF_EVENT: "perf_event",
        BPF_LINK_TYPE_KPROBE_MULTI: "kprobe_multi",
        BPF_LINK_TYPE_STRUCT_OPS: "struct_ops",
        BPF_LINK_TYPE_NETFILTER: "netfilter",
        BPF_LINK_TYPE_TCX: "tcx",
        BPF_LINK_TYPE_UPROBE_MULTI: "uprobe_multi",
        BPF_LINK_TYPE_NETKIT: "netkit",
        BPF_LINK_TYPE_SOCKMAP: "sockmap",
    ] as KeyValuePairs<bpf_link_type, String>)
}

/// `enum bpf_attach_type`.
public enum AttachType {
    public static func name(_ type: UInt32) -> String { table.name(type) }

    /// The network attach types that modules without the uapi header ask
    /// `ProgQuery` about (Netlink).
    public static let tcxIngress = BPF_TCX_INGRESS.rawValue
    public static let tcxEgress = BPF_TCX_EGRESS.rawValue
    public static let netkitPrimary = BPF_NETKIT_PRIMARY.rawValue
    public static let netkitPeer = BPF_NETKIT_PEER.rawValue
    public static let flowDissector = BPF_FLOW_DISSECTOR.rawValue
    public static let skLookup = BPF_SK_LOOKUP.rawValue
    /// What attaches to a sockmap or sockhash itself (`bpf_prog_attach`
    /// with the map as target; BPF_PROG_QUERY on the map, 6.0+).
    public static let sockMapTypes: [UInt32] = [
        BPF_SK_MSG_VERDICT.rawValue, BPF_SK_SKB_STREAM_PARSER.rawValue, BPF_SK_SKB_STREAM_VERDICT.rawValue,
        BPF_SK_SKB_VERDICT.rawValue,
    ]

    static let table = TypeNames(unnamed: "attach_type_", [
        BPF_CGROUP_INET_INGRESS: "cgroup_inet_ingress",
        BPF_CGROUP_INET_EGRESS: "cgroup_inet_egress",
        BPF_CGROUP_INET_SOCK_CREATE: "cgroup_inet_sock_create",
        BPF_CGROUP_SOCK_OPS: "cgroup_sock_ops",
        BPF_SK_SKB_STREAM_PARSER: "sk_skb_stream_parser",
        BPF_SK_SKB_STREAM_VERDICT: "sk_skb_stream_verdict",
        BPF_CGROUP_DEVICE: "cgroup_device",
        BPF_SK_MSG_VERDICT: "sk_msg_verdict",
        BPF_CGROUP_INET4_BIND: "cgroup_inet4_bind",
        BPF_CGROUP_INET6_BIND: "cgroup_inet6_bind",
        BPF_CGROUP_INET4_CONNECT: "cgroup_inet4_connect",
        BPF_CGROUP_INET6_CONNECT: "cgroup_inet6_connect",
        BPF_CGROUP_INET4_POST_BIND: "cgroup_inet4_post_bind",
        BPF_CGROUP_INET6_POST_BIND: "cgroup_inet6_post_bind",
        BPF_CGROUP_UDP4_SENDMSG: "cgroup_udp4_sendmsg",
        BPF_CGROUP_UDP6_SENDMSG: "cgroup_udp6_sendmsg",
        BPF_LIRC_MODE2: "lirc_mode2",
        BPF_FLOW_DISSECTOR: "flow_dissector",
        BPF_CGROUP_SYSCTL: "cgroup_sysctl",
        BPF_CGROUP_UDP4_RECVMSG: "cgroup_udp4_recvmsg",
        BPF_CGROUP_UDP6_RECVMSG: "cgroup_udp6_recvmsg",
        BPF_CGROUP_GETSOCKOPT: "cgroup_getsockopt",
        BPF_CGROUP_SETSOCKOPT: "cgroup_setsockopt",
        BPF_TRACE_RAW_TP: "trace_raw_tp",
        BPF_TRACE_FENTRY: "trace_fentry",
        BPF_TRACE_FEXIT: "trace_fexit",
        BPF_MODIFY_RETURN: "modify_return",
        BPF_LSM_MAC: "lsm_mac",
        BPF_TRACE_ITER: "trace_iter",
        BPF_CGROUP_INET4_GETPEERNAME: "cgroup_inet4_getpeername",
        BPF_CGROUP_INET6_GETPEERNAME: "cgroup_inet6_getpeername",
        BPF_CGROUP_INET4_GETSOCKNAME: "cgroup_inet4_getsockname",
        BPF_CGROUP_INET6_GETSOCKNAME: "cgroup_inet6_getsockname",
        BPF_XDP_DEVMAP: "xdp_devmap",
        BPF_CGROUP_INET_SOCK_RELEASE: "cgroup_inet_sock_release",
        BPF_XDP_CPUMAP: "xdp_cpumap",
        BPF_SK_LOOKUP: "sk_lookup",
        BPF_XDP: "xdp",
        BPF_SK_SKB_VERDICT: "sk_skb_verdict",
        BPF_SK_REUSEPORT_SELECT: "sk_reuseport_select",
        BPF_SK_REUSEPORT_SELECT_OR_MIGRATE: "sk_reuseport_select_or_migrate",
        BPF_PERF_EVENT: "perf_event",
        BPF_TRACE_KPROBE_MULTI: "trace_kprobe_multi",
        BPF_LSM_CGROUP: "lsm_cgroup",
        BPF_STRUCT_OPS: "struct_ops",
        BPF_NETFILTER: "netfilter",
        BPF_TCX_INGRESS: "tcx_ingress",
        BPF_TCX_EGRESS: "tcx_egress",
        BPF_TRACE_UPROBE_MULTI: "trace_uprobe_multi",
        BPF_CGROUP_UNIX_CONNECT: "cgroup_unix_connect",
        BPF_CGROUP_UNIX_SENDMSG: "cgroup_unix_sendmsg",
        BPF_CGROUP_UNIX_RECVMSG: "cgroup_unix_recvmsg",
        BPF_CGROUP_UNIX_GETPEERNAME: "cgroup_unix_getpeername",
        BPF_CGROUP_UNIX_GETSOCKNAME: "cgroup_unix_getsockname",
        BPF_NETKIT_PRIMARY: "netkit_primary",
        BPF_NETKIT_PEER: "netkit_peer",
        BPF_TRACE_KPROBE_SESSION: "trace_kprobe_session",
        BPF_TRACE_UPROBE_SESSION: "trace_uprobe_session",
    ] as KeyValuePairs<bpf_attach_type, String>)

    /// The attach types a cgroup's `BPF_PROG_QUERY` answers for, in the
    /// order bpftool's `cgroup show` and `cgroup tree` query them (its
    /// `cgroup_attach_types`, current source: lsm_cgroup last). A kernel
    /// that lacks one answers EINVAL for it.
    public static let cgroupTypes: [UInt32] = [
        BPF_CGROUP_INET_INGRESS, BPF_CGROUP_INET_EGRESS, BPF_CGROUP_INET_SOCK_CREATE,
        BPF_CGROUP_INET_SOCK_RELEASE, BPF_CGROUP_INET4_BIND, BPF_CGROUP_INET6_BIND,
        BPF_CGROUP_INET4_POST_BIND, BPF_CGROUP_INET6_POST_BIND, BPF_CGROUP_INET4_CONNECT,
        BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_UNIX_CONNECT, BPF_CGROUP_INET4_GETPEERNAME,
        BPF_CGROUP_INET6_GETPEERNAME, BPF_CGROUP_UNIX_GETPEERNAME, BPF_CGROUP_INET4_GETSOCKNAME,
        BPF_CGROUP_INET6_GETSOCKNAME, BPF_CGROUP_UNIX_GETSOCKNAME, BPF_CGROUP_UDP4_SENDMSG,
        BPF_CGROUP_UDP6_SENDMSG, BPF_CGROUP_UNIX_SENDMSG, BPF_CGROUP_UDP4_RECVMSG,
        BPF_CGROUP_UDP6_RECVMSG, BPF_CGROUP_UNIX_RECVMSG, BPF_CGROUP_SOCK_OPS, BPF_CGROUP_DEVICE,
        BPF_CGROUP_SYSCTL, BPF_CGROUP_GETSOCKOPT, BPF_CGROUP_SETSOCKOPT, BPF_LSM_CGROUP,
    ].map(\.rawValue)

    /// `BPF_LSM_CGROUP`, whose query answers for all its hooks at once.
    public static let lsmCgroup: UInt32 = BPF_LSM_CGROUP.rawValue
}

/// `enum bpf_cgroup_iter_order`: a cgroup iterator's walk. (The header
/// knows one more, children, which shows as "order_5".)
public enum CgroupIterOrder {
    public static func name(_ order: UInt32) -> String { table.name(order) }

    static let table = TypeNames(unnamed: "order_", [
        BPF_CGROUP_ITER_ORDER_UNSPEC: "order_unspec",
        BPF_CGROUP_ITER_SELF_ONLY: "self_only",
        BPF_CGROUP_ITER_DESCENDANTS_PRE: "descendants_pre",
        BPF_CGROUP_ITER_DESCENDANTS_POST: "descendants_post",
        BPF_CGROUP_ITER_ANCESTORS_UP: "ancestors_up",
    ] as KeyValuePairs<bpf_cgroup_iter_order, String>)
}

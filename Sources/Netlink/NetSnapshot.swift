/// What runs in the network namespaces bpfnav can enter: one snapshot per
/// namespace, taken by `NetSnapshot.collect()`.
///
/// Devices are named in their own namespace: an ifindex means nothing
/// without one.
public struct NetSnapshot: Sendable {
    public var namespaces: [NetNamespaceSnapshot]
    /// Netfilter links (6.4+): bpf_link_info does not say which namespace
    /// one hooks, so they are the whole system's, as bpftool lists them.
    public var netfilter: [NetfilterLink]

    public init(namespaces: [NetNamespaceSnapshot], netfilter: [NetfilterLink] = []) {
        self.namespaces = namespaces
        self.netfilter = netfilter
    }
}

/// A netfilter hook's program (BPF_LINK_TYPE_NETFILTER).
public struct NetfilterLink: Sendable, Hashable {
    public var linkID: UInt32
    public var programID: UInt32
    /// NFPROTO_*, NF_INET_* (NetfilterNames has their names).
    public var protocolFamily: UInt32
    public var hook: UInt32
    public var priority: Int32
    public var flags: UInt32

    public init(linkID: UInt32, programID: UInt32, protocolFamily: UInt32, hook: UInt32, priority: Int32, flags: UInt32) {
        self.linkID = linkID
        self.programID = programID
        self.protocolFamily = protocolFamily
        self.hook = hook
        self.priority = priority
        self.flags = flags
    }
}

/// A network namespace, found through /proc/*/ns/net or /run/netns.
public struct NetNamespace: Sendable, Hashable {
    /// The namespace file's inode (`ls -i /proc/self/ns/net`): its identity,
    /// as bpf_link_info's netns_ino and `ip netns identify` know it.
    public var inode: UInt64
    /// The name under /run/netns ("blue"), or nil when it has none.
    public var name: String?
    /// The lowest pid of a process in it, or nil (a named namespace may
    /// have none).
    public var pid: Int32?
    /// bpfnav's own namespace.
    public var isCurrent: Bool
    /// A file that opens it: /run/netns/NAME or /proc/PID/ns/net.
    public var path: String

    public init(inode: UInt64, name: String?, pid: Int32?, isCurrent: Bool, path: String) {
        self.inode = inode
        self.name = name
        self.pid = pid
        self.isCurrent = isCurrent
        self.path = path
    }

    /// How a person names it: "blue", "pid 4242", or "current".
    public var label: String {
        if let name { return name }
        if isCurrent { return "current" }
        if let pid { return "pid \(pid)" }
        return "netns \(inode)"
    }
}

public struct NetDevice: Sendable, Hashable {
    public var ifindex: UInt32
    public var name: String
    /// IFLA_INFO_KIND: "veth", "netkit", "bridge"…; nil for a physical device.
    public var kind: String?

    public init(ifindex: UInt32, name: String, kind: String?) {
        self.ifindex = ifindex
        self.name = name
        self.kind = kind
    }
}

/// IFLA_XDP's modes, with bpftool's names.
public enum XDPMode: String, Sendable, Hashable {
    case driver, generic, offload
}

/// One XDP program on a device (one per mode).
public struct XDPAttachment: Sendable, Hashable {
    public var device: NetDevice
    public var mode: XDPMode
    public var programID: UInt32

    public init(device: NetDevice, mode: XDPMode, programID: UInt32) {
        self.device = device
        self.mode = mode
        self.programID = programID
    }
}

/// A TC action of kind bpf (act_bpf): standalone in the namespace's action
/// table, and bound into the filters that use it.
public struct TCAction: Sendable, Hashable {
    public var index: UInt32
    public var programID: UInt32
    public var programName: String
    /// How many hold it, and how many filters are bound to it.
    public var references: UInt32?
    public var bindings: UInt32?

    public init(index: UInt32, programID: UInt32, programName: String, references: UInt32?, bindings: UInt32?) {
        self.index = index
        self.programID = programID
        self.programName = programName
        self.references = references
        self.bindings = bindings
    }
}

/// A tc filter on a device: a bpf classifier (`programID` set), or a filter
/// of another kind whose actions run bpf programs.
public struct TCFilter: Sendable, Hashable {
    public var device: NetDevice
    /// bpftool's kind: "clsact/ingress", "clsact/egress", or the qdisc's
    /// kind for another qdisc's filters ("ingress", "htb"); `parent` tells
    /// which qdisc.
    public var attachPoint: String
    public var parent: UInt32
    public var priority: UInt16
    /// ETH_P_* in host order (ETH_P_ALL = 3).
    public var proto: UInt16
    public var handle: UInt32
    public var chain: UInt32?
    /// The classifier's kind: "bpf", "matchall", "flower"…
    public var kind: String
    public var programID: UInt32?
    /// TCA_BPF_NAME: the object and section tc loaded it from, or the name.
    public var programName: String?
    public var directAction: Bool
    /// TCA_BPF_TAG as hex.
    public var tag: String?
    public var actions: [TCAction]

    public init(device: NetDevice, attachPoint: String, parent: UInt32, priority: UInt16, proto: UInt16,
                handle: UInt32, chain: UInt32?, kind: String, programID: UInt32?, programName: String?,
                directAction: Bool, tag: String?, actions: [TCAction]) {
        self.device = device
        self.attachPoint = attachPoint
        self.parent = parent
        self.priority = priority
        self.proto = proto
        self.handle = handle
        self.chain = chain
        self.kind = kind
        self.programID = programID
        self.programName = programName
        self.directAction = directAction
        self.tag = tag
        self.actions = actions
    }
}

/// A program at a multi-program attach point (tcx, netkit: 6.6+), in the
/// order the kernel runs them.
public struct MultiProgAttachment: Sendable, Hashable {
    public var device: NetDevice
    /// BPF_TCX_INGRESS, BPF_TCX_EGRESS, BPF_NETKIT_PRIMARY, BPF_NETKIT_PEER.
    public var attachType: UInt32
    public var programID: UInt32
    public var linkID: UInt32?
    /// 0-based place in the run order.
    public var position: Int
    public var revision: UInt64?

    public init(device: NetDevice, attachType: UInt32, programID: UInt32, linkID: UInt32?, position: Int, revision: UInt64?) {
        self.device = device
        self.attachType = attachType
        self.programID = programID
        self.linkID = linkID
        self.position = position
        self.revision = revision
    }
}

/// A program attached to the namespace itself: flow dissector, sk_lookup.
public struct NamespaceProgram: Sendable, Hashable {
    public var attachType: UInt32
    public var programID: UInt32
    public var linkID: UInt32?

    public init(attachType: UInt32, programID: UInt32, linkID: UInt32?) {
        self.attachType = attachType
        self.programID = programID
        self.linkID = linkID
    }
}

public struct NetNamespaceSnapshot: Sendable {
    public var namespace: NetNamespace
    public var devices: [NetDevice]
    public var xdp: [XDPAttachment]
    public var tc: [TCFilter]
    /// tcx and netkit.
    public var multiProg: [MultiProgAttachment]
    /// The namespace's action table (kind bpf only).
    public var actions: [TCAction]
    public var namespacePrograms: [NamespaceProgram]
    /// What could not be read here, each naming the operation and errno
    /// (a namespace bpfnav may not enter, a dump the kernel refused).
    public var errors: [String]

    public init(namespace: NetNamespace, devices: [NetDevice] = [], xdp: [XDPAttachment] = [], tc: [TCFilter] = [],
                multiProg: [MultiProgAttachment] = [], actions: [TCAction] = [],
                namespacePrograms: [NamespaceProgram] = [], errors: [String] = []) {
        self.namespace = namespace
        self.devices = devices
        self.xdp = xdp
        self.tc = tc
        self.multiProg = multiProg
        self.actions = actions
        self.namespacePrograms = namespacePrograms
        self.errors = errors
    }
}

import BPFKit
import CNetlink
import Glibc

/// `bpfnav demo`'s network: a namespace of its own (`bpfnav-demo` unless
/// BPFNAV_DEMO_NETNS names another) holding a veth pair, `demo0` and
/// `demo1`, up and without addresses (the kernel's IPv6 link-local ones
/// only), an XDP program on demo0 through a BPF link and a direct-action
/// bpf filter on demo1's clsact ingress. ObjectModel's `Demo` loads the
/// programs, pins the link and records the namespace as bpfnav's; this
/// makes and removes the network side.
public struct DemoNetwork: Sendable {
    public static let defaultName = "bpfnav-demo"
    /// The environment variable that names another namespace (the tests
    /// use one each, so that they never meet a user's demo).
    public static let nameVariable = "BPFNAV_DEMO_NETNS"
    public static let xdpDevice = "demo0"
    public static let tcDevice = "demo1"
    /// The bpf filter's priority and protocol (ETH_P_ALL), as
    /// `tc filter add dev demo1 ingress pref 1 protocol all bpf da …`.
    public static let filterPriority: UInt16 = 1

    public let name: String

    public init(name: String) {
        self.name = name
    }

    /// The namespace the environment names, or `bpfnav-demo`.
    public static func fromEnvironment() -> DemoNetwork {
        let chosen = getenv(nameVariable).map { String(cString: $0) } ?? ""
        return DemoNetwork(name: chosen.isEmpty ? defaultName : chosen)
    }

    public var path: String { NamedNetNamespace.path(name) }

    /// The steps of `make`, in order: a failure names its step.
    public enum Step: String, Sendable {
        case namespace = "make the network namespace"
        case record = "record the namespace as bpfnav's"
        case veth = "create the veth pair"
        case xdp = "attach the XDP program"
        case qdisc = "add the clsact qdisc"
        case filter = "add the tc bpf filter"
    }

    public struct Failure: Error, Sendable {
        public var step: Step
        public var error: BPFError
    }

    /// What `make` made. The caller owns `xdpLink` (a link fd: pin it or
    /// close it).
    public struct Made: Sendable {
        public var identity: NamedNetNamespace.Identity
        public var xdpLink: Int32
        public var xdpIfindex: Int32
        public var tcIfindex: Int32
    }

    /// Why this machine cannot have the demo's network, or nil if it can:
    /// a kernel without network namespaces has no /proc/self/ns/net.
    public static func unsupportedReason() -> String? {
        access("/proc/self/ns/net", F_OK) == 0 ? nil : "this kernel has no network namespaces (CONFIG_NET_NS)"
    }

    /// Whether a failure of `make` means the machine lacks something (rather
    /// than something went wrong): then the demo goes on without it.
    public static func unsupportedReason(_ failure: Failure) -> String? {
        if failure.step == .veth, failure.error.errno == EOPNOTSUPP {
            return "this kernel has no veth devices (CONFIG_VETH)"
        }
        if failure.step == .namespace, failure.error.errno == EINVAL, failure.error.operation.hasPrefix("make a network namespace") {
            return "this kernel has no network namespaces (CONFIG_NET_NS)"
        }
        return nil
    }

    /// Makes the namespace and everything in it. `record` is called first
    /// inside it, with its identity, before anything else is made in it.
    /// If a step fails, what the steps before it made is undone (the
    /// namespace, and with it its devices, qdisc and filter; the XDP link
    /// closed) and the failure names the step; `record`'s undoing is the
    /// caller's.
    public func make(xdpProgramFD: Int32, tcProgramFD: Int32, tcProgramName: String,
                     record: @escaping (NamedNetNamespace.Identity) throws(BPFError) -> Void) throws(Failure) -> Made {
        let name = self.name
        final class StepBox: @unchecked Sendable { var step = Step.namespace }
        let current = StepBox()
        do throws(BPFError) {
            return try NamedNetNamespace.create(name) { (identity) throws(BPFError) -> Made in
                current.step = .record
                try record(identity)
                current.step = .veth
                let socket = try NetlinkRequestSocket(in: name)
                try VethPair.create(Self.xdpDevice, peer: Self.tcDevice, on: socket, namespace: name)
                let xdpIndex = try Self.ifindex(Self.xdpDevice, namespace: name)
                let tcIndex = try Self.ifindex(Self.tcDevice, namespace: name)
                try VethPair.up(xdpIndex, device: Self.xdpDevice, on: socket, namespace: name)
                try VethPair.up(tcIndex, device: Self.tcDevice, on: socket, namespace: name)
                current.step = .xdp
                let link = try XDPLink.attach(programFD: xdpProgramFD, ifindex: xdpIndex,
                                              device: "\(Self.xdpDevice) in network namespace \(name)")
                do throws(BPFError) {
                    current.step = .qdisc
                    try ClsactFilter.addClsact(ifindex: tcIndex, device: Self.tcDevice, on: socket, namespace: name)
                    current.step = .filter
                    try ClsactFilter.addIngressBPF(ifindex: tcIndex, device: Self.tcDevice, programFD: tcProgramFD,
                                                   programName: tcProgramName, priority: Self.filterPriority,
                                                   on: socket, namespace: name)
                } catch {
                    _ = consume link
                    throw error
                }
                return Made(identity: identity, xdpLink: link.release(), xdpIfindex: xdpIndex, tcIfindex: tcIndex)
            }
        } catch {
            throw Failure(step: current.step, error: error)
        }
    }

    /// Removes the namespace as `ip netns del` does, after deleting the
    /// veth pair in it (a process still in the namespace would keep the
    /// devices, and the XDP program on them, alive; ENODEV: already gone).
    /// The caller has made sure it is bpfnav's. Returns the path removed.
    public func remove() throws(BPFError) -> String {
        let name = self.name
        _ = try? NamedNetNamespace.run(in: name) { () throws(BPFError) in
            try VethPair.delete(Self.xdpDevice, on: NetlinkRequestSocket(in: name), namespace: name)
        }
        let failed = NamedNetNamespace.unmountAndRemove(name)
        guard failed == 0 else {
            throw BPFError("remove network namespace", path, errno: failed,
                           hint: "remove it with: ip netns del \(name)")
        }
        return path
    }

    /// A device's ifindex in the calling thread's namespace.
    static func ifindex(_ device: String, namespace: String) throws(BPFError) -> Int32 {
        let index = if_nametoindex(device)
        guard index > 0 else { throw BPFError("find device", "\(device) in network namespace \(namespace)", errno: errno) }
        return Int32(bitPattern: index)
    }
}

/// A clsact qdisc and a bpf filter on it, made with libnl messages
/// (RTM_NEWQDISC, RTM_NEWTFILTER), as
/// `tc qdisc add dev D clsact` and
/// `tc filter add dev D ingress pref P protocol all bpf direct-action fd F`.
enum ClsactFilter {
    /// TC_H_MAKE(TC_H_CLSACT, 0): clsact's own handle, ffff:.
    static let clsactHandle: UInt32 = 0xFFFF_0000
    /// TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS): its ingress hook.
    static let ingressParent: UInt32 = (UInt32(TC_H_CLSACT) & 0xFFFF_0000) | (UInt32(TC_H_MIN_INGRESS) & 0xFFFF)
    static let ethernetAll: UInt16 = 0x0003

    static func message(_ type: Int32, ifindex: Int32, handle: UInt32, parent: UInt32, info: UInt32,
                        kind: String, subject: String) throws(BPFError) -> OpaquePointer {
        guard let message = nlmsg_alloc_simple(type, NLM_F_CREATE | NLM_F_EXCL) else {
            throw BPFError("allocate a netlink message for", subject, errno: ENOMEM)
        }
        var header = tcmsg()
        header.tcm_family = UInt8(AF_UNSPEC)
        header.tcm_ifindex = ifindex
        header.tcm_handle = handle
        header.tcm_parent = parent
        header.tcm_info = info
        guard nlmsg_append(message, &header, MemoryLayout<tcmsg>.size, Int32(NLMSG_ALIGNTO)) == 0,
              nla_put_string(message, Int32(TCA_KIND), kind) == 0 else {
            nlmsg_free(message)
            throw BPFError("build the netlink message for", subject, errno: EMSGSIZE)
        }
        return message
    }

    static func addClsact(ifindex: Int32, device: String, on socket: NetlinkRequestSocket,
                          namespace: String) throws(BPFError) {
        let subject = "\(device) in network namespace \(namespace)"
        let message = try message(Int32(RTM_NEWQDISC), ifindex: ifindex, handle: clsactHandle, parent: UInt32(TC_H_CLSACT),
                                  info: 0, kind: "clsact", subject: subject)
        try socket.request(message, "add clsact qdisc to", subject, hint: { code in
            code == ENOENT || code == EOPNOTSUPP ? "this kernel has no clsact qdisc (CONFIG_NET_SCH_INGRESS)" : nil
        })
    }

    static func addIngressBPF(ifindex: Int32, device: String, programFD: Int32, programName: String, priority: UInt16,
                              on socket: NetlinkRequestSocket, namespace: String) throws(BPFError) {
        let subject = "\(device) ingress in network namespace \(namespace)"
        // tcm_info: the priority in the upper half, the protocol (network
        // byte order) in the lower.
        let info = UInt32(priority) << 16 | UInt32(ethernetAll.bigEndian)
        let message = try message(Int32(RTM_NEWTFILTER), ifindex: ifindex, handle: 0, parent: ingressParent,
                                  info: info, kind: "bpf", subject: subject)
        guard let options = nla_nest_start(message, Int32(TCA_OPTIONS)),
              nla_put_u32(message, Int32(TCA_BPF_FD), UInt32(bitPattern: programFD)) == 0,
              nla_put_string(message, Int32(TCA_BPF_NAME), programName) == 0,
              nla_put_u32(message, Int32(TCA_BPF_FLAGS), UInt32(TCA_BPF_FLAG_ACT_DIRECT)) == 0 else {
            nlmsg_free(message)
            throw BPFError("build the netlink message for", subject, errno: EMSGSIZE)
        }
        nla_nest_end(message, options)
        try socket.request(message, "add bpf filter to", subject, hint: { code in
            code == ENOENT || code == EOPNOTSUPP ? "this kernel has no bpf classifier (CONFIG_NET_CLS_BPF)" : nil
        })
    }
}

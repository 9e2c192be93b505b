import BPFKit
import Glibc
import Iterators
import Netlink

/// The demo's network part (iters/demo_net.bpf.c, Netlink's `DemoNetwork`):
/// an XDP link on demo0 and a tc bpf filter on demo1, in a network
/// namespace the demo makes. The namespace is recorded in the pin
/// directory's manifest (its inode and cookie, name `netns/NAME`): the demo
/// replaces and `unpin --all` removes only a namespace recorded there, and
/// refuses one of that name that is not.
extension Demo {
    public static let netObjectStem = "demo_net"
    public static let netObjectName = "bpfnav_demo_net"
    public static let xdpProgram = "bpfnav_demo_xdp"
    public static let tcProgram = "bpfnav_demo_tc"
    public static let xdpLinkPin = "xdp"
    public static let packetsPin = "packets"
    public static let packetsMap = "bpfnav_demo_pkt"
    public static let xdpDevice = DemoNetwork.xdpDevice
    public static let tcDevice = DemoNetwork.tcDevice
    public static let filterPriority = DemoNetwork.filterPriority
    static let packetsAbout = "packets and bytes seen by XDP on demo0 (0) and tc ingress on demo1 (1)"

    /// What became of the network part.
    public enum NetworkOutcome: Sendable, Equatable {
        case made(namespace: String, tcProgramID: UInt32)
        /// Not made, and why (no network namespaces, no veth, no privilege).
        case skipped(String)
    }

    /// The network part, loaded and made, until its pins are in place: it
    /// holds the programs and the XDP link's fd.
    final class NetworkPart {
        let object: BPFObject
        let made: DemoNetwork.Made

        init(object: BPFObject, made: DemoNetwork.Made) {
            self.object = object
            self.made = made
        }

        deinit { close(made.xdpLink) }

        var tcProgramID: UInt32 { (try? ObjectIdentity.id(of: (try? object.programFD(Demo.tcProgram)) ?? -1, kind: .program)) ?? 0 }
    }

    /// The manifest's name of a namespace record.
    static func recordName(_ network: DemoNetwork) -> String { "netns/\(network.name)" }

    /// Why the network part cannot be made here, or nil.
    func networkSkipReason() -> String? {
        if network == nil { return "not asked for" }
        if let reason = DemoNetwork.unsupportedReason() { return reason }
        if !Capabilities.current().has(Capabilities.sysAdmin) {
            return "making a network namespace needs CAP_SYS_ADMIN (run as root for it)"
        }
        return nil
    }

    /// The namespace at /run/netns/NAME must be missing or bpfnav's demo's,
    /// as this directory's manifest records it; anything else is refused.
    func checkNetworkReplaceable(_ network: DemoNetwork, _ manifest: PinManifest?) throws(BPFError) {
        guard NamedNetNamespace.isValidName(network.name) else {
            throw BPFError("use network namespace name", "'\(network.name)'", errno: EINVAL,
                           hint: "\(DemoNetwork.nameVariable) must be a file name of printable characters, without '/'")
        }
        switch NamedNetNamespace.entry(network.name) {
        case .missing:
            return
        case .namespace(let identity) where Self.owns(network, identity, manifest):
            return
        default:
            throw BPFError("replace network namespace", network.path, errno: EEXIST,
                           hint: "bpfnav's demo did not make it (this pin directory's manifest does not record it): leave it, remove it yourself (ip netns del \(network.name)) if it is yours, or name another with \(DemoNetwork.nameVariable)=NAME")
        }
    }

    static func owns(_ network: DemoNetwork, _ identity: NamedNetNamespace.Identity, _ manifest: PinManifest?) -> Bool {
        guard let record = manifest?.netNamespace(inode: identity.inode), record.role == .demo,
              record.name == Self.recordName(network) else { return false }
        return record.cookie == 0 || identity.cookie == 0 || record.cookie == identity.cookie
    }

    /// Removes the demo's namespace if this manifest records it, and records
    /// of namespaces that are gone. Returns the paths removed.
    func removeNetwork(_ manifest: PinManifest) -> [String] {
        var removed: [String] = []
        for (inode, record) in manifest.netNamespaces() where record.role == .demo && record.name.hasPrefix("netns/") {
            let network = DemoNetwork(name: String(record.name.dropFirst("netns/".count)))
            guard NamedNetNamespace.isValidName(network.name) else { continue }
            switch NamedNetNamespace.entry(network.name) {
            case .namespace(let identity) where identity.inode & 0xFFFF_FFFF == inode
                && (record.cookie == 0 || identity.cookie == 0 || record.cookie == identity.cookie):
                guard let path = try? network.remove() else { continue }
                removed.append(path)
                manifest.removeNetNamespace(inode: inode)
            case .missing:
                manifest.removeNetNamespace(inode: inode)
            default:
                // Someone else's now: the record is stale, the namespace not ours.
                manifest.removeNetNamespace(inode: inode)
            }
        }
        return removed
    }

    /// Loads the network programs and makes the namespace, the veth pair,
    /// the XDP link and the tc filter, recording the namespace first. nil
    /// with the reason when the machine cannot have them; a failure is
    /// thrown after what was made is undone.
    func makeNetwork(_ network: DemoNetwork, _ manifest: PinManifest) throws(BPFError) -> Result<NetworkPart, NetworkSkipped> {
        let object = try BPFObject(elf: Catalog.object(named: Self.netObjectStem), name: Self.netObjectName)
        try object.load()
        let xdpFD = try object.programFD(Self.xdpProgram)
        let tcFD = try object.programFD(Self.tcProgram)
        final class Recorded: @unchecked Sendable { var inode: UInt64? }
        let recorded = Recorded()
        do throws(DemoNetwork.Failure) {
            let made = try network.make(xdpProgramFD: xdpFD, tcProgramFD: tcFD, tcProgramName: Self.tcProgram) { (identity) throws(BPFError) in
                var record = PinManifest.Record(role: .demo, name: Self.recordName(network))
                record.cookie = identity.cookie
                try manifest.setNetNamespace(inode: identity.inode, record)
                recorded.inode = identity.inode
            }
            return .success(NetworkPart(object: object, made: made))
        } catch {
            if let inode = recorded.inode { manifest.removeNetNamespace(inode: inode) }
            if let reason = DemoNetwork.unsupportedReason(error) { return .failure(NetworkSkipped(reason: reason)) }
            var failure = error.error
            failure.hint = "the demo's network part failed at step '\(error.step.rawValue)' and was undone"
                + (failure.hint.map { ": \($0)" } ?? "") + "; nothing of it is left"
            throw failure
        }
    }

    struct NetworkSkipped: Error {
        var reason: String
    }

    /// Undoes a made network part whose pins could not be made.
    func undoNetwork(_ network: DemoNetwork, _ part: NetworkPart, _ manifest: PinManifest) {
        _ = try? network.remove()
        manifest.removeNetNamespace(inode: part.made.identity.inode)
    }
}

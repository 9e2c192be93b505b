import BPFKit
import CNetlink
import Glibc

// Network namespaces and what runs in them, read through rtnetlink (libnl)
// and BPF_PROG_QUERY inside each namespace. Only this module and BPFKit
// speak to the kernel: everything above takes the snapshots it returns.

extension NetSnapshot {
    /// Every namespace bpfnav can see (`NetNamespace.all()`), each read from
    /// inside it. A namespace that cannot be entered or read gets its
    /// entry with `errors`; nothing here throws.
    public static func collect(namespaces: [NetNamespace] = NetNamespace.all()) -> NetSnapshot {
        var snapshot = NetSnapshot(namespaces: namespaces.map(NetNamespaceSnapshot.collect))
        snapshot.netfilter = NetfilterLink.all()
        return snapshot
    }

    /// The one namespace whose device with `ifindex` runs `programID` in
    /// some XDP mode: where an XDP link's program runs (bpf_link_info gives
    /// an ifindex, not its namespace). nil when none, or more than one.
    public func xdpDevice(ifindex: UInt32, programID: UInt32) -> (NetNamespace, NetDevice)? {
        unique(namespaces.flatMap { namespace in
            namespace.xdp.filter { $0.device.ifindex == ifindex && $0.programID == programID }
                .map { (namespace.namespace, $0.device) }
        })
    }

    /// The same for tcx and netkit links: the one namespace whose device
    /// with `ifindex` runs `programID` at `attachType`.
    public func multiProgDevice(ifindex: UInt32, programID: UInt32, attachType: UInt32) -> (NetNamespace, NetDevice)? {
        unique(namespaces.flatMap { namespace in
            namespace.multiProg.filter { $0.device.ifindex == ifindex && $0.programID == programID && $0.attachType == attachType }
                .map { (namespace.namespace, $0.device) }
        })
    }

    private func unique(_ found: [(NetNamespace, NetDevice)]) -> (NetNamespace, NetDevice)? {
        guard let first = found.first else { return nil }
        return found.allSatisfy({ $0.0 == first.0 && $0.1 == first.1 }) ? first : nil
    }
}

extension NetNamespaceSnapshot {
    /// One namespace, read from inside it: the route socket is made there
    /// and the tcx/netkit queries run there; the thread goes back before
    /// this returns.
    public static func collect(_ namespace: NetNamespace) -> NetNamespaceSnapshot {
        var snapshot = NetNamespaceSnapshot(namespace: namespace)
        do {
            try namespace.entered { (fd) throws(BPFError) in
                let socket = try RouteSocket()
                snapshot.read(socket: socket, namespaceFD: fd)
            }
        } catch {
            snapshot.errors.append(error.message)
        }
        return snapshot
    }

    /// Each part on its own: one refused dump leaves the others.
    private mutating func read(socket: RouteSocket, namespaceFD: Int32) {
        func attempt(_ body: () throws(BPFError) -> Void) {
            do { try body() } catch { errors.append(error.message) }
        }
        attempt { () throws(BPFError) in (devices, xdp) = try Devices.dump(socket) }
        attempt { () throws(BPFError) in
            let qdiscs = try TCFilters.qdiscs(socket)
            for device in devices {
                attempt { () throws(BPFError) in tc += try TCFilters.dump(socket, device: device, qdiscs: qdiscs) }
            }
        }
        attempt { () throws(BPFError) in actions = try TCActions.dump(socket) }
        // One refusal (EPERM without CAP_BPF) says it for every device.
        attempt { () throws(BPFError) in
            for device in devices { multiProg += try MultiProg.device(device) }
        }
        attempt { () throws(BPFError) in namespacePrograms = try MultiProg.namespace(fd: namespaceFD) }
    }
}

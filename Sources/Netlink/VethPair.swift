import BPFKit
import CNetlink
import Glibc

/// An rtnetlink socket for requests (make, change, delete), opened in the
/// calling thread's network namespace, where it stays: a socket's namespace
/// is the one it was made in. Each request waits for the kernel's answer and
/// fails with the kernel's own errno.
final class NetlinkRequestSocket {
    let socket: OpaquePointer

    init(in namespace: String) throws(BPFError) {
        guard let socket = nl_socket_alloc() else {
            throw BPFError("allocate a netlink socket for", namespace, errno: ENOMEM)
        }
        let connected = nl_connect(socket, NETLINK_ROUTE)
        guard connected == 0 else {
            nl_socket_free(socket)
            throw Self.error("open a route netlink socket in", namespace, connected)
        }
        self.socket = socket
    }

    deinit {
        nl_socket_free(socket)
    }

    /// Sends `message` (which it frees) and waits for the answer.
    func request(_ message: OpaquePointer, _ operation: String, _ subject: String,
                 hint: ((Int32) -> String?)? = nil) throws(BPFError) {
        let answer = bpfnav_nl_request(socket, message)
        nlmsg_free(message)
        guard answer == 0 else {
            var error = Self.error(operation, subject, answer)
            if answer > 0, let hint = hint?(answer) { error.hint = hint }
            throw error
        }
    }

    /// A kernel errno (positive) as it is; a libnl error (negative) by
    /// libnl's name for it.
    static func error(_ operation: String, _ subject: String, _ code: Int32) -> BPFError {
        if code > 0 { return BPFError(operation, subject, errno: code) }
        var error = BPFError(operation, subject, errno: 0)
        error.cause = "libnl: " + String(cString: nl_geterror(code))
        return error
    }
}

/// A veth pair made and removed through libnl-route (RTM_NEWLINK of kind
/// veth, as `ip link add A type veth peer name B`), in the namespace of the
/// socket given.
enum VethPair {
    /// Makes `name` and its peer `peer`, with no address. They are brought
    /// up afterwards (`up`): a veth end cannot open before its peer exists
    /// (ENOTCONN), so IFF_UP cannot be part of the creation.
    static func create(_ name: String, peer peerName: String, on socket: NetlinkRequestSocket,
                       namespace: String) throws(BPFError) {
        guard let link = rtnl_link_veth_alloc() else {
            throw BPFError("allocate a veth request for", name, errno: ENOMEM)
        }
        defer { rtnl_link_veth_release(link) }
        rtnl_link_set_name(link, name)
        if let peer = rtnl_link_veth_get_peer(link) {
            rtnl_link_set_name(peer, peerName)
            rtnl_link_put(peer)
        }
        var message: OpaquePointer?
        let built = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &message)
        guard built == 0, let message else {
            throw NetlinkRequestSocket.error("build the request for veth pair", "\(name)/\(peerName)", built)
        }
        try socket.request(message, "create veth pair", "\(name)/\(peerName) in network namespace \(namespace)", hint: { code in
            code == EOPNOTSUPP ? "this kernel has no veth devices (CONFIG_VETH, module veth)" : nil
        })
    }

    /// Sets the device `ifindex` up (RTM_NEWLINK on an existing device,
    /// IFF_UP in flags and change, as `ip link set dev D up`), with no
    /// address but the IPv6 link-local one the kernel gives a device that
    /// comes up.
    static func up(_ ifindex: Int32, device: String, on socket: NetlinkRequestSocket, namespace: String) throws(BPFError) {
        guard let link = rtnl_link_alloc() else {
            throw BPFError("allocate a request for device", device, errno: ENOMEM)
        }
        defer { rtnl_link_put(link) }
        rtnl_link_set_ifindex(link, ifindex)
        rtnl_link_set_flags(link, UInt32(IFF_UP))
        var message: OpaquePointer?
        let built = rtnl_link_build_add_request(link, 0, &message)
        guard built == 0, let message else {
            throw NetlinkRequestSocket.error("build the request to set up device", device, built)
        }
        try socket.request(message, "set up device", "\(device) in network namespace \(namespace)")
    }

    /// Deletes the device `name` (and with a veth, its peer).
    static func delete(_ name: String, on socket: NetlinkRequestSocket, namespace: String) throws(BPFError) {
        guard let link = rtnl_link_alloc() else {
            throw BPFError("allocate a request for device", name, errno: ENOMEM)
        }
        defer { rtnl_link_put(link) }
        rtnl_link_set_name(link, name)
        var message: OpaquePointer?
        let built = rtnl_link_build_delete_request(link, &message)
        guard built == 0, let message else {
            throw NetlinkRequestSocket.error("build the request to delete device", name, built)
        }
        try socket.request(message, "delete device", "\(name) in network namespace \(namespace)")
    }
}

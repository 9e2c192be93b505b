import CNetlink

// Network namespaces and what runs in them, read through rtnetlink (libnl).
// Only this module and BPFKit speak to the kernel: everything above takes
// the snapshots it returns.

/// libnl's version, as its headers say.
public let netlinkLibraryVersion = LIBNL_STRING

/// A route socket's smoke test: libnl allocates and frees one.
public func netlinkAvailable() -> Bool {
    guard let socket = nl_socket_alloc() else { return false }
    nl_socket_free(socket)
    return true
}

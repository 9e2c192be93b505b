import BPFKit
import CNetlink
import Glibc

/// A NETLINK_ROUTE socket (libnl) in the namespace it was made in, and the
/// dumps bpfnav asks of it. Each dump hands every message to `body` with its
/// attributes parsed; the kernel's error (NLMSG_ERROR) ends the dump as a
/// `BPFError` that keeps the errno.
final class RouteSocket {
    private let socket: OpaquePointer

    /// Creates and connects a socket in the calling thread's namespace.
    init() throws(BPFError) {
        guard let socket = nl_socket_alloc() else {
            throw BPFError("allocate", "a route netlink socket", errno: ENOMEM)
        }
        let result = nl_connect(socket, NETLINK_ROUTE)
        if result < 0 {
            nl_socket_free(socket)
            throw BPFError("connect", "a route netlink socket", errno: Self.errno(libnl: result))
        }
        // Large dumps (many devices or filters) come in big messages.
        nl_socket_set_msg_buf_size(socket, 32768)
        self.socket = socket
    }

    deinit { nl_socket_free(socket) }

    /// One parsed message: its fixed header and its top-level attributes
    /// (index = attribute type, nil where absent).
    struct Message {
        let header: UnsafeMutablePointer<nlmsghdr>
        let attributes: [UnsafeMutablePointer<nlattr>?]

        /// The fixed header after nlmsghdr (ifinfomsg, tcmsg, tcamsg).
        func fixed<T>(_: T.Type) -> T {
            nlmsg_data(header).assumingMemoryBound(to: T.self).pointee
        }

        subscript(_ type: some BinaryInteger) -> UnsafeMutablePointer<nlattr>? {
            let index = Int(type)
            return index < attributes.count ? attributes[index] : nil
        }
    }

    /// Sends a dump request of `type` with the fixed header `request` (and
    /// the attributes `attributes` adds), and calls `body` for each reply,
    /// its attributes parsed up to `maxAttribute`.
    func dump<Header>(_ what: String, type: Int32, request: Header, maxAttribute: Int32,
                      attributes: ((OpaquePointer) -> Void)? = nil,
                      _ body: (Message) -> Void) throws(BPFError) {
        guard let message = nlmsg_alloc_simple(type, NLM_F_DUMP) else {
            throw BPFError("dump", what, errno: ENOMEM)
        }
        defer { nlmsg_free(message) }
        var request = request
        var result = nlmsg_append(message, &request, MemoryLayout<Header>.size, Int32(NLMSG_ALIGNTO))
        if result >= 0 { attributes?(message) }
        if result >= 0 { result = nl_send_auto(socket, message) }
        if result < 0 { throw BPFError("dump", what, errno: Self.errno(libnl: result)) }

        try withoutActuallyEscaping(body) { (body) throws(BPFError) in
            let context = DumpContext(headerSize: Int32(MemoryLayout<Header>.size), maxAttribute: maxAttribute, body: body)
            let unmanaged = Unmanaged.passUnretained(context).toOpaque()
            guard let callbacks = nl_cb_alloc(NL_CB_DEFAULT) else { throw BPFError("dump", what, errno: ENOMEM) }
            defer { nl_cb_put(callbacks) }
            nl_cb_set(callbacks, NL_CB_VALID, NL_CB_CUSTOM, { message, argument in
                let context = Unmanaged<DumpContext>.fromOpaque(argument!).takeUnretainedValue()
                context.handle(message!)
                return Int32(NL_OK.rawValue)
            }, unmanaged)
            nl_cb_err(callbacks, NL_CB_CUSTOM, { _, error, argument in
                let context = Unmanaged<DumpContext>.fromOpaque(argument!).takeUnretainedValue()
                context.errno = -error!.pointee.error
                return Int32(NL_STOP.rawValue)
            }, unmanaged)
            let received = nl_recvmsgs(socket, callbacks)
            if context.errno != 0 { throw BPFError("dump", what, errno: context.errno) }
            if received < 0 { throw BPFError("dump", what, errno: Self.errno(libnl: received)) }
            withExtendedLifetime(context) {}
        }
    }

    /// libnl's error code as the errno it stands for (most map one to
    /// one; libnl keeps no errno beside them).
    static func errno(libnl code: Int32) -> Int32 {
        switch -code {
        case NLE_NOMEM: ENOMEM
        case NLE_PERM: EPERM
        case NLE_NOACCESS: EACCES
        case NLE_INVAL: EINVAL
        case NLE_OPNOTSUPP: EOPNOTSUPP
        case NLE_OBJ_NOTFOUND, NLE_NOATTR: ENOENT
        case NLE_NODEV: ENODEV
        case NLE_AF_NOSUPPORT: EAFNOSUPPORT
        case NLE_PROTO_MISMATCH: EPROTONOSUPPORT
        case NLE_BUSY: EBUSY
        case NLE_AGAIN: EAGAIN
        case NLE_INTR: EINTR
        case NLE_MSGSIZE, NLE_MSG_TRUNC: EMSGSIZE
        case NLE_RANGE: ERANGE
        case NLE_EXIST: EEXIST
        default: EIO
        }
    }
}

/// What the C callbacks reach through their context pointer.
private final class DumpContext {
    let headerSize: Int32
    let maxAttribute: Int32
    let body: (RouteSocket.Message) -> Void
    var errno: Int32 = 0

    init(headerSize: Int32, maxAttribute: Int32, body: @escaping (RouteSocket.Message) -> Void) {
        self.headerSize = headerSize
        self.maxAttribute = maxAttribute
        self.body = body
    }

    func handle(_ message: OpaquePointer) {
        guard let header = nlmsg_hdr(message) else { return }
        // A reply too short for its fixed header is not one of ours.
        guard nlmsg_datalen(header) >= headerSize else { return }
        var table = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: Int(maxAttribute) + 1)
        guard nlmsg_parse(header, headerSize, &table, maxAttribute, nil) >= 0 else { return }
        body(RouteSocket.Message(header: header, attributes: table))
    }
}

/// Attribute readers over libnl's, for the nested attributes of a reply.
enum Attribute {
    /// The attributes nested in `attribute`, indexed by type up to `max`.
    static func nested(_ attribute: UnsafeMutablePointer<nlattr>?, max: some BinaryInteger) -> [UnsafeMutablePointer<nlattr>?]? {
        guard let attribute else { return nil }
        var table = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: Int(max) + 1)
        guard nla_parse_nested(&table, Int32(max), attribute, nil) >= 0 else { return nil }
        return table
    }

    static func u32(_ attribute: UnsafeMutablePointer<nlattr>?) -> UInt32? {
        guard let attribute, nla_len(attribute) >= 4 else { return nil }
        return nla_get_u32(attribute)
    }

    static func u8(_ attribute: UnsafeMutablePointer<nlattr>?) -> UInt8? {
        guard let attribute, nla_len(attribute) >= 1 else { return nil }
        return nla_get_u8(attribute)
    }

    /// A NUL-terminated string attribute (its bytes up to the NUL).
    static func string(_ attribute: UnsafeMutablePointer<nlattr>?) -> String? {
        guard let attribute else { return nil }
        return String(decoding: bytes(attribute).prefix { $0 != 0 }, as: UTF8.self)
    }

    static func bytes(_ attribute: UnsafeMutablePointer<nlattr>) -> [UInt8] {
        let length = Int(nla_len(attribute))
        guard length > 0, let data = nla_data(attribute) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }

    /// The attribute's payload as the C struct `T`, if it is long enough.
    static func value<T>(_ attribute: UnsafeMutablePointer<nlattr>?, as _: T.Type) -> T? {
        guard let attribute, Int(nla_len(attribute)) >= MemoryLayout<T>.size, let data = nla_data(attribute) else { return nil }
        return data.loadUnaligned(as: T.self)
    }
}

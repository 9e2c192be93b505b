import Glibc

/// An errno: what a failed bpf(2), libbpf or libc call set, by its name.
///
/// bpfnav prints a code as its symbolic name beside strerror's text
/// ("No space left on device (ENOSPC)") and reads names back
/// (`BPFNAV_FAULTS`). The names it knows are the table below; any other
/// code reads "errno N".
public struct Errno: RawRepresentable, Hashable, Sendable, Error, CustomStringConvertible {
    public var rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    public static let EPERM = Errno(rawValue: Glibc.EPERM)
    public static let ENOENT = Errno(rawValue: Glibc.ENOENT)
    public static let ESRCH = Errno(rawValue: Glibc.ESRCH)
    public static let EINTR = Errno(rawValue: Glibc.EINTR)
    public static let EIO = Errno(rawValue: Glibc.EIO)
    public static let ENXIO = Errno(rawValue: Glibc.ENXIO)
    public static let E2BIG = Errno(rawValue: Glibc.E2BIG)
    public static let ENOEXEC = Errno(rawValue: Glibc.ENOEXEC)
    public static let EBADF = Errno(rawValue: Glibc.EBADF)
    public static let EAGAIN = Errno(rawValue: Glibc.EAGAIN)
    public static let ENOMEM = Errno(rawValue: Glibc.ENOMEM)
    public static let EACCES = Errno(rawValue: Glibc.EACCES)
    public static let EFAULT = Errno(rawValue: Glibc.EFAULT)
    public static let EBUSY = Errno(rawValue: Glibc.EBUSY)
    public static let EEXIST = Errno(rawValue: Glibc.EEXIST)
    public static let EXDEV = Errno(rawValue: Glibc.EXDEV)
    public static let ENODEV = Errno(rawValue: Glibc.ENODEV)
    public static let ENOTDIR = Errno(rawValue: Glibc.ENOTDIR)
    public static let EISDIR = Errno(rawValue: Glibc.EISDIR)
    public static let EINVAL = Errno(rawValue: Glibc.EINVAL)
    public static let ENFILE = Errno(rawValue: Glibc.ENFILE)
    public static let EMFILE = Errno(rawValue: Glibc.EMFILE)
    public static let ENOTTY = Errno(rawValue: Glibc.ENOTTY)
    public static let EFBIG = Errno(rawValue: Glibc.EFBIG)
    public static let ENOSPC = Errno(rawValue: Glibc.ENOSPC)
    public static let EROFS = Errno(rawValue: Glibc.EROFS)
    public static let EPIPE = Errno(rawValue: Glibc.EPIPE)
    public static let ERANGE = Errno(rawValue: Glibc.ERANGE)
    public static let ENAMETOOLONG = Errno(rawValue: Glibc.ENAMETOOLONG)
    public static let ENOSYS = Errno(rawValue: Glibc.ENOSYS)
    public static let ENOTEMPTY = Errno(rawValue: Glibc.ENOTEMPTY)
    public static let ELOOP = Errno(rawValue: Glibc.ELOOP)
    public static let ENODATA = Errno(rawValue: Glibc.ENODATA)
    public static let EOVERFLOW = Errno(rawValue: Glibc.EOVERFLOW)
    public static let EOPNOTSUPP = Errno(rawValue: Glibc.EOPNOTSUPP)
    public static let ETIMEDOUT = Errno(rawValue: Glibc.ETIMEDOUT)
    /// `bpfnav serve`'s bind: the port is taken, the address is not this machine's.
    public static let EADDRINUSE = Errno(rawValue: Glibc.EADDRINUSE)
    public static let EADDRNOTAVAIL = Errno(rawValue: Glibc.EADDRNOTAVAIL)
    /// The kernel's own "operation not supported" (524, include/linux/errno.h),
    /// which bpf(2) passes on to userspace: e.g. for a batch lookup on a map
    /// type that has none. libc has no name for it (its ENOTSUP is EOPNOTSUPP).
    public static let ENOTSUPP = Errno(rawValue: 524)

    /// Every code with a name. glibc's aliases (EWOULDBLOCK, ENOTSUP) share
    /// a value with EAGAIN and EOPNOTSUPP, and read as those.
    private static let names: [Errno: String] = [
        .EPERM: "EPERM", .ENOENT: "ENOENT", .ESRCH: "ESRCH", .EINTR: "EINTR", .EIO: "EIO", .ENXIO: "ENXIO",
        .E2BIG: "E2BIG", .ENOEXEC: "ENOEXEC", .EBADF: "EBADF", .EAGAIN: "EAGAIN", .ENOMEM: "ENOMEM",
        .EACCES: "EACCES", .EFAULT: "EFAULT", .EBUSY: "EBUSY", .EEXIST: "EEXIST", .EXDEV: "EXDEV",
        .ENODEV: "ENODEV", .ENOTDIR: "ENOTDIR", .EISDIR: "EISDIR", .EINVAL: "EINVAL", .ENFILE: "ENFILE",
        .EMFILE: "EMFILE", .ENOTTY: "ENOTTY", .EFBIG: "EFBIG", .ENOSPC: "ENOSPC", .EROFS: "EROFS",
        .EPIPE: "EPIPE", .ERANGE: "ERANGE", .ENAMETOOLONG: "ENAMETOOLONG", .ENOSYS: "ENOSYS",
        .ENOTEMPTY: "ENOTEMPTY", .ELOOP: "ELOOP", .ENODATA: "ENODATA", .EOVERFLOW: "EOVERFLOW",
        .EOPNOTSUPP: "EOPNOTSUPP", .ETIMEDOUT: "ETIMEDOUT", .ENOTSUPP: "ENOTSUPP",
        .EADDRINUSE: "EADDRINUSE", .EADDRNOTAVAIL: "EADDRNOTAVAIL",
    ]

    /// The symbolic name, e.g. "EPERM"; "errno N" for a code without one.
    public var name: String {
        Self.names[self] ?? "errno \(rawValue)"
    }

    /// `strerror`'s text, e.g. "Operation not permitted"; glibc has none
    /// for ENOTSUPP and says "Unknown error 524".
    public var description: String {
        String(cString: strerror(rawValue))
    }

    // For codes as C and bpfnav's records hold them.

    /// `strerror`, without depending on its static buffer.
    public static func describe(_ code: Int32) -> String {
        Errno(rawValue: code).description
    }

    public static func name(_ code: Int32) -> String {
        Errno(rawValue: code).name
    }

    /// The errno with this symbolic name ("ENOSPC"), among those `name` knows.
    public static func code(named text: String) -> Int32? {
        (1...ENOTSUPP.rawValue).first { Self.name($0) == text }
    }
}

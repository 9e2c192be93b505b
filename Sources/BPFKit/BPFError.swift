import Glibc

/// An error from the kernel or libbpf: what was being done, to what, the errno,
/// and what the user can do about it.
///
/// Reads "verb subject: cause (ENAME)", then a hint on its own line:
/// `pin link at /sys/fs/bpf/bpfnav/tasks: Permission denied (EACCES)`.
public struct BPFError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var subject: String
    public var errno: Int32
    /// What the user can do next, when there is something to say.
    public var hint: String?
    /// libbpf's messages (warnings and notes; the verifier's log among them
    /// when a program failed to load). Printed only on request (--verbose).
    public var log: String?
    /// What went wrong, in place of `strerror(errno)`, when something more
    /// exact is known: the verifier's reason line for a refused program.
    public var cause: String?
    /// A file holding the whole verifier log of a refused program.
    public var logPath: String?

    public init(_ operation: String, _ subject: String, errno: Int32, hint: String? = nil, log: String? = nil) {
        self.operation = operation
        self.subject = subject
        self.errno = errno
        self.hint = hint ?? Self.resourceHint(errno)
        self.log = log
    }

    /// What to do about running out of something, whatever the operation.
    static func resourceHint(_ code: Int32) -> String? {
        switch code {
        case EMFILE: "this process has too many open files: raise the limit (ulimit -n) and try again"
        case ENFILE: "the system has too many open files: close some, or raise fs.file-max"
        case ENOSPC: "no space left (on the device, or for BPF objects): free some and try again"
        case ENOMEM: "out of memory (or locked-memory limit): free memory, or raise ulimit -l on older kernels"
        default: nil
        }
    }

    /// The errno's symbolic name, e.g. "EPERM".
    public var errnoName: String { Errno.name(errno) }

    public var message: String {
        var text = subject.isEmpty ? operation : "\(operation) \(subject)"
        if let cause {
            text += ": \(cause)"
            if errno != 0 { text += " (\(errnoName))" }
        } else if errno != 0 {
            text += ": \(Errno.describe(errno)) (\(errnoName))"
        }
        return text
    }

    public var description: String {
        var text = message
        if let hint { text += "\n  \(hint)" }
        if let logPath { text += "\n  the verifier's whole log is in \(logPath)" }
        return text
    }
}

/// The kernel's own "operation not supported" (524, include/linux/errno.h),
/// which bpf(2) passes on to userspace: e.g. for a batch lookup on a map
/// type that has none. libc has no name for it (its ENOTSUP is EOPNOTSUPP).
public let ENOTSUPP: Int32 = 524

public enum Errno {
    /// `strerror`, without depending on its static buffer.
    public static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    public static func name(_ code: Int32) -> String {
        switch code {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case ESRCH: "ESRCH"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case ENXIO: "ENXIO"
        case E2BIG: "E2BIG"
        case ENOEXEC: "ENOEXEC"
        case EBADF: "EBADF"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EFAULT: "EFAULT"
        case EBUSY: "EBUSY"
        case EEXIST: "EEXIST"
        case EXDEV: "EXDEV"
        case ENODEV: "ENODEV"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case EINVAL: "EINVAL"
        case ENFILE: "ENFILE"
        case EMFILE: "EMFILE"
        case ENOTTY: "ENOTTY"
        case EFBIG: "EFBIG"
        case ENOSPC: "ENOSPC"
        case EROFS: "EROFS"
        case EPIPE: "EPIPE"
        case ERANGE: "ERANGE"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case ENOSYS: "ENOSYS"
        case ENOTEMPTY: "ENOTEMPTY"
        case ELOOP: "ELOOP"
        case ENODATA: "ENODATA"
        case EOVERFLOW: "EOVERFLOW"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case ETIMEDOUT: "ETIMEDOUT"
        case ENOTSUPP: "ENOTSUPP"
        default: "errno \(code)"
        }
    }

    /// The errno with this symbolic name ("ENOSPC"), among those `name` knows.
    public static func code(named text: String) -> Int32? {
        (1...ENOTSUPP).first { Self.name($0) == text }
    }
}

/// The one place bpfnav's BPF and file system calls report failure.
///
/// `body` returns what the C call returns. libbpf returns -errno (and sets
/// errno); plain libc returns -1 and sets errno. Both become a `BPFError`.
/// A -1 with errno unset can only be libbpf's -EPERM (libc always sets
/// errno), e.g. when the call's result was captured before `check` ran.
@discardableResult
public func check(_ operation: String, _ subject: String, hint: ((Int32) -> String?)? = nil,
                  _ body: () -> Int32) throws(BPFError) -> Int32 {
    errno = 0
    let result = body()
    if result >= 0 { return result }
    let code = result < -1 ? -result : (errno != 0 ? errno : EPERM)
    throw BPFError(operation, subject, errno: code, hint: hint?(code))
}

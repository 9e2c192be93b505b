import Glibc

/// An error from the kernel or libbpf: what was being done, to what, the errno,
/// and what the user can do about it.
///
/// Reads "verb subject: cause (ENAME)", then a hint on its own line:
/// `pin link at /sys/fs/bpf/bpfnav/tasks: Permission denied (EACCES)`.
public struct BPFError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var subject: String
    /// 0 when there is no errno to give: bpfnav itself found the problem.
    public var code: Errno
    /// `code` as C has it.
    public var errno: Int32 {
        get { code.rawValue }
        set { code = Errno(rawValue: newValue) }
    }
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
        code = Errno(rawValue: errno)
        self.hint = hint ?? Self.resourceHint(errno)
        self.log = log
    }

    public init(_ operation: String, _ subject: String, errno code: Errno, hint: String? = nil, log: String? = nil) {
        self.init(operation, subject, errno: code.rawValue, hint: hint, log: log)
    }

    /// What to do about running out of something, whatever the operation.
    static func resourceHint(_ code: Int32) -> String? {
        switch Errno(rawValue: code) {
        case .EMFILE: "this process has too many open files: raise the limit (ulimit -n) and try again"
        case .ENFILE: "the system has too many open files: close some, or raise fs.file-max"
        case .ENOSPC: "no space left (on the device, or for BPF objects): free some and try again"
        case .ENOMEM: "out of memory (or locked-memory limit): free memory, or raise ulimit -l on older kernels"
        default: nil
        }
    }

    /// The errno's symbolic name, e.g. "EPERM".
    public var errnoName: String { code.name }

    public var message: String {
        var text = subject.isEmpty ? operation : "\(operation) \(subject)"
        if let cause {
            text += ": \(cause)"
            if errno != 0 { text += " (\(code.name))" }
        } else if errno != 0 {
            text += ": \(code.description) (\(code.name))"
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

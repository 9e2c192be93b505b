import BPFKit
import Glibc

/// Read access to new pins beyond their owner (`bpfnav pin --mode/--group`).
public struct PinAccess: Sendable, Equatable {
    /// Permission bits; only read and write bits are honoured.
    public var mode: mode_t
    /// A group to own the pins, for `0640`-style sharing.
    public var group: gid_t?

    public init(mode: mode_t = 0o600, group: gid_t? = nil) {
        self.mode = mode & 0o666
        self.group = group
    }

    /// Whether others than the owner (and the group) can read.
    public var sharesBeyondOwner: Bool { mode & 0o044 != 0 }

    /// Applied to the entry `name` of `dir` itself, never through a symlink.
    func apply(to name: String, in dir: PinDirectory) throws(BPFError) {
        try dir.setAccess(name, mode: mode, group: group)
    }
}

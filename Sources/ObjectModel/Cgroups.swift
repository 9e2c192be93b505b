import BPFKit

/// One program at one cgroup, as BPF_PROG_QUERY tells for each cgroup
/// attach type over the cgroup v2 tree.
public struct CgroupAttachment: Sendable, Hashable {
    /// The cgroup directory, absolute (under the cgroup2 mount).
    public var path: String
    /// The cgroup's id (its directory's inode on cgroup2), as cgroup links
    /// report it.
    public var cgroupID: UInt64
    public var attachType: UInt32
    /// BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI, or 0 (bpftool's
    /// attach_flags: "override", "multi", "").
    public var attachFlags: UInt32
    public var programID: UInt32
    /// The link it came through, where known; nil for a legacy attachment
    /// or where the kernel does not say.
    public var linkID: UInt32?
    /// Effective here but attached to an ancestor.
    public var inherited: Bool
    /// For an inherited program, the id of the ancestor cgroup it is
    /// attached to, where the walk found it (its flags and link are that
    /// attachment's).
    public var attachedAt: UInt64?

    public init(path: String, cgroupID: UInt64, attachType: UInt32, attachFlags: UInt32, programID: UInt32,
                linkID: UInt32?, inherited: Bool) {
        self.path = path
        self.cgroupID = cgroupID
        self.attachType = attachType
        self.attachFlags = attachFlags
        self.programID = programID
        self.linkID = linkID
        self.inherited = inherited
    }
}

extension CgroupAttachment {
    /// bpftool's `attach_flags`: "multi", "override", "" (exclusive), or
    /// "unknown(HEX)".
    public static func flagsName(_ flags: UInt32) -> String {
        switch flags {
        case ProgQuery.allowMulti: "multi"
        case ProgQuery.allowOverride: "override"
        case 0: ""
        default: "unknown(\(String(flags, radix: 16)))"
        }
    }
}

/// The cgroup v2 tree's BPF programs.
public struct CgroupSnapshot: Sendable {
    /// The cgroup directory walked (the cgroup2 mount point, a ROOT given,
    /// or the one cgroup shown); nil when cgroup2 is not mounted.
    public var root: String?
    /// Attached programs (not inherited ones unless asked), in tree order.
    public var attachments: [CgroupAttachment]
    /// cgroup id → path, for every cgroup walked (cgroup links name theirs
    /// by id).
    public var paths: [UInt64: String]
    /// What could not be read, each naming the operation, path and errno.
    public var errors: [String]
    /// Whether `attachments` are the effective programs (with inherited
    /// ones) rather than the attached ones.
    public var effective = false
    /// Name and attach BTF of each program in `attachments`, by id; a
    /// program freed since it was found has none.
    public var programs: [UInt32: CgroupProgram] = [:]

    public init(root: String?, attachments: [CgroupAttachment], paths: [UInt64: String], errors: [String]) {
        self.root = root
        self.attachments = attachments
        self.paths = paths
        self.errors = errors
    }
}

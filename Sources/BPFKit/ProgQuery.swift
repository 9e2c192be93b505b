import CLibBPF

/// What runs at one attach point, as `BPF_PROG_QUERY` tells: the programs in
/// the order the kernel runs them, with their flags and, where they came
/// through a link, the link's id.
///
/// Attach points are a cgroup directory's fd (the cgroup attach types), a
/// network namespace's fd (flow dissector, sk_lookup), or an ifindex in the
/// caller's network namespace (tcx, netkit: 6.6+).
public struct ProgQuery: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var programID: UInt32
        /// `BPF_F_ALLOW_MULTI` and friends for this program (6.0+ for
        /// cgroups; nil where the kernel gives no per-program flags).
        public var attachFlags: UInt32?
        /// The link it is attached through; nil for a legacy attachment, or
        /// where the kernel does not say (before 6.6, and for cgroups).
        public var linkID: UInt32?
    }

    /// The attach point's own flags (`attach_flags`: for a cgroup, how the
    /// type was attached when all share one mode).
    public var attachFlags: UInt32
    public var entries: [Entry]
    /// The attach point's revision (tcx and netkit, 6.6+), else nil.
    public var revision: UInt64?

    public init(attachFlags: UInt32, entries: [Entry], revision: UInt64?) {
        self.attachFlags = attachFlags
        self.entries = entries
        self.revision = revision
    }

    /// `BPF_F_QUERY_EFFECTIVE`: a cgroup's effective programs (its own and
    /// those it inherits), not only those attached to it.
    public static let effective: UInt32 = UInt32(BPF_F_QUERY_EFFECTIVE)

    /// A cgroup attachment's flags: `BPF_F_ALLOW_OVERRIDE` (a descendant's
    /// program replaces it), `BPF_F_ALLOW_MULTI` (descendants' run too).
    public static let allowOverride: UInt32 = UInt32(BPF_F_ALLOW_OVERRIDE)
    public static let allowMulti: UInt32 = UInt32(BPF_F_ALLOW_MULTI)

    /// Queries `target` (an fd or an ifindex) for `attachType`. Asks for
    /// links and per-program flags first and, on a kernel that refuses the
    /// newer fields, again without them.
    public static func query(target: Int32, attachType: UInt32, flags: UInt32 = 0) throws(BPFError) -> ProgQuery {
        var capacity: UInt32 = 64
        var withLinks: Int32 = 1
        while true {
            var ids = [UInt32](repeating: 0, count: Int(capacity))
            var progFlags = [UInt32](repeating: 0, count: Int(capacity))
            var links = [UInt32](repeating: 0, count: Int(capacity))
            var linkFlags = [UInt32](repeating: 0, count: Int(capacity))
            var count = capacity
            var attachFlags: UInt32 = 0
            var revision: UInt64 = 0
            let result = bpfnav_prog_query(
                target, bpf_attach_type(attachType), flags, withLinks,
                &attachFlags, &ids, &progFlags, &links, &linkFlags, &count, &revision)
            if result == -Errno.ENOSPC.rawValue, count > capacity {
                capacity = count
                continue
            }
            if withLinks == 1, result == -Errno.EINVAL.rawValue || result == -Errno.E2BIG.rawValue {
                withLinks = 0
                continue
            }
            if result < 0 {
                throw BPFError("query programs attached", "(attach type \(AttachType.name(attachType)))", errno: -result)
            }
            let n = Int(min(count, capacity))
            let entries = (0..<n).map { i in
                Entry(
                    programID: ids[i],
                    attachFlags: withLinks == 1 ? progFlags[i] : nil,
                    linkID: withLinks == 1 && links[i] != 0 ? links[i] : nil)
            }
            return ProgQuery(attachFlags: attachFlags, entries: entries, revision: withLinks == 1 && revision != 0 ? revision : nil)
        }
    }
}

import CLibBPF
import Glibc

/// What one probe found.
public enum ProbeResult: Equatable, Sendable {
    case supported
    case missing
    /// The probe could not tell (no privileges, no kernel BTF): the errno.
    case unknown(Int32)

    public init(_ supported: Bool) {
        self = supported ? .supported : .missing
    }
}

/// Raw probes of what the running kernel supports, as `bpftool feature
/// probe` and libbpf's `kernel_supports()` do: each is cheap, and none
/// leaves anything behind (every fd they make is closed before they return).
/// Callers probe once and cache (`Features` in Iterators).
public enum Probes {
    public static let vmlinuxPath = "/sys/kernel/btf/vmlinux"

    /// Whether the kernel publishes its BTF (CONFIG_DEBUG_INFO_BTF, 5.4+):
    /// CO-RE programs, bpfnav's among them, need it.
    public static func kernelBTF() -> ProbeResult {
        if access(vmlinuxPath, R_OK) == 0 { return .supported }
        return errno == ENOENT ? .missing : .unknown(errno)
    }

    /// The kernel's BTF, parsed once for the BTF-based probes below.
    public static func vmlinux() -> Result<BTF, BPFError> {
        do {
            return .success(try BTF.vmlinux(path: vmlinuxPath))
        } catch {
            return .failure(error)
        }
    }

    /// Whether the kernel has the iterator target `target` ("task_vma"). The
    /// kernel declares `struct bpf_iter__<target>` (its programs' context)
    /// exactly when it defines the target (DEFINE_BPF_ITER_FUNC).
    public static func iteratorTarget(_ target: String, in btf: Result<BTF, BPFError>) -> ProbeResult {
        switch btf {
        case .success(let btf): ProbeResult(btf.find(named: "bpf_iter__\(target)", kind: .struct) != nil)
        case .failure(let error): .unknown(error.errno)
        }
    }

    /// Whether iterator links take a pid or tid (6.1: `union
    /// bpf_iter_link_info` gained `task`, and `struct bpf_iter_aux_info`
    /// with it).
    public static func taskIterParams(in btf: Result<BTF, BPFError>) -> ProbeResult {
        guard case .success(let btf) = btf else {
            if case .failure(let error) = btf { return .unknown(error.errno) }
            return .unknown(EINVAL)
        }
        func has(_ name: String, _ kind: BTFKind, member: String) -> Bool {
            guard let id = btf.find(named: name, kind: kind), let type = btf.type(id) else { return false }
            return type.members.contains { $0.name == member }
        }
        return ProbeResult(has("bpf_iter_link_info", .union, member: "task")
            || has("bpf_iter_aux_info", .struct, member: "task"))
    }

    /// Whether the kernel describes perf_event links (kprobe, uprobe,
    /// tracepoint, event) in their info (6.6): member perf_event of struct
    /// bpf_link_info's union in the kernel's BTF.
    public static func perfEventLinkInfo(in btf: Result<BTF, BPFError>) -> ProbeResult {
        guard case .success(let btf) = btf else {
            if case .failure(let error) = btf { return .unknown(error.errno) }
            return .unknown(EINVAL)
        }
        guard let id = btf.find(named: "bpf_link_info", kind: .struct), let info = btf.type(id) else { return .missing }
        let unions = info.members.filter(\.name.isEmpty).compactMap { btf.type(btf.resolve($0.type)) }
        return ProbeResult(unions.contains { $0.members.contains { $0.name == "perf_event" } })
    }

    /// Whether the verifier takes atomic instructions that fetch (BPF_ATOMIC
    /// with BPF_XCHG, 5.12): loads a six-instruction socket filter and
    /// closes it. Before 5.12: "BPF_STX uses reserved fields" (EINVAL).
    public static func atomicFetch() -> ProbeResult {
        closing(Errno.result { bpfnav_probe_atomic_fetch() }, missing: [.EINVAL])
    }

    /// Whether the kernel counts programs' run time (BPF_ENABLE_STATS with
    /// BPF_STATS_RUN_TIME, 5.8): the command in the kernel's `enum bpf_cmd`.
    /// Read from BTF, because trying it turns statistics on for every
    /// program while the fd is open, which a bpfnav told `--no-stats` must
    /// not do even for a moment. Without kernel BTF it is tried, and the fd
    /// closed at once.
    public static func runTimeStats(in btf: Result<BTF, BPFError>) -> ProbeResult {
        guard case .success(let btf) = btf, let id = btf.find(named: "bpf_cmd", kind: .enum), let type = btf.type(id),
              case .enum(_, _, let values) = type.details else {
            return closing(Errno.result { bpf_enable_stats(BPF_STATS_RUN_TIME) }, missing: [.EINVAL])
        }
        return ProbeResult(values.contains { $0.name == "BPF_ENABLE_STATS" })
    }

    /// Whether maps take batch operations (BPF_MAP_LOOKUP_BATCH, 5.6): on a
    /// new empty hash map the lookup ends at once with ENOENT; a kernel
    /// without the command says EINVAL.
    public static func batchMapOps() -> ProbeResult {
        let fd: Int32
        switch Errno.result(of: { bpf_map_create(BPF_MAP_TYPE_HASH, "bpfnav_probe", 4, 4, 1, nil) }) {
        case .success(let created): fd = created
        case .failure(let code): return .unknown(code.rawValue)
        }
        defer { close(fd) }
        var outBatch: UInt32 = 0
        var keys: UInt32 = 0, values: UInt32 = 0
        var count: UInt32 = 1
        let result = Errno.result { bpf_map_lookup_batch(fd, nil, &outBatch, &keys, &values, &count, nil) }
        switch result {
        case .success, .failure(.ENOENT): return .supported
        case .failure(.EINVAL), .failure(.EOPNOTSUPP), .failure(.ENOTSUPP): return .missing
        case .failure(let code): return .unknown(code.rawValue)
        }
    }

    /// A probe that made an fd: closed at once. `missing`: the errnos that
    /// mean "this kernel has no such thing"; any other failure (EPERM, out
    /// of memory) means the probe could not tell.
    private static func closing(_ result: Result<Int32, Errno>, missing: Set<Errno>) -> ProbeResult {
        switch result {
        case .success(let fd):
            close(fd)
            return .supported
        case .failure(let code):
            return missing.contains(code) ? .missing : .unknown(code.rawValue)
        }
    }
}

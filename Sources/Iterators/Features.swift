import BPFKit
import Glibc

/// What bpfnav uses of the kernel, each with the upstream version that
/// brings it: the one table of bpfnav's kernel support (docs/kernels.md,
/// "Kernel support"). A test fails when a feature says "unsupported" on a kernel at
/// or above its minimum, except where `knownRefusals` says why.
public enum Feature: String, CaseIterable, Sendable, Hashable {
    case taskIter = "task_iter"
    case taskFileIter = "task_file_iter"
    case taskVMAIter = "task_vma_iter"
    case bpfMapIter = "bpf_map_iter"
    case bpfLinkIter = "bpf_link_iter"
    case cgroupIter = "cgroup_iter"
    case kmemCacheIter = "kmem_cache_iter"
    case taskParams = "task_iter_params"
    case atomicFetch = "atomic_fetch"
    case fileDPath = "file_d_path"
    case vmaDPath = "vma_d_path"
    case runTimeStats = "run_time_stats"
    case kernelBTF = "kernel_btf"
    case mapBatchOps = "map_batch_ops"
    case perfEventLinkInfo = "perf_event_link_info"

    /// One row of the table.
    public struct Entry: Sendable {
        /// What users read: "task_vma iterators".
        public let title: String
        /// Whether `title` takes "need" (plural) rather than "needs".
        public let plural: Bool
        /// The first upstream release that has it.
        public let minimum: KernelVersion
        /// What bpfnav does instead on a kernel without it; nil when the
        /// feature is simply unavailable there.
        public let fallback: String?
        /// What the probe does, for messages ("the kernel refused it").
        public let probed: String
    }

    public var entry: Entry {
        switch self {
        case .taskIter:
            Entry(title: "task iterators", plural: true, minimum: KernelVersion(5, 8), fallback: nil,
                  probed: "struct bpf_iter__task in the kernel's BTF")
        case .taskFileIter:
            Entry(title: "task_file iterators", plural: true, minimum: KernelVersion(5, 8), fallback: nil,
                  probed: "struct bpf_iter__task_file in the kernel's BTF")
        case .taskVMAIter:
            Entry(title: "task_vma iterators", plural: true, minimum: KernelVersion(5, 12), fallback: nil,
                  probed: "struct bpf_iter__task_vma in the kernel's BTF")
        case .bpfMapIter:
            Entry(title: "bpf_map iterators", plural: true, minimum: KernelVersion(5, 8), fallback: nil,
                  probed: "struct bpf_iter__bpf_map in the kernel's BTF")
        case .bpfLinkIter:
            Entry(title: "bpf_link iterators", plural: true, minimum: KernelVersion(5, 19), fallback: nil,
                  probed: "struct bpf_iter__bpf_link in the kernel's BTF")
        case .cgroupIter:
            Entry(title: "cgroup iterators", plural: true, minimum: KernelVersion(6, 1), fallback: nil,
                  probed: "struct bpf_iter__cgroup in the kernel's BTF")
        case .kmemCacheIter:
            Entry(title: "kmem_cache iterators", plural: true, minimum: KernelVersion(6, 13), fallback: nil,
                  probed: "struct bpf_iter__kmem_cache in the kernel's BTF")
        case .taskParams:
            Entry(title: "pid/tid iterator link parameters", plural: true, minimum: KernelVersion(6, 1),
                  fallback: "bpfnav filters by pid/tid in the program instead",
                  probed: "member task of union bpf_iter_link_info in the kernel's BTF")
        case .atomicFetch:
            Entry(title: "BPF atomic instructions with fetch", plural: true, minimum: KernelVersion(5, 12),
                  fallback: "not needed: bpfnav's programs use only the plain atomic add",
                  probed: "loading a socket filter with BPF_ATOMIC|BPF_XCHG")
        case .fileDPath:
            Entry(title: "paths of open files from bpf_d_path in iterators", plural: true,
                  minimum: KernelVersion(5, 11), fallback: "paths from /proc/PID/fd",
                  probed: "loading bpfnav's task_file program with bpf_d_path")
        case .vmaDPath:
            Entry(title: "paths of mapped files from bpf_d_path", plural: true, minimum: KernelVersion(5, 12),
                  fallback: "paths from /proc/PID/map_files",
                  probed: "loading bpfnav's task_vma program with bpf_d_path")
        case .runTimeStats:
            Entry(title: "run-time statistics (BPF_ENABLE_STATS)", plural: true, minimum: KernelVersion(5, 8),
                  fallback: nil, probed: "bpf_enable_stats(BPF_STATS_RUN_TIME)")
        case .kernelBTF:
            Entry(title: "kernel BTF (/sys/kernel/btf/vmlinux)", plural: false, minimum: KernelVersion(5, 4),
                  fallback: nil, probed: "reading \(Probes.vmlinuxPath)")
        case .mapBatchOps:
            Entry(title: "batch map operations", plural: true, minimum: KernelVersion(5, 6),
                  fallback: "map entries are read one key at a time",
                  probed: "BPF_MAP_LOOKUP_BATCH on an empty hash map")
        case .perfEventLinkInfo:
            Entry(title: "details of perf_event links (kprobe, uprobe, tracepoint)", plural: true,
                  minimum: KernelVersion(6, 6), fallback: nil,
                  probed: "member perf_event of struct bpf_link_info in the kernel's BTF")
        }
    }

    public var title: String { entry.title }
    public var minimum: KernelVersion { entry.minimum }
    public var fallback: String? { entry.fallback }

    /// Features that particular kernel builds refuse although they are at or
    /// above the minimum, and bpfnav works around: the integration tests
    /// check the fallback there instead of the feature.
    public static let knownRefusals: [Feature: String] = [
        // 6.18.44 marks vma->vm_file untrusted in the task_vma iterator
        // ("R1 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_");
        // an earlier 6.18 build and 7.3 accept it. Issue 10.
        .vmaDPath: "some 6.18 stable builds refuse bpf_d_path on vma->vm_file (untrusted pointer)",
    ]

    /// Runs this feature's probe.
    func probe(_ context: ProbeContext) -> ProbeResult {
        switch self {
        case .taskIter, .taskFileIter, .taskVMAIter, .bpfMapIter, .bpfLinkIter, .cgroupIter, .kmemCacheIter:
            Probes.iteratorTarget(String(rawValue.dropLast("_iter".count)), in: context.btf)
        case .taskParams: Probes.taskIterParams(in: context.btf)
        case .atomicFetch: Probes.atomicFetch()
        case .fileDPath: context.loads(.taskFile, with: Knobs(fileDPath: true))
        case .vmaDPath: context.loads(.taskVMA, with: Knobs(vmaDPath: true))
        case .runTimeStats: Probes.runTimeStats(in: context.btf)
        case .kernelBTF: Probes.kernelBTF()
        case .mapBatchOps: Probes.batchMapOps()
        case .perfEventLinkInfo: Probes.perfEventLinkInfo(in: context.btf)
        }
    }
}

extension IterKind {
    /// The kernel feature this kind's iterator needs.
    public var feature: Feature {
        switch self {
        case .task: .taskIter
        case .taskFile: .taskFileIter
        case .taskVMA: .taskVMAIter
        case .bpfMap: .bpfMapIter
        }
    }
}

/// State shared by one run of the probes: the kernel's BTF, parsed once.
final class ProbeContext {
    private(set) lazy var btf: Result<BTF, BPFError> = Probes.vmlinux()
    /// Results so far, for probes that depend on others.
    var results: [Feature: ProbeResult] = [:]

    /// Whether the verifier takes `kind`'s programs with `knobs` (bpf_d_path
    /// switched on): loads its records program. Only a refusal (EACCES or
    /// EINVAL) says no; any other failure is left for the real load to
    /// report.
    func loads(_ kind: IterKind, with knobs: Knobs) -> ProbeResult {
        if results[kind.feature] == .missing { return .missing }
        guard Capabilities.current().canLoadTracing else { return .unknown(EPERM) }
        do {
            // The records program alone: the text program calls
            // bpf_d_path the same way, and its escaping loop makes it the
            // slower one to verify (and to verify again with a log, as
            // libbpf does after a refusal).
            _ = try Catalog.load(kind, knobs: knobs, only: .records, probing: true)
            return .supported
        } catch {
            return error.errno == EACCES || error.errno == EINVAL ? .missing : .supported
        }
    }
}

/// What the running kernel supports, probed once (`Features.current`).
public struct FeatureSet: Sendable, Equatable {
    /// `uname -r` and `uname -v` of the kernel probed.
    public let release: String
    public let build: String
    public private(set) var results: [Feature: ProbeResult]
    /// Whether this came from the pinned cache rather than probes run now.
    public var fromCache: Bool

    public init(release: String, build: String, results: [Feature: ProbeResult], fromCache: Bool = false) {
        self.release = release
        self.build = build
        self.results = results
        self.fromCache = fromCache
    }

    /// The kernel's upstream version, if its release parses.
    public var kernel: KernelVersion? { KernelVersion(release: release) }

    public func result(_ feature: Feature) -> ProbeResult {
        results[feature] ?? .unknown(0)
    }

    /// The probe said yes.
    public func supports(_ feature: Feature) -> Bool { result(feature) == .supported }

    /// The probe said no. A probe that could not tell (no privileges) is
    /// not a refusal: the operation itself then says what is wrong.
    public func lacks(_ feature: Feature) -> Bool { result(feature) == .missing }

    /// Every feature got a definite answer: worth caching.
    public var isComplete: Bool {
        Feature.allCases.allSatisfy { if case .unknown = result($0) { false } else { true } }
    }

    /// Whether the kernel says no although it is at or above the minimum (a
    /// build that refuses it, or a backport that took it away).
    public func refused(_ feature: Feature) -> Bool {
        guard lacks(feature), let kernel else { return false }
        return kernel >= feature.minimum
    }

    /// Fails with `BPFError.unsupported` when the kernel lacks `feature`.
    public func require(_ feature: Feature) throws(BPFError) {
        if let error = refusal(feature) { throw error }
    }

    /// The error `require` throws, if it throws.
    public func refusal(_ feature: Feature) -> BPFError? {
        lacks(feature) ? BPFError.unsupported(feature, release: release, refused: refused(feature)) : nil
    }

    /// For a view that needs `kind`: "unavailable: task_vma iterators need
    /// Linux 5.12; this is 5.10.0-32-amd64", or nil when the kernel has it.
    public func unavailable(_ kind: IterKind) -> String? {
        refusal(kind.feature).map { "unavailable: \($0.operation)" }
    }

    /// The table's note: the fallback in use, a refusal, or why it is unknown.
    public func note(_ feature: Feature) -> String? {
        switch result(feature) {
        case .supported: return nil
        case .unknown(let code):
            return code == 0 ? "not probed" : "could not probe: \(Errno.name(code))"
        case .missing:
            var parts: [String] = []
            if refused(feature) { parts.append("refused by this kernel") }
            if let fallback = feature.fallback { parts.append("fallback: \(fallback)") }
            return parts.isEmpty ? nil : parts.joined(separator: "; ")
        }
    }
}

extension BPFError {
    /// A feature this kernel lacks: "task_vma iterators need Linux 5.12;
    /// this is 5.10.0-32-amd64", EOPNOTSUPP. `refused`: the kernel is at or
    /// above the minimum but said no, and the message says what was tried.
    public static func unsupported(_ feature: Feature, release: String, refused: Bool) -> BPFError {
        let entry = feature.entry
        var text = "\(entry.title) \(entry.plural ? "need" : "needs") Linux \(entry.minimum); this is \(release)"
        if refused { text += ", but the kernel refused it (probed: \(entry.probed))" }
        return BPFError(text, "", errno: EOPNOTSUPP,
                        hint: entry.fallback.map { "bpfnav's fallback: \($0)" }
                            ?? "'bpfnav features' lists what this kernel supports")
    }
}

/// The probes' results for the running kernel, probed once per process and
/// cached across runs beside the program cache.
public enum Features {
    /// What the running kernel supports: from the cache when it is this
    /// kernel's (release and build) and this build's, else probed now.
    public static var current: FeatureSet { once }

    private static let once: FeatureSet = detect(cache: ProgramCache.standard)

    /// `current`, from `cache` (nil: no cache). `refresh` probes even when
    /// the cache holds an answer, and replaces it.
    public static func detect(cache: ProgramCache?, refresh: Bool = false) -> FeatureSet {
        let release = RunningKernel.release, build = RunningKernel.build
        if !refresh, let cache, let cached = FeatureCache(cache).read(release: release, build: build) {
            return overridden(cached)
        }
        let probed = probe(release: release, build: build)
        if let cache, probed.isComplete { FeatureCache(cache).write(probed) }
        return overridden(probed)
    }

    /// Runs every probe now.
    public static func probe(release: String = RunningKernel.release, build: String = RunningKernel.build) -> FeatureSet {
        let context = ProbeContext()
        for feature in Feature.allCases {
            context.results[feature] = feature.probe(context)
        }
        return FeatureSet(release: release, build: build, results: context.results)
    }

    /// Debug builds: `BPFNAV_FEATURES_OFF=task_vma_iter,vma_d_path` makes
    /// those look missing, so that tests can take the refusal paths on any
    /// kernel. Never cached; release builds ignore it.
    static func overridden(_ set: FeatureSet) -> FeatureSet {
        #if DEBUG
        guard let text = getenv("BPFNAV_FEATURES_OFF") else { return set }
        var results = set.results
        for name in String(cString: text).split(separator: ",") {
            if let feature = Feature(rawValue: String(name)) { results[feature] = .missing }
        }
        return FeatureSet(release: set.release, build: set.build, results: results, fromCache: set.fromCache)
        #else
        return set
        #endif
    }
}

/// The probes' results pinned as a BPF array map (bpffs holds nothing
/// else) at `<program cache>/features`: one 32-byte value of four u64s,
/// format and table hash, a hash of the kernel's release and build, the
/// supported and the probed bitmasks (bit i: `Feature.allCases[i]`). The
/// directory is the build's (`progs-<hash>`), so a new build probes again
/// (its d_path probe loads its own programs).
///
/// Trusted only as the program cache is (recorded in the manifest of a
/// verified directory); ignored and replaced when the key differs; best
/// effort throughout.
public struct FeatureCache {
    public static let name = "features"
    /// The map's kernel name (at most 15 characters).
    public static let mapName = "bpfnav_features"
    static let format: UInt64 = 1
    static let valueSize = 32

    let cache: ProgramCache
    init(_ cache: ProgramCache) { self.cache = cache }

    var path: String { "\(cache.directory)/\(Self.name)" }

    /// Changes when features are added, removed or reordered.
    static let tableHash: UInt64 = fnv1a(Feature.allCases.map(\.rawValue).joined(separator: ","))

    static func kernelKey(release: String, build: String) -> UInt64 {
        fnv1a(release + "\n" + build)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return hash
    }

    static func header() -> UInt64 { format | (tableHash << 8) }

    /// The cached set for this kernel, or nil (no cache, not bpfnav's,
    /// another kernel or build, or another format). A few syscalls, no
    /// allocation of note: cheap enough for every short command.
    func read(release: String, build: String) -> FeatureSet? {
        guard let dir = cache.openBase(create: false),
              let manifest = try? PinManifest.open(in: dir, create: false),
              let sub = try? dir.subdirectory(cache.name, create: false),
              let pinned = try? sub.object(Self.name), pinned.kind == .map else { return nil }
        let fd = pinned.fd.raw
        guard Self.isOurs(fd: fd), let id = try? ObjectIdentity.id(of: fd, kind: .map),
              let record = manifest.record(.map, id), record.role == .featureCache,
              record.name == "\(cache.name)/\(Self.name)" else { return nil }
        guard let value = try? MapElements(fd: fd).lookup(UInt32(0), as: (UInt64, UInt64, UInt64, UInt64).self),
              value.0 == Self.header(), value.1 == Self.kernelKey(release: release, build: build) else { return nil }
        var results: [Feature: ProbeResult] = [:]
        for (index, feature) in Feature.allCases.enumerated() {
            let bit: UInt64 = 1 << UInt64(index)
            guard value.3 & bit != 0 else { return nil }
            results[feature] = value.2 & bit != 0 ? .supported : .missing
        }
        return FeatureSet(release: release, build: build, results: results, fromCache: true)
    }

    /// Pins `set` in place of what is there (if that is bpfnav's). Makes
    /// the cache directory if needed and removes other builds' caches, as
    /// the program cache does.
    func write(_ set: FeatureSet) {
        guard let dir = cache.openBase(create: true), let lock = dir.tryLock() else { return }
        defer { withExtendedLifetime(lock) {} }
        guard let manifest = try? PinManifest.open(in: dir, create: true) else { return }
        let fresh = dir.entryKind(cache.name) == .missing
        guard let sub = try? dir.subdirectory(cache.name, create: true) else { return }
        if fresh { ProgramCache.removeStale(in: dir, manifest: manifest, keeping: cache.name) }
        if sub.entryKind(Self.name) != .missing {
            // Not bpfnav's: left alone.
            guard let (space, id) = ProgramCache.existingID(Self.name, in: sub), space == .map,
                  manifest.record(.map, id)?.role == .featureCache else { return }
        }
        var supported: UInt64 = 0, probed: UInt64 = 0
        for (index, feature) in Feature.allCases.enumerated() {
            switch set.result(feature) {
            case .supported: supported |= 1 << UInt64(index); probed |= 1 << UInt64(index)
            case .missing: probed |= 1 << UInt64(index)
            case .unknown: continue
            }
        }
        guard let map = try? BPFMap(type: .array, name: Self.mapName, keySize: 4,
                                    valueSize: UInt32(Self.valueSize), maxEntries: 1),
              let id = try? map.id() else { return }
        let value: (UInt64, UInt64, UInt64, UInt64) = (
            Self.header(), Self.kernelKey(release: set.release, build: set.build), supported, probed)
        do { try MapElements(fd: map.fd.raw).update(UInt32(0), value) } catch { return }
        ProgramCache.place(map.fd.raw, id: id, space: .map, entry: Self.name,
                           record: PinManifest.Record(role: .featureCache, name: "\(cache.name)/\(Self.name)"),
                           in: sub, manifest: manifest)
    }

    /// Whether a map with this info is bpfnav's feature cache: an array of
    /// one 32-byte value named `bpfnav_features`.
    public static func isOurs(_ info: MapInfo) -> Bool {
        info.type == MapType.array.rawValue && info.name == mapName && info.keySize == 4
            && info.valueSize == UInt32(valueSize) && info.maxEntries == 1
    }

    /// Whether `fd` is a map of bpfnav's feature cache: an array of one
    /// 32-byte value named `bpfnav_features`.
    static func isOurs(fd: Int32) -> Bool {
        guard BPFObjectKind(fd: fd) == .map, let info = try? MapInfo(fd: fd, withFDInfo: false) else { return false }
        return isOurs(info)
    }
}

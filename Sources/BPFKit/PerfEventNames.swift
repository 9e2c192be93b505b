import CLibBPF

/// bpftool's names of perf event types and configs (its `perf_type_name`,
/// `event_symbols_hw`, `event_symbols_sw` and cache tables), keyed by the
/// constants of linux/perf_event.h. A value without a name reads as nil:
/// the caller shows the number.
public enum PerfEventNames {
    /// `enum perf_type_id`.
    public static func type(_ type: UInt32) -> String? { types.lookup(UInt64(type)) }

    /// A config of `type`: the hardware or software event, or the cache
    /// event as "id-op-result"; nil for other types and unknown configs.
    public static func config(type: UInt32, config: UInt64) -> String? {
        switch type {
        case PERF_TYPE_HARDWARE.rawValue: return hardware.lookup(config)
        case PERF_TYPE_SOFTWARE.rawValue: return software.lookup(config)
        case PERF_TYPE_HW_CACHE.rawValue:
            // attr.config = id | op << 8 | result << 16
            guard let id = cacheIDs.lookup(config & 0xff), let op = cacheOps.lookup(config >> 8 & 0xff),
                  let result = cacheResults.lookup(config >> 16 & 0xff) else { return nil }
            return "\(id)-\(op)-\(result)"
        default: return nil
        }
    }

    static let types = TypeNames(unnamed: "", [
        PERF_TYPE_HARDWARE: "hardware",
        PERF_TYPE_SOFTWARE: "software",
        PERF_TYPE_TRACEPOINT: "tracepoint",
        PERF_TYPE_HW_CACHE: "hw-cache",
        PERF_TYPE_RAW: "raw",
        PERF_TYPE_BREAKPOINT: "breakpoint",
    ] as KeyValuePairs<perf_type_id, String>)

    static let hardware = TypeNames(unnamed: "", [
        PERF_COUNT_HW_CPU_CYCLES: "cpu-cycles",
        PERF_COUNT_HW_INSTRUCTIONS: "instructions",
        PERF_COUNT_HW_CACHE_REFERENCES: "cache-references",
        PERF_COUNT_HW_CACHE_MISSES: "cache-misses",
        PERF_COUNT_HW_BRANCH_INSTRUCTIONS: "branch-instructions",
        PERF_COUNT_HW_BRANCH_MISSES: "branch-misses",
        PERF_COUNT_HW_BUS_CYCLES: "bus-cycles",
        PERF_COUNT_HW_STALLED_CYCLES_FRONTEND: "stalled-cycles-frontend",
        PERF_COUNT_HW_STALLED_CYCLES_BACKEND: "stalled-cycles-backend",
        PERF_COUNT_HW_REF_CPU_CYCLES: "ref-cycles",
    ] as KeyValuePairs<perf_hw_id, String>)

    static let software = TypeNames(unnamed: "", [
        PERF_COUNT_SW_CPU_CLOCK: "cpu-clock",
        PERF_COUNT_SW_TASK_CLOCK: "task-clock",
        PERF_COUNT_SW_PAGE_FAULTS: "page-faults",
        PERF_COUNT_SW_CONTEXT_SWITCHES: "context-switches",
        PERF_COUNT_SW_CPU_MIGRATIONS: "cpu-migrations",
        PERF_COUNT_SW_PAGE_FAULTS_MIN: "minor-faults",
        PERF_COUNT_SW_PAGE_FAULTS_MAJ: "major-faults",
        PERF_COUNT_SW_ALIGNMENT_FAULTS: "alignment-faults",
        PERF_COUNT_SW_EMULATION_FAULTS: "emulation-faults",
        PERF_COUNT_SW_DUMMY: "dummy",
        PERF_COUNT_SW_BPF_OUTPUT: "bpf-output",
        PERF_COUNT_SW_CGROUP_SWITCHES: "cgroup-switches",
    ] as KeyValuePairs<perf_sw_ids, String>)

    static let cacheIDs = TypeNames(unnamed: "", [
        PERF_COUNT_HW_CACHE_L1D: "L1-dcache",
        PERF_COUNT_HW_CACHE_L1I: "L1-icache",
        PERF_COUNT_HW_CACHE_LL: "LLC",
        PERF_COUNT_HW_CACHE_DTLB: "dTLB",
        PERF_COUNT_HW_CACHE_ITLB: "iTLB",
        PERF_COUNT_HW_CACHE_BPU: "branch",
        PERF_COUNT_HW_CACHE_NODE: "node",
    ] as KeyValuePairs<perf_hw_cache_id, String>)

    static let cacheOps = TypeNames(unnamed: "", [
        PERF_COUNT_HW_CACHE_OP_READ: "load",
        PERF_COUNT_HW_CACHE_OP_WRITE: "store",
        PERF_COUNT_HW_CACHE_OP_PREFETCH: "prefetch",
    ] as KeyValuePairs<perf_hw_cache_op_id, String>)

    static let cacheResults = TypeNames(unnamed: "", [
        PERF_COUNT_HW_CACHE_RESULT_ACCESS: "refs",
        PERF_COUNT_HW_CACHE_RESULT_MISS: "misses",
    ] as KeyValuePairs<perf_hw_cache_op_result_id, String>)
}

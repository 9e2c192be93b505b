import CLibBPF

/// A BPF map type (`enum bpf_map_type`), and every type's name as bpftool
/// says it. Debian's uapi headers stop at kernel 6.1; the table of names goes
/// to 6.18, so no type shows as a bare number.
public struct MapType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let hash = MapType(rawValue: BPF_MAP_TYPE_HASH.rawValue)
    public static let array = MapType(rawValue: BPF_MAP_TYPE_ARRAY.rawValue)
    public static let progArray = MapType(rawValue: BPF_MAP_TYPE_PROG_ARRAY.rawValue)

    /// Index = `enum bpf_map_type` value.
    static let names = [
        "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array",
        "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps",
        "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap", "sockhash", "cgroup_storage",
        "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack", "sk_storage", "devmap_hash",
        "struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter", "user_ringbuf",
        "cgrp_storage", "arena",
    ]

    /// bpftool's name for a map type; unknown (newer) types as "type_N".
    public static func name(_ type: UInt32) -> String {
        Int(type) < names.count ? names[Int(type)] : "type_\(type)"
    }
}

import CLibBPF

/// A BPF map type (`enum bpf_map_type`); its names are in TypeNames.swift.
public struct MapType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let hash = MapType(rawValue: BPF_MAP_TYPE_HASH.rawValue)
    public static let array = MapType(rawValue: BPF_MAP_TYPE_ARRAY.rawValue)
    public static let progArray = MapType(rawValue: BPF_MAP_TYPE_PROG_ARRAY.rawValue)
    public static let percpuHash = MapType(rawValue: BPF_MAP_TYPE_PERCPU_HASH.rawValue)
    public static let percpuArray = MapType(rawValue: BPF_MAP_TYPE_PERCPU_ARRAY.rawValue)
    public static let devmap = MapType(rawValue: BPF_MAP_TYPE_DEVMAP.rawValue)
    public static let ringbuf = MapType(rawValue: BPF_MAP_TYPE_RINGBUF.rawValue)
    public static let devmapHash = MapType(rawValue: BPF_MAP_TYPE_DEVMAP_HASH.rawValue)
    public static let cpumap = MapType(rawValue: BPF_MAP_TYPE_CPUMAP.rawValue)
    public static let arrayOfMaps = MapType(rawValue: BPF_MAP_TYPE_ARRAY_OF_MAPS.rawValue)
    public static let hashOfMaps = MapType(rawValue: BPF_MAP_TYPE_HASH_OF_MAPS.rawValue)
    public static let structOps = MapType(rawValue: BPF_MAP_TYPE_STRUCT_OPS.rawValue)
    public static let sockmap = MapType(rawValue: BPF_MAP_TYPE_SOCKMAP.rawValue)
    public static let sockhash = MapType(rawValue: BPF_MAP_TYPE_SOCKHASH.rawValue)
}

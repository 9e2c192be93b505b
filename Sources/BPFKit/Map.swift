import CLibBPF
import Glibc

/// A BPF map bpfnav creates itself (`BPF_MAP_CREATE`), owned by its fd.
public struct BPFMap: ~Copyable {
    public let fd: OwnedFD
    public let name: String

    public init(type: MapType, name: String, keySize: UInt32, valueSize: UInt32, maxEntries: UInt32,
                flags: MapFlags = []) throws(BPFError) {
        var opts = bpf_map_create_opts()
        opts.sz = MemoryLayout<bpf_map_create_opts>.size
        opts.map_flags = flags.rawValue
        let raw = try check("create map", name, hint: { code in
            code == EPERM ? "creating maps needs CAP_BPF (or CAP_SYS_ADMIN)" : nil
        }) {
            bpf_map_create(bpf_map_type(type.rawValue), name, keySize, valueSize, maxEntries, &opts)
        }
        fd = OwnedFD(adopting: raw)
        self.name = name
    }

    public init(adopting fd: consuming OwnedFD, name: String) {
        self.fd = fd
        self.name = name
    }

    /// The kernel's id of the map.
    public func id() throws(BPFError) -> UInt32 {
        try KernelInfo.get(fd.raw, bpf_map_info(), "get info of map", name).value.id
    }

    /// The fd, which the caller now owns.
    public consuming func takeFD() -> OwnedFD {
        fd
    }

    /// Pins the map at `path`. The map stays open.
    public func pin(at path: String) throws(BPFError) {
        try BPFFS.pin(fd.raw, at: path, what: "map \(name)")
    }
}

/// `map_flags` of a new map.
public struct MapFlags: OptionSet, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Hash maps allocate each element when it is added, not all at creation.
    public static let noPrealloc = MapFlags(rawValue: UInt32(BPF_F_NO_PREALLOC))
}

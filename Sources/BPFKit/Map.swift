import CLibBPF
import Glibc

/// A BPF map bpfnav creates itself (`BPF_MAP_CREATE`), owned by its fd.
public struct BPFMap: ~Copyable {
    public let fd: OwnedFD
    public let name: String

    public init(type: bpf_map_type, name: String, keySize: UInt32, valueSize: UInt32, maxEntries: UInt32) throws(BPFError) {
        let raw = try check("create map", name, hint: { code in
            code == EPERM ? "creating maps needs CAP_BPF (or CAP_SYS_ADMIN)" : nil
        }) {
            bpf_map_create(type, name, keySize, valueSize, maxEntries, nil)
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

    /// Pins the map at `path`. The map stays open.
    public func pin(at path: String) throws(BPFError) {
        try BPFFS.pin(fd.raw, at: path, what: "map \(name)")
    }
}

import CLibBPF
import Glibc

/// What a map's values refer to, read from userspace.
public enum MapValueReference: Sendable {
    case none
    /// Maps of maps: the inner map's id.
    case mapID
    /// Prog arrays: the program's id.
    case programID
    /// Devmaps: `struct bpf_devmap_val` {ifindex, program id} (5.8), or
    /// a bare ifindex when the value is 4 bytes.
    case device
    /// Cpumaps: `struct bpf_cpumap_val` {qsize, program id} (5.9), or a
    /// bare queue size when the value is 4 bytes.
    case cpu
}

/// `bpf_map_info` of a map, in the shape bpftool reports.
public struct MapInfo: Equatable, Sendable {
    public var id: UInt32
    public var type: UInt32
    public var name: String
    public var keySize: UInt32
    public var valueSize: UInt32
    public var maxEntries: UInt32
    public var flags: UInt32
    public var btfID: UInt32
    public var btfKeyTypeID: UInt32
    public var btfValueTypeID: UInt32
    public var btfVmlinuxValueTypeID: UInt32
    /// Bloom filters' hash count and the like (5.16); nil when the kernel
    /// did not return it.
    public var mapExtra: UInt64?
    /// From fdinfo.
    public var bytesMemlock: UInt64?
    public var frozen: Bool

    public var typeName: String { MapType.name(type) }

    /// Info as given, without the kernel (the browser's tests, fixtures).
    public init(id: UInt32, type: UInt32 = 0, name: String = "", keySize: UInt32 = 0, valueSize: UInt32 = 0,
                maxEntries: UInt32 = 0, flags: UInt32 = 0, btfID: UInt32 = 0, bytesMemlock: UInt64? = nil,
                frozen: Bool = false) {
        self.id = id; self.type = type; self.name = name; self.keySize = keySize; self.valueSize = valueSize
        self.maxEntries = maxEntries; self.flags = flags; self.btfID = btfID
        self.btfKeyTypeID = 0; self.btfValueTypeID = 0; self.btfVmlinuxValueTypeID = 0
        self.bytesMemlock = bytesMemlock; self.frozen = frozen
    }

    /// `withFDInfo`: also read memlock and frozen from fdinfo (a file to
    /// open and parse; callers that only need the id or name skip it).
    /// `fdinfo`: /proc/self/fdinfo, when the caller reads many.
    public init(fd: Int32, withFDInfo: Bool = true, fdinfo: FDInfoDirectory? = nil) throws(BPFError) {
        self.init(try KernelInfo.get(fd, bpf_map_info(), "get info of map", "fd \(fd)"))
        if withFDInfo { readFDInfo(fd, fdinfo) }
    }

    /// Decodes what the kernel returned.
    init(_ returned: KernelInfo<bpf_map_info>) {
        let info = returned.value
        id = info.id
        type = info.type
        name = cStringField(info.name)
        keySize = info.key_size
        valueSize = info.value_size
        maxEntries = info.max_entries
        flags = info.map_flags
        btfID = info.btf_id
        btfKeyTypeID = info.btf_key_type_id
        btfValueTypeID = info.btf_value_type_id
        btfVmlinuxValueTypeID = info.btf_vmlinux_value_type_id
        mapExtra = returned.field(\.map_extra)
        bytesMemlock = nil
        frozen = false
    }

    private mutating func readFDInfo(_ fd: Int32, _ directory: FDInfoDirectory?) {
        var memlock: UInt64?
        var isFrozen = false
        forEachFDInfoField(fd, in: directory) { key, value in
            if key.elementsEqual("memlock".utf8) {
                memlock = UInt64(String(decoding: value, as: UTF8.self))
            } else if key.elementsEqual("frozen".utf8) {
                isFrozen = value.elementsEqual("1".utf8)
            }
        }
        bytesMemlock = memlock
        frozen = isFrozen
    }

    public init(id: UInt32) throws(BPFError) {
        let fd = try BPFObjectKind.map.open(id)
        try self.init(fd: fd.raw)
    }

    /// Per-CPU maps keep one value per possible CPU.
    public var isPerCPU: Bool {
        switch type {
        case BPF_MAP_TYPE_PERCPU_HASH.rawValue, BPF_MAP_TYPE_PERCPU_ARRAY.rawValue,
             BPF_MAP_TYPE_LRU_PERCPU_HASH.rawValue, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE.rawValue: true
        default: false
        }
    }

    /// What a value names, for the map types whose values are references:
    /// the kernel hands userspace ids where fds were written.
    public var valueReference: MapValueReference {
        switch type {
        case BPF_MAP_TYPE_ARRAY_OF_MAPS.rawValue, BPF_MAP_TYPE_HASH_OF_MAPS.rawValue: .mapID
        case BPF_MAP_TYPE_PROG_ARRAY.rawValue: .programID
        case BPF_MAP_TYPE_DEVMAP.rawValue, BPF_MAP_TYPE_DEVMAP_HASH.rawValue: .device
        case BPF_MAP_TYPE_CPUMAP.rawValue: .cpu
        default: .none
        }
    }

    /// Whether values are formatted through the kernel's own BTF: a
    /// struct_ops map's value is `struct bpf_struct_ops_<name>` of vmlinux
    /// (btf_vmlinux_value_type_id, 5.6).
    public var valueInVmlinuxBTF: Bool { btfVmlinuxValueTypeID != 0 }

    /// The BTF type of a value, as bpftool picks it: vmlinux's for
    /// struct_ops maps, else the map's own; 0 for none.
    public var valueTypeIDForFormatting: UInt32 { valueInVmlinuxBTF ? btfVmlinuxValueTypeID : btfValueTypeID }

    /// The BTF type of a key, in the map's own BTF; none where the value is
    /// vmlinux's (struct_ops keys are a bare index 0).
    public var keyTypeIDForFormatting: UInt32 { valueInVmlinuxBTF ? 0 : btfKeyTypeID }

    /// The BTF the key and value types are in: vmlinux for struct_ops
    /// maps, else the map's own; nil when there is none (a dump is then
    /// complete, in hex only).
    public func formattingBTF() -> BTF? {
        if valueInVmlinuxBTF { return try? BTF.vmlinux() }
        return btfID != 0 ? try? BTF.load(id: btfID) : nil
    }

    /// Bytes one CPU's value takes in a lookup buffer: per-CPU values are
    /// each rounded up to 8 bytes; other maps have one value of valueSize.
    public var valueSlot: Int {
        isPerCPU ? (Int(valueSize) + 7) & ~7 : Int(valueSize)
    }
}

import CIterRecords

/// One BPF map, as the bpf_map iterator sees it (`struct bpfnav_map_rec`).
public struct MapRecord: IterRecord, Equatable {
    public static var recordKind: UInt8 { UInt8(BPFNAV_REC_MAP.rawValue) }
    public static var fixedSize: Int { MemoryLayout<bpfnav_map_rec>.size }

    public var id: UInt32
    /// `enum bpf_map_type`.
    public var type: UInt32
    public var keySize: UInt32
    public var valueSize: UInt32
    public var maxEntries: UInt32
    public var flags: UInt64
    public var name: [UInt8]

    public init(id: UInt32, type: UInt32, keySize: UInt32, valueSize: UInt32, maxEntries: UInt32,
                flags: UInt64, name: [UInt8]) {
        self.id = id; self.type = type; self.keySize = keySize; self.valueSize = valueSize
        self.maxEntries = maxEntries; self.flags = flags; self.name = name
    }

    public init(fixed: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) {
        let r = fixed.loadUnaligned(as: bpfnav_map_rec.self)
        self.init(id: r.id, type: r.type, keySize: r.key_size, valueSize: r.value_size,
                  maxEntries: r.max_entries, flags: r.flags, name: cString(r.name))
    }
}

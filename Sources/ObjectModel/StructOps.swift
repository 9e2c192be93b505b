import BPFKit

/// A struct_ops map's ops table: which kernel struct it implements
/// (`tcp_congestion_ops`), and which program each of its function members
/// runs.
///
/// The kernel keeps the value as `struct bpf_struct_ops_<name>` of vmlinux's
/// BTF, and a lookup returns it with each function pointer member replaced
/// by its program's id (`bpf_struct_ops_map_update_elem`): the members are
/// read from there, by vmlinux's member offsets.
public struct StructOpsTable: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        /// The member's name in the ops struct ("cong_avoid").
        public var name: String
        public var programID: UInt32

        public init(name: String, programID: UInt32) {
            self.name = name
            self.programID = programID
        }
    }

    public var mapID: UInt32
    public var mapName: String
    /// The ops struct's name: "tcp_congestion_ops".
    public var typeName: String
    public var members: [Member]

    public init(mapID: UInt32, mapName: String, typeName: String, members: [Member]) {
        self.mapID = mapID
        self.mapName = mapName
        self.typeName = typeName
        self.members = members
    }

    /// The table of the struct_ops map `info`/`fd`; nil when it is not one,
    /// or its value or vmlinux's BTF cannot be read.
    public static func read(fd: Int32, info: MapInfo, vmlinux: BTF? = nil) -> StructOpsTable? {
        guard info.type == MapType.structOps.rawValue, info.valueInVmlinuxBTF,
              let btf = vmlinux ?? (try? BTF.vmlinux()),
              let value = try? MapElements(fd: fd).lookup(UInt32(0), size: Int(info.valueSize))
        else { return nil }
        guard let (typeName, members) = decode(value, valueType: info.btfVmlinuxValueTypeID, btf: btf) else { return nil }
        return StructOpsTable(mapID: info.id, mapName: info.name, typeName: typeName, members: members)
    }

    /// `value` as `struct bpf_struct_ops_<name>` (type `valueType` of
    /// `btf`): its `data` member's function pointers, each a program id.
    static func decode(_ value: [UInt8], valueType: UInt32, btf: BTF) -> (String, [Member])? {
        guard case .struct(_, let outer)? = btf.type(btf.resolve(valueType))?.details,
              let data = outer.first(where: { $0.name == "data" }) else { return nil }
        let opsID = btf.resolve(data.type)
        guard case .struct(_, let fields)? = btf.type(opsID)?.details else { return nil }
        var members: [Member] = []
        for field in fields {
            // Function members are pointers to a function prototype.
            guard case .ptr(let target)? = btf.type(btf.resolve(field.type))?.details,
                  btf.kind(btf.resolve(target)) == .functionProto else { continue }
            let offset = (data.bitOffset + field.bitOffset) / 8
            guard offset + 8 <= value.count else { continue }
            let id = value[offset..<offset + 8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            if id != 0, id <= UInt64(UInt32.max) { members.append(Member(name: field.name, programID: UInt32(id))) }
        }
        return (btf.name(opsID), members)
    }
}

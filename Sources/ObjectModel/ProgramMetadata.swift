import BPFKit
import Glibc
import Formatting

/// A program's metadata as bpftool shows it: the `bpf_metadata_*` variables
/// of the read-only data map bound to it (libbpf binds an object's
/// `.rodata` to each of its programs), formatted through the map's BTF.
///
///     const volatile char bpf_metadata_owner[] SEC(".rodata") = "team-x";
///
/// shows as `"metadata": {"owner": "team-x"}`.
public enum ProgramMetadata {
    static let prefix = "bpf_metadata_"

    /// Name (without the prefix) and value of each metadata variable, in
    /// declaration order; empty when the program has none or its maps
    /// cannot be read.
    public static func read(mapIDs: [UInt32]) -> [(String, BTFValue)] {
        for id in mapIDs {
            guard let fd = try? BPFObjectKind.map.open(id),
                  let info = try? MapInfo(fd: fd.raw, withFDInfo: false),
                  // bpftool's test: a one-entry array with an int key,
                  // BTF for its value, and ".rodata" in its name.
                  info.type == MapType.array.rawValue, info.keySize == 4, info.maxEntries == 1,
                  info.btfValueTypeID != 0, info.name.contains(".rodata") else { continue }
            guard let value = try? MapElements(fd: fd.raw).lookup(UInt32(0), size: Int(info.valueSize)),
                  let btf = try? BTF.load(id: info.btfID) else { continue }
            let pairs = variables(in: value, type: info.btfValueTypeID, btf: btf)
            if !pairs.isEmpty { return pairs }
        }
        return []
    }

    /// The metadata variables of the DATASEC `type` laid out in `value`.
    static func variables(in value: [UInt8], type: UInt32, btf: BTF) -> [(String, BTFValue)] {
        guard case .datasec(_, let variables)? = btf.type(type)?.details else { return [] }
        var pairs: [(String, BTFValue)] = []
        for variable in variables {
            guard let declaration = btf.type(variable.type), declaration.name.hasPrefix(prefix),
                  case .variable(let inner, _) = declaration.details,
                  variable.offset >= 0, variable.size >= 0, variable.offset + variable.size <= value.count else { continue }
            let bytes = Array(value[variable.offset..<(variable.offset + variable.size)])
            pairs.append((String(declaration.name.dropFirst(prefix.count)), BTFFormatter.format(bytes, type: inner, btf: btf)))
        }
        return pairs
    }
}

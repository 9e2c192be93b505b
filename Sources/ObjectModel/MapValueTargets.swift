import BPFKit
import Formatting

/// What one value of a prog array, devmap, cpumap or map of maps refers
/// to, decoded from the bytes a lookup gives userspace: the fields a dump
/// entry carries after `value`. bpftool has `inner_map_id` only; the others
/// are bpfnav's, named after the uapi structs' members (`ifindex`, `qsize`)
/// and bpftool's link fields (`prog_id`).
///
/// A devmap entry does not say which network namespace its device is in
/// (the one of whoever wrote it), so it is given by ifindex only: a name
/// looked up in bpfnav's own namespace could be another device's.
public enum MapValueTargets {
    /// `programName`: a program's name by id, nil when it is gone.
    public static func fields(_ reference: MapValueReference, _ value: UnsafeRawBufferPointer,
                              programName: (UInt32) -> String?) -> [(StaticString, JSONValue)] {
        func word(_ index: Int) -> UInt32? {
            value.count >= (index + 1) * 4 ? value.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self) : nil
        }
        func number(_ n: UInt32) -> JSONValue { .unsigned(UInt64(n)) }
        // 0: no program (a devmap or cpumap entry without one).
        func program(_ id: UInt32) -> [(StaticString, JSONValue)] {
            var fields: [(StaticString, JSONValue)] = [("prog_id", number(id))]
            if id != 0, let name = programName(id) { fields.append(("prog_name", .string(name))) }
            return fields
        }
        switch reference {
        case .none: return []
        case .mapID:
            guard let id = word(0) else { return [] }
            return [("inner_map_id", number(id))]
        case .programID: return word(0).map(program) ?? []
        case .device:
            guard let ifindex = word(0) else { return [] }
            return [("ifindex", number(ifindex))] + (word(1).map(program) ?? [])
        case .cpu:
            guard let qsize = word(0) else { return [] }
            return [("qsize", number(qsize))] + (word(1).map(program) ?? [])
        }
    }
}

extension MapValueTargets {
    /// The value's targets as compact JSON (`{"prog_id":12,"prog_name":"x"}`),
    /// as the browser shows a value; nil for maps whose values refer to
    /// nothing.
    public static func compactJSON(_ reference: MapValueReference, _ value: [UInt8]) -> String? {
        guard reference != .none else { return nil }
        let names = ProgramNames()
        let fields: [(StaticString, JSONValue)] = value.withUnsafeBytes { bytes in
            MapValueTargets.fields(reference, bytes, programName: { names.name($0) })
        }
        guard !fields.isEmpty else { return nil }
        // The same JSON writer as BTF values (strings escaped as there).
        return BTFFormatter.json(.object(fields.map { key, value -> (String, BTFValue) in
            switch value {
            case .string(let text): ("\(key)", .string(text))
            case .unsigned(let n): ("\(key)", .uint(n))
            default: ("\(key)", .raw([]))
            }
        }))
    }
}

/// Program names by id, each looked up once (a prog array holds few
/// programs, often many times).
public final class ProgramNames {
    private var names: [UInt32: String?] = [:]

    public init() {}

    public func name(_ id: UInt32) -> String? {
        if let known = names[id] { return known }
        // bpftool's full name (from BTF when the kernel's 15 bytes cut it).
        let name: String? = {
            guard let fd = try? BPFObjectKind.program.open(id), let info = try? ProgramInfo(fd: fd.raw) else { return nil }
            return Objects.fullProgramName(fd: fd.raw, info: info)
        }()
        names[id] = name
        return name
    }
}

import Encoding
import BPFKit
import Glibc
import Iterators

enum MapsCommand {
    static let spec = CommandSpec(
        name: "maps",
        abstract: "Every BPF map (JSON as `bpftool map show -j`), with where it is pinned and who holds it.",
        discussion: """
        Maps are listed by id (BPF_MAP_GET_NEXT_ID, which needs CAP_SYS_ADMIN). Without
        it, the bpf_map iterator lists them with fewer fields (id, type, name, flags,
        sizes). PIDS (with --pids) lists the processes holding an fd to a map.
        """,
        options: formatOptions + [.pids],
        run: run
    )

    static func run(_ args: Arguments) throws {
        do {
            try MapList.run(args)
        } catch let error as BPFError where error.errno == EPERM && error.operation.hasPrefix("list ") {
            // Listing ids needs CAP_SYS_ADMIN; the iterator needs CAP_BPF and
            // CAP_PERFMON only.
            try iteratorDump(args)
        }
    }

    /// The bpf_map iterator's records: the fields it carries.
    static func iteratorDump(_ args: Arguments) throws {
        try Dump<MapRecord>(
            kind: .bpfMap, params: .all, format: DumpFormat(args),
            header: "     ID TYPE                    KEY  VALUE  MAX_ENTRIES      FLAGS NAME",
            writeRow: row, writeJSON: json
        ).run()
    }

    static func row(_ m: MapRecord, _ out: Output) {
        out.append(padLeft: 7) { out.append(m.id) }
        out.append(byte: 0x20)
        out.append(padRight: 21) { out.write(MapType.name(m.type)) }
        out.append(byte: 0x20)
        out.append(padLeft: 5) { out.append(m.keySize) }
        out.append(byte: 0x20)
        out.append(padLeft: 6) { out.append(m.valueSize) }
        out.append(byte: 0x20)
        out.append(padLeft: 12) { out.append(m.maxEntries) }
        out.append(" 0x")
        out.append(hex: m.flags, width: 8)
        out.append(byte: 0x20)
        Escape.appendTerminal(m.name, to: out)
    }

    static func json(_ m: MapRecord, _ out: Output) {
        out.append("{\"id\":"); out.append(m.id)
        out.append(",\"type\":\""); out.write(MapType.name(m.type))
        out.append("\",\"name\":"); Escape.appendJSONString(m.name, to: out)
        out.append(",\"flags\":"); out.append(m.flags)
        out.append(",\"bytes_key\":"); out.append(m.keySize)
        out.append(",\"bytes_value\":"); out.append(m.valueSize)
        out.append(",\"max_entries\":"); out.append(m.maxEntries)
        out.append("}")
    }
}

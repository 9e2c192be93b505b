import BPFKit
import Encoding
import Formatting

/// A loaded program, with where it is pinned and who holds it.
public struct ProgramEntry: ReferencedEntry {
    public static let space = BPFObjectKind.program
    public var info: ProgramInfo
    /// The name as bpftool shows it: the kernel keeps 15 bytes; a name that
    /// long is completed from the program's BTF (its main function's name).
    public var fullName: String
    public var pinned: [[UInt8]] = []
    public var pids: [Holder] = []
    /// `bpf_metadata_*` variables (ProgramMetadata), as bpftool shows them.
    public var metadata: [(String, BTFValue)] = []

    public var id: UInt32 { info.id }
    public var jited: Bool { info.bytesJited > 0 }
    /// Unix seconds of the load; nil when the kernel does not say.
    public var loadedAt: Int64? { info.loadTime == 0 ? nil : unixTime(fromBootNanoseconds: info.loadTime) }
}

extension ProgramEntry: Presentable {
    public static let presentation = Presentation<ProgramEntry>(
        columns: [
            PresentedColumn("ID", on: .cli) { "\($0.id)" },
            PresentedColumn("TYPE", on: .cli) { $0.info.typeName },
            PresentedColumn("NAME", on: .cli) { terminalText($0.fullName) },
            PresentedColumn("TAG", on: .cli) { $0.info.tag },
            PresentedColumn("LOADED_AT", on: .cli) { $0.loadedAt.map(bpftoolLocalTime) ?? "-" },
            PresentedColumn("XLATED", on: .cli) { "\($0.info.bytesXlated)" },
            PresentedColumn("JITED", on: .cli) { $0.jited ? "\($0.info.bytesJited)" : "-" },
            PresentedColumn("MEMLOCK", on: .cli) { $0.info.bytesMemlock.map { "\($0)" } ?? "-" },
            PresentedColumn("MAPS", on: .cli) { p in
                p.info.mapIDs.isEmpty ? "-" : p.info.mapIDs.map(String.init).joined(separator: ",")
            },
        ] + ReferenceFields.columns(),
        details: [
            DetailField("id", on: .cli) { "\($0.id)" },
            DetailField("type", on: .cli) { $0.info.typeName },
            DetailField("name", on: .cli) { terminalText($0.fullName) },
            DetailField("tag", on: .cli) { $0.info.tag },
            DetailField("gpl_compatible", on: .cli) { $0.info.gplCompatible ? "yes" : "no" },
            DetailField("run_time_ns", on: .cli) { $0.info.runTimeNs != 0 ? "\($0.info.runTimeNs)" : nil },
            DetailField("run_cnt", on: .cli) { $0.info.runTimeNs != 0 ? "\($0.info.runCount)" : nil },
            DetailField("recursion_misses", on: .cli) { p in
                p.info.recursionMisses.flatMap { $0 != 0 ? "\($0)" : nil }
            },
            DetailField("loaded_at", on: .cli) { p in p.loadedAt.map { "\(bpftoolLocalTime($0)) (\($0))" } },
            DetailField("uid", on: .cli) { $0.loadedAt != nil ? "\($0.info.uid)" : nil },
            DetailField("bytes_xlated", on: .cli) { "\($0.info.bytesXlated)" },
            DetailField("jited", on: .cli) { $0.jited ? "\($0.info.bytesJited) bytes" : "no" },
            DetailField("bytes_memlock", on: .cli) { $0.info.bytesMemlock.map { "\($0)" } },
            DetailField("map_ids", on: .cli) { p in
                p.info.mapIDs.isEmpty ? nil : p.info.mapIDs.map(String.init).joined(separator: ",")
            },
            DetailField("btf_id", on: .cli) { $0.info.btfID != 0 ? "\($0.info.btfID)" : nil },
            // Absent before 5.16: left out, as bpftool does.
            DetailField("verified_insns", on: .cli) { $0.info.verifiedInstructions.map { "\($0)" } },
            DetailField(lines: .cli) { p in
                p.metadata.map {
                    ("metadata." + Escape.terminal(Array($0.0.utf8)), Escape.terminalJSON(BTFFormatter.json($0.1)))
                }
            },
        ] + ReferenceFields.details(),
        json: [
            JSONField("id") { .unsigned(UInt64($0.id)) },
            JSONField("type") { .string($0.info.typeName) },
            JSONField("name") { .string($0.fullName) },
            JSONField("tag") { .string($0.info.tag) },
            JSONField("gpl_compatible") { .bool($0.info.gplCompatible) },
            // Only when kernel.bpf_stats_enabled was on, as bpftool.
            JSONField("run_time_ns") { $0.info.runTimeNs != 0 ? .unsigned($0.info.runTimeNs) : nil },
            JSONField("run_cnt") { $0.info.runTimeNs != 0 ? .unsigned($0.info.runCount) : nil },
            JSONField("recursion_misses") { p in p.info.recursionMisses.flatMap { $0 != 0 ? .unsigned($0) : nil } },
            JSONField("loaded_at") { $0.loadedAt.map(JSONValue.signed) },
            JSONField("uid") { $0.loadedAt != nil ? .unsigned(UInt64($0.info.uid)) : nil },
            JSONField("bytes_xlated") { .unsigned(UInt64($0.info.bytesXlated)) },
            JSONField("jited") { .bool($0.jited) },
            JSONField("bytes_jited") { $0.jited ? .unsigned(UInt64($0.info.bytesJited)) : nil },
            JSONField("bytes_memlock") { $0.info.bytesMemlock.map(JSONValue.unsigned) },
            JSONField("map_ids") { $0.info.mapIDs.isEmpty ? nil : .ids($0.info.mapIDs) },
            JSONField("btf_id") { $0.info.btfID != 0 ? .unsigned(UInt64($0.info.btfID)) : nil },
            JSONField("verified_insns") { $0.info.verifiedInstructions.map { .unsigned(UInt64($0)) } },
        ] + ReferenceFields.json() + [
            JSONField("metadata") { p in
                p.metadata.isEmpty ? nil : .object(p.metadata.map { ($0.0, .json(BTFFormatter.json($0.1))) })
            },
        ]
    )
}

import BPFKit
import Formatting

/// A map, with where it is pinned and who holds it.
public struct MapEntry: ReferencedEntry {
    public static let space = BPFObjectKind.map
    public var info: MapInfo
    /// prog_array maps: the program type the array is bound to (fdinfo).
    public var ownerProgramType: UInt32?
    public var ownerJited: Bool?
    public var pinned: [[UInt8]] = []
    public var pids: [Holder] = []

    public var id: UInt32 { info.id }

    public init(info: MapInfo, ownerProgramType: UInt32? = nil, ownerJited: Bool? = nil, pinned: [[UInt8]] = [],
                pids: [Holder] = []) {
        self.info = info
        self.ownerProgramType = ownerProgramType
        self.ownerJited = ownerJited
        self.pinned = pinned
        self.pids = pids
    }
}

extension MapEntry: Presentable {
    public static let presentation = Presentation<MapEntry>(
        columns: [
            PresentedColumn("ID", ColumnLayout(width: 5, right: true), sort: { .number(Double($0.id)) }) { "\($0.id)" },
            PresentedColumn("TYPE", ColumnLayout(width: 13, priority: 1), sort: { .text($0.info.typeName) }) {
                terminalText($0.info.typeName)
            },
            PresentedColumn("NAME", ColumnLayout(width: 16, flex: true), sort: { .text($0.info.name) }) {
                terminalText($0.info.name)
            },
            PresentedColumn("FLAGS", on: .cli) { "0x" + String($0.info.flags, radix: 16) },
            PresentedColumn("KEY", .largestFirst(width: 5, priority: 3),
                            sort: { .number(Double($0.info.keySize)) }) { "\($0.info.keySize)" },
            PresentedColumn("VALUE", .largestFirst(width: 6, priority: 3),
                            sort: { .number(Double($0.info.valueSize)) }) { "\($0.info.valueSize)" },
            PresentedColumn("MAX_ENTRIES", .largestFirst(width: 11, priority: 2),
                            sort: { .number(Double($0.info.maxEntries)) }) { "\($0.info.maxEntries)" },
            PresentedColumn("MEMLOCK", on: .cli) { $0.info.bytesMemlock.map { "\($0)" } ?? "-" },
            PresentedColumn("MEMORY", on: .browser, .largestFirst(width: 7, priority: 1),
                            sort: { .number(Double($0.info.bytesMemlock ?? 0)) }) {
                $0.info.bytesMemlock.map(BrowserFormat.bytes) ?? "-"
            },
            PresentedColumn("FROZEN", on: .cli) { $0.info.frozen ? "yes" : "no" },
        ] + ReferenceFields.columns(),
        details: [
            DetailField("id") { "\($0.id)" },
            DetailField("type") { terminalText($0.info.typeName) },
            DetailField("name") { terminalText($0.info.name) },
            DetailField("flags") { "0x" + String($0.info.flags, radix: 16) },
            DetailField("bytes_key", on: .cli) { "\($0.info.keySize)" },
            DetailField("key", on: .browser) { "\($0.info.keySize) bytes" },
            DetailField("bytes_value", on: .cli) { "\($0.info.valueSize)" },
            DetailField("value", on: .browser) { "\($0.info.valueSize) bytes" },
            DetailField("max_entries") { "\($0.info.maxEntries)" },
            DetailField("bytes_memlock", on: .cli) { $0.info.bytesMemlock.map { "\($0)" } },
            DetailField("memory", on: .browser) { m in
                m.info.bytesMemlock.map { "\(BrowserFormat.bytes($0)) (\($0) bytes)" }
            },
            DetailField("owner_prog_type", on: .cli) { $0.ownerProgramType.map(ProgramType.name) },
            DetailField("owner_jited", on: .cli) { $0.ownerJited.map { $0 ? "yes" : "no" } },
            DetailField("frozen") { $0.info.frozen ? "yes" : "no" },
            DetailField("btf_id") { $0.info.btfID != 0 ? "\($0.info.btfID)" : nil },
        ] + ReferenceFields.details(),
        json: [
            JSONField("id") { .unsigned(UInt64($0.id)) },
            JSONField("type") { .string($0.info.typeName) },
            JSONField("name") { .string($0.info.name) },
            JSONField("flags") { .unsigned(UInt64($0.info.flags)) },
            JSONField("bytes_key") { .unsigned(UInt64($0.info.keySize)) },
            JSONField("bytes_value") { .unsigned(UInt64($0.info.valueSize)) },
            JSONField("max_entries") { .unsigned(UInt64($0.info.maxEntries)) },
            // Not in bpftool: bpf_map_info's own name, omitted before 5.16 (no such field).
            JSONField("map_extra") { $0.info.mapExtra.map(JSONValue.unsigned) },
            JSONField("bytes_memlock") { $0.info.bytesMemlock.map(JSONValue.unsigned) },
            JSONField("owner_prog_type") { $0.ownerProgramType.map { .string(ProgramType.name($0)) } },
            JSONField("owner_jited") { $0.ownerJited.map(JSONValue.bool) },
            // bpftool prints frozen as a number.
            JSONField("frozen") { .unsigned($0.info.frozen ? 1 : 0) },
            JSONField("btf_id") { $0.info.btfID != 0 ? .unsigned(UInt64($0.info.btfID)) : nil },
        ] + ReferenceFields.json()
    )
}

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
    /// The browser's sample between two refreshes while bpfnav's run
    /// statistics are on.
    public var rate: RunStats.Rate?
    /// Where it runs (`AttachmentIndex`), when that was looked up.
    public var attachments: [AttachmentEntry]?

    public init(info: ProgramInfo, fullName: String? = nil, pinned: [[UInt8]] = [], pids: [Holder] = [],
                metadata: [(String, BTFValue)] = [], rate: RunStats.Rate? = nil) {
        self.info = info
        self.fullName = fullName ?? info.name
        self.pinned = pinned
        self.pids = pids
        self.metadata = metadata
        self.rate = rate
    }

    public var id: UInt32 { info.id }
    public var jited: Bool { info.bytesJited > 0 }
    /// Unix seconds of the load; nil when the kernel does not say.
    public var loadedAt: Int64? { info.loadTime == 0 ? nil : unixTime(fromBootNanoseconds: info.loadTime) }
}

extension ProgramEntry: Presentable {
    public static let presentation = Presentation<ProgramEntry>(
        columns: [
            PresentedColumn("ID", ColumnLayout(width: 5, right: true), sort: { .number(Double($0.id)) }) { "\($0.id)" },
            PresentedColumn("TYPE", ColumnLayout(width: 14, priority: 2), sort: { .text($0.info.typeName) }) {
                terminalText($0.info.typeName)
            },
            PresentedColumn("NAME", ColumnLayout(width: 16, flex: true), sort: { .text($0.fullName) }) {
                terminalText($0.fullName)
            },
            PresentedColumn("TAG", ColumnLayout(width: 16, priority: 6), sort: { .text($0.info.tag) }) {
                terminalText($0.info.tag)
            },
            PresentedColumn("LOADED_AT", on: .cli) { $0.loadedAt.map(bpftoolLocalTime) ?? "-" },
            PresentedColumn("LOADED AT", on: .browser, ColumnLayout(width: 19, priority: 5),
                            sort: { .number(Double($0.loadedAt ?? 0)) }) {
                $0.loadedAt.map { BrowserFormat.localTime($0) } ?? "-"
            },
            PresentedColumn("XLATED", on: .cli) { "\($0.info.bytesXlated)" },
            PresentedColumn("JITED", on: .cli) { $0.jited ? "\($0.info.bytesJited)" : "-" },
            PresentedColumn("MEMLOCK", on: .cli) { $0.info.bytesMemlock.map { "\($0)" } ?? "-" },
            PresentedColumn("MAPS", on: .cli) { p in
                p.info.mapIDs.isEmpty ? "-" : p.info.mapIDs.map(String.init).joined(separator: ",")
            },
            PresentedColumn("MAPS", on: .browser, .largestFirst(width: 4, priority: 3),
                            sort: { .number(Double($0.info.mapIDs.count)) }) { "\($0.info.mapIDs.count)" },
            PresentedColumn("RUN TIME", on: [.browser, .runStats], .largestFirst(width: 9, priority: 4),
                            sort: { .number(Double($0.info.runTimeNs)) }) { p in
                let (ns, runs) = (p.info.runTimeNs, p.info.runCount)
                return runs == 0 && ns == 0 ? "-" : BrowserFormat.duration(nanoseconds: ns)
            },
            PresentedColumn("RUNS", on: [.browser, .runStats], .largestFirst(width: 10, priority: 4),
                            sort: { .number(Double($0.info.runCount)) }) { "\($0.info.runCount)" },
            PresentedColumn("EVENTS/S", on: [.browser, .runStats], .largestFirst(width: 9, priority: 1),
                            sort: { .number($0.rate?.eventsPerSecond ?? -1) }) { p in
                p.rate.map { BrowserFormat.fixed($0.eventsPerSecond, digits: 1) } ?? "-"
            },
            PresentedColumn("CPU%", on: [.browser, .runStats], .largestFirst(width: 6, priority: 1),
                            sort: { .number($0.rate?.cpuPercent ?? -1) }) { p in
                p.rate.map { BrowserFormat.fixed($0.cpuPercent, digits: 2) } ?? "-"
            },
        ] + ReferenceFields.columns(),
        details: [
            DetailField("id") { "\($0.id)" },
            DetailField("type") { terminalText($0.info.typeName) },
            DetailField("name") { terminalText($0.fullName) },
            DetailField("tag") { terminalText($0.info.tag) },
            DetailField("gpl_compatible") { $0.info.gplCompatible ? "yes" : "no" },
            DetailField("run_time_ns", on: .cli) { $0.info.runTimeNs != 0 ? "\($0.info.runTimeNs)" : nil },
            DetailField("run_cnt", on: .cli) { $0.info.runTimeNs != 0 ? "\($0.info.runCount)" : nil },
            DetailField("recursion_misses", on: .cli) { p in
                p.info.recursionMisses.flatMap { $0 != 0 ? "\($0)" : nil }
            },
            DetailField("loaded_at", on: .cli) { p in p.loadedAt.map { "\(bpftoolLocalTime($0)) (\($0))" } },
            DetailField("uid", on: .cli) { $0.loadedAt != nil ? "\($0.info.uid)" : nil },
            DetailField("loaded_at", on: .browser) { $0.loadedAt.map { BrowserFormat.localTime($0) } },
            DetailField("uid", on: .browser) { "\($0.info.uid)" },
            DetailField("orphaned") { $0.info.orphaned ? "yes" : nil },
            DetailField("bytes_xlated", on: .cli) { "\($0.info.bytesXlated)" },
            DetailField("xlated", on: .browser) { "\($0.info.bytesXlated) bytes" },
            DetailField("jited") { $0.jited ? "\($0.info.bytesJited) bytes" : "no" },
            DetailField("bytes_memlock", on: .cli) { $0.info.bytesMemlock.map { "\($0)" } },
            DetailField("memlock", on: .browser) { $0.info.bytesMemlock.map(BrowserFormat.bytes) },
            DetailField("map_ids", on: .cli) { p in
                p.info.mapIDs.isEmpty ? nil : p.info.mapIDs.map(String.init).joined(separator: ",")
            },
            DetailField("btf_id") { $0.info.btfID != 0 ? "\($0.info.btfID)" : nil },
            // Absent before 5.16: left out, as bpftool does.
            DetailField("verified_insns") { $0.info.verifiedInstructions.map { "\($0)" } },
            DetailField(lines: .browser) { p in
                let (ns, runs) = (p.info.runTimeNs, p.info.runCount)
                guard runs != 0 || ns != 0 else { return [] }
                return [("run_time", "\(BrowserFormat.duration(nanoseconds: ns)) (\(ns) ns)"), ("run_cnt", "\(runs)")]
                    + (runs > 0 ? [("avg_run", BrowserFormat.duration(nanoseconds: ns / runs))] : [])
            },
            DetailField("events/s", on: .browser) { p in
                p.rate.map { BrowserFormat.fixed($0.eventsPerSecond, digits: 1) }
            },
            DetailField("cpu", on: .browser) { p in p.rate.map { BrowserFormat.fixed($0.cpuPercent, digits: 2) + "%" } },
            DetailField(lines: .cli) { p in ProgramEntry.attachedLines(p.attachments ?? []) },
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
            // Every program, as bpftool prints it: true only for an offloaded one whose device is gone.
            JSONField("orphaned") { .bool($0.info.orphaned) },
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
            // bpfnav's: every place it runs (AttachmentEntry's fields), when looked up.
            JSONField("attachments") { p in p.attachments.map(ProgramEntry.attachmentsJSON) },
        ]
    )
}

extension ProgramEntry {
    /// "attached" detail lines, one per place.
    static func attachedLines(_ list: [AttachmentEntry]) -> [(String, String)] {
        var lines: [(String, String)] = []
        for (i, a) in list.enumerated() { lines.append((i == 0 ? "attached" : "", terminalText(a.summary))) }
        return lines
    }

    static func attachmentsJSON(_ list: [AttachmentEntry]) -> JSONValue {
        .array(list.map { AttachmentEntry.presentation.jsonObject($0) })
    }
}

import BPFKit
import ObjectModel

/// A program as the exporter shows it.
public struct ProgramSample: Sendable, Equatable {
    public var id: UInt32
    public var name: String
    /// bpftool's type name ("xdp", "kprobe", …).
    public var type: String
    public var tag: String
    public var gplCompatible: Bool
    public var runTimeNanoseconds: UInt64
    public var runCount: UInt64
    /// nil before Linux 5.12 (no such field).
    public var recursionMisses: UInt64?
    /// nil before Linux 5.16: the series is left out, never a made-up 0.
    public var verifiedInstructions: UInt32?
    /// nil when the kernel's fdinfo does not say.
    public var memlockBytes: UInt64?
    public var xlatedBytes: UInt32
    public var jitedBytes: UInt32
    /// Unix seconds of the load; nil when the kernel does not say.
    public var loadedAt: Int64?

    public init(id: UInt32, name: String, type: String, tag: String, gplCompatible: Bool = false,
                runTimeNanoseconds: UInt64 = 0, runCount: UInt64 = 0, recursionMisses: UInt64? = nil,
                verifiedInstructions: UInt32? = nil, memlockBytes: UInt64? = nil, xlatedBytes: UInt32 = 0,
                jitedBytes: UInt32 = 0, loadedAt: Int64? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.tag = tag
        self.gplCompatible = gplCompatible
        self.runTimeNanoseconds = runTimeNanoseconds
        self.runCount = runCount
        self.recursionMisses = recursionMisses
        self.verifiedInstructions = verifiedInstructions
        self.memlockBytes = memlockBytes
        self.xlatedBytes = xlatedBytes
        self.jitedBytes = jitedBytes
        self.loadedAt = loadedAt
    }

    public init(_ entry: ProgramEntry) {
        let info = entry.info
        self.init(id: info.id, name: entry.fullName, type: info.typeName, tag: info.tag,
                  gplCompatible: info.gplCompatible, runTimeNanoseconds: info.runTimeNs, runCount: info.runCount,
                  recursionMisses: info.recursionMisses, verifiedInstructions: info.verifiedInstructions,
                  memlockBytes: info.bytesMemlock, xlatedBytes: info.bytesXlated, jitedBytes: info.bytesJited,
                  loadedAt: entry.loadedAt)
    }
}

/// The program families. Run time and run count only grow while the
/// kernel's statistics are on (`bpfnav serve` keeps them on); they are the
/// kernel's numbers either way.
enum ProgramSeries {
    static let info = SeriesWriter.Family.gauge(
        "bpf_program_info", "A loaded BPF program: its id, name, type, tag and GPL compatibility (value 1).")
    static let runTime = SeriesWriter.Family.counter(
        "bpf_program_run_time_seconds_total",
        "Time the program has run, in seconds (kernel run_time_ns; grows only while BPF statistics are on).")
    static let runCount = SeriesWriter.Family.counter(
        "bpf_program_run_count_total", "Runs of the program (kernel run_cnt; grows only while BPF statistics are on).")
    static let recursionMisses = SeriesWriter.Family.counter(
        "bpf_program_recursion_misses_total",
        "Runs of the program the kernel skipped because it was already running on the CPU (Linux 5.12+).")
    static let verifiedInstructions = SeriesWriter.Family.gauge(
        "bpf_program_verified_instructions", "Instructions the verifier processed to load the program (Linux 5.16+).")
    static let memlock = SeriesWriter.Family.gauge(
        "bpf_program_memlock_bytes", "Memory the program is charged for, in bytes (fdinfo memlock).")
    static let xlated = SeriesWriter.Family.gauge(
        "bpf_program_xlated_bytes", "Size of the program's translated (post-verifier) instructions, in bytes.")
    static let jited = SeriesWriter.Family.gauge(
        "bpf_program_jited_bytes", "Size of the program's JIT-compiled machine code, in bytes (0: not JIT-compiled).")
    static let loadTime = SeriesWriter.Family.gauge(
        "bpf_program_load_time_seconds", "When the program was loaded, in seconds since the Unix epoch.")

    static func write(_ programs: [ProgramSample], into writer: inout SeriesWriter) {
        func each(_ value: (ProgramSample) -> Double?) -> [(SeriesWriter.Labels, Double)] {
            SeriesWriter.perID(programs, id: \.id, value)
        }
        writer.write(info, programs.map { p in
            ([("id", "\(p.id)"), ("name", p.name), ("type", p.type), ("tag", p.tag),
              ("gpl", p.gplCompatible ? "true" : "false")], 1)
        })
        writer.write(runTime, each { Double($0.runTimeNanoseconds) / 1e9 })
        writer.write(runCount, each { Double($0.runCount) })
        writer.write(recursionMisses, each { $0.recursionMisses.map { Double($0) } })
        writer.write(verifiedInstructions, each { $0.verifiedInstructions.map { Double($0) } })
        writer.write(memlock, each { $0.memlockBytes.map { Double($0) } })
        writer.write(xlated, each { Double($0.xlatedBytes) })
        writer.write(jited, each { Double($0.jitedBytes) })
        writer.write(loadTime, each { $0.loadedAt.map { Double($0) } })
    }
}

/// What one collection read, as plain values: the renderer's input. The
/// collector fills it from the kernel (`Collector`); tests build it by
/// hand, so the exposition is tested without privileges.
///
/// A list the budget cut short holds what was read, each object whole; its
/// kind's count (`objectCounts`) is then absent, not a wrong number.
public struct ExporterSnapshot: Sendable, Equatable {
    public var programs: [ProgramSample] = []
    public var attachments: [AttachmentSample] = []
    public var maps: [MapSample] = []
    public var links: [LinkSample] = []
    /// Objects by kind ("program", "map", "link", "btf"), bpfnav's own left
    /// out unless asked; only for the kinds read whole.
    public var objectCounts: [String: Int] = [:]
    /// bpfnav's own objects by kind (hidden from the other series unless
    /// `includeOwn`).
    public var ownCounts: [String: Int] = [:]
    /// Objects held by processes, summed per comm and kind; nil when the
    /// holders could not be read (or the budget ran out before).
    public var processes: [ProcessSample]?
    /// Processes holding at least one BPF object; nil as `processes`.
    public var holderProcesses: Int?
    /// Maps whose entries were to be counted but were not, by reason
    /// ("budget", "error").
    public var uncountedMaps: [String: Int] = [:]
    /// Errors of this collection by operation, and their messages.
    public var errors: [String: Int] = [:]
    public var errorMessages: [String] = []
    /// Whether the budget ended the collection before it read everything.
    public var truncated = false
    /// Seconds each phase took ("programs", "holders", …), for the phases
    /// that ran.
    public var phaseDurations: [String: Double] = [:]

    public init() {}

    /// Notes an error of `operation` ("programs", "holders", …).
    public mutating func fail(_ operation: String, _ message: String) {
        errors[operation, default: 0] += 1
        errorMessages.append("\(operation): \(message)")
    }

    public var errorCount: Int { errors.values.reduce(0, +) }
}

/// Object kinds as they appear in `kind` labels.
public enum ObjectKindLabel {
    public static let program = "program"
    public static let map = "map"
    public static let link = "link"
    public static let btf = "btf"
    public static let all = [program, map, link, btf]
}

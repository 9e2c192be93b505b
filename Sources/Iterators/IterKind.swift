import BPFKit

/// bpfnav's iterators: one per kernel iterator target, each an object in
/// `iters/` with a text program (for people and `cat`) and a records program
/// (fixed binary records for exact, fast reading).
public enum IterKind: String, CaseIterable, Sendable, Hashable {
    case task
    case taskFile = "task_file"
    case taskVMA = "task_vma"
    case bpfMap = "bpf_map"

    /// The kernel's iterator target name (`iter/<target>`), also the object's
    /// file name in `iters/`.
    public var target: String { rawValue }

    /// What pins of this kind are called: `tasks`, `files-pid-1234`, …
    public var pinPrefix: String {
        switch self {
        case .task: "tasks"
        case .taskFile: "files"
        case .taskVMA: "vmas"
        case .bpfMap: "maps"
        }
    }

    /// Stem of the program names: bpfnav_<stem>_txt and bpfnav_<stem>_rec.
    var programStem: String {
        switch self {
        case .task: "task"
        case .taskFile: "file"
        case .taskVMA: "vma"
        case .bpfMap: "map"
        }
    }

    public func programName(_ format: IterFormat) -> String {
        "bpfnav_\(programStem)_\(format.rawValue)"
    }

    /// Whether the kernel accepts pid/tid link parameters for this target.
    public var takesTaskParams: Bool { self != .bpfMap }

    /// Accepts the pin prefix ("files") and the target name ("task_file").
    public init?(argument: String) {
        let lowered = argument.lowercased()
        guard let kind = IterKind.allCases.first(where: {
            $0.pinPrefix == lowered || $0.target == lowered
        }) else { return nil }
        self = kind
    }

    /// The formats this kind's object has programs for.
    public var formats: [IterFormat] {
        self == .taskFile ? IterFormat.allCases : [.text, .records]
    }

    /// The kind and format of one of bpfnav's own programs, by its kernel name.
    public static func recognise(programName: String) -> (IterKind, IterFormat)? {
        for kind in allCases {
            for format in kind.formats where kind.programName(format) == programName {
                return (kind, format)
            }
        }
        return nil
    }
}

/// The two outputs of each iterator.
public enum IterFormat: String, CaseIterable, Sendable {
    /// A header line and aligned rows: what `cat` of a pin shows.
    case text = "txt"
    /// `bpfnav_records.h` structs, decoded by `RecordDecoder`.
    case records = "rec"
    /// task_file only: records of the fds that are BPF objects, no paths.
    case bpfObjects = "bpf"
}

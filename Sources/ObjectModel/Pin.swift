import BPFKit
import Encoding
import Formatting
import Iterators

/// What a bpffs entry is.
public enum PinKind: Sendable, Equatable {
    case directory
    /// A pinned program, map or link. (The kernel pins no BTF objects:
    /// a pin that opens as one would be listed as `.other`.)
    case object(BPFObjectKind)
    case symlink
    /// Opens as a BPF object, but not a program, map or link.
    case other
    /// `BPF_OBJ_GET` or the object's info failed (`PinEntry.errno` says why).
    case unreadable

    public static let program = PinKind.object(.program)
    public static let map = PinKind.object(.map)
    public static let link = PinKind.object(.link)

    /// "directory", "program", "map", "link", "symlink", "other", "unreadable".
    public var name: String {
        switch self {
        case .directory: "directory"
        case .object(let kind): kind.name
        case .symlink: "symlink"
        case .other: "other"
        case .unreadable: "unreadable"
        }
    }

    /// "dir", "prog", "map", "link", "sym", "?", "err": the browser's column.
    public var shortName: String {
        switch self {
        case .directory: "dir"
        case .object(let kind): kind.shortName
        case .symlink: "sym"
        case .other: "?"
        case .unreadable: "err"
        }
    }
}

/// Whose a pin is, by the rules bpfnav uses before it replaces or unlinks
/// anything (`IterPins.inspect`, `ProgramCache`): recorded in the manifest
/// of a directory only the caller or root can write (`PinManifest`).
public enum PinOwner: Equatable, Sendable {
    case foreign
    /// An iterator link whose program is one of bpfnav's.
    case iterator(kind: IterKind, format: IterFormat, params: IterParams)
    /// One of bpfnav's programs in a `progs-*` cache directory.
    case programCache(kind: IterKind, format: IterFormat)
    /// The demo's link or one of its maps (`bpfnav demo`).
    case demo
    /// The map of probed kernel features beside the program cache.
    case featureCache
    /// The directory's record of bpfnav's pins (`PinManifest`).
    case manifest

    public var isBPFNav: Bool { self != .foreign }
}

/// One entry of a bpffs tree.
public struct PinEntry: Sendable {
    /// The path's exact bytes.
    public var path: [UInt8]
    public var kind: PinKind
    /// Directories below its mount point (the mount itself is 0): the
    /// browser's tree (`PinEntry.tree`).
    public var depth = 0
    /// The object's id (0 for directories and what could not be read).
    public var id: UInt32 = 0
    public var program: ProgramInfo?
    public var map: MapInfo?
    public var link: LinkInfo?
    /// For links: the name of the linked program.
    public var linkProgramName: String?
    /// For symlinks: where it points, exact bytes.
    public var symlinkTarget: [UInt8]?
    /// Why an unreadable entry (or a directory's contents) could not be read.
    public var errno: Int32 = 0
    public var owner: PinOwner = .foreign

    public init(path: [UInt8], kind: PinKind) {
        self.path = path
        self.kind = kind
    }

    /// The path as text (invalid UTF-8 replaced: for messages only).
    public var pathString: String { String(decoding: path, as: UTF8.self) }

    /// Program or map name; for links the linked program's.
    public var name: String {
        program?.name ?? map?.name ?? linkProgramName ?? ""
    }

    /// The object space of a program, map or link pin.
    public var space: BPFObjectKind? {
        if case .object(let kind) = kind { kind } else { nil }
    }

    /// The last path component.
    public var lastComponent: [UInt8] {
        guard let slash = path.lastIndex(of: 0x2f), slash + 1 < path.count else { return path }
        return Array(path[(slash + 1)...])
    }

    /// "hash", "tracing", "iter": the pinned object's type ("" for anything
    /// else, or when its info could not be read).
    public var objectType: String { readType ?? "" }

    /// The pinned object's type; nil for anything else, or when its info
    /// could not be read.
    var readType: String? { info(program: { $0.typeName }, map: { $0.typeName }, link: { $0.typeName }) }

    /// Pinned iterator links: the iterator target ("task_file").
    public var iteratorTarget: String? {
        guard kind == .link, case .iter(let target, _, _, _, _, _)? = link?.details else { return nil }
        return target
    }

    /// One line about the object: a map's sizes, what a link attaches,
    /// where a symlink points ("-> target", escaped).
    public var summary: String {
        switch kind {
        case .object(.map): map.map { "key \($0.keySize) value \($0.valueSize) max \($0.maxEntries)" } ?? ""
        case .object(.link): link.map { LinkSummary.text($0.details) } ?? ""
        case .symlink: "-> " + Escape.terminal(symlinkTarget ?? [])
        default: ""
        }
    }

    /// The errno of an entry that could not be read, or of a directory
    /// whose contents could not be; nil for everything else.
    public var failure: Int32? {
        switch kind {
        case .unreadable: errno
        case .directory: errno != 0 ? errno : nil
        default: nil
        }
    }

    /// Why it could not be read: errno name and text.
    public var error: String? {
        failure.map { "\(Errno.name($0)): \(Errno.describe($0))" }
    }

    /// `entries` (a walk of every bpffs: each mount, then its tree) with
    /// their depth below their mount point.
    public static func tree(_ entries: [PinEntry], mounts: [[UInt8]]) -> [PinEntry] {
        var mount: [UInt8] = []
        return entries.map { entry in
            var entry = entry
            if mounts.contains(entry.path) { mount = entry.path }
            entry.depth = entry.path.starts(with: mount) && entry.path.count > mount.count
                ? entry.path[mount.count...].filter { $0 == 0x2f }.count : 0
            return entry
        }
    }
}

extension PinEntry: Presentable {
    /// `bpfnav pins` (a list: no command shows one pin) and the browser's
    /// Pins list (a tree below each mount point) and documents.
    public static let presentation = Presentation<PinEntry>(
        columns: [
            PresentedColumn("PATH", on: .cli) { Escape.terminal($0.path) },
            PresentedColumn("PATH", on: .browser, ColumnLayout(width: 24, flex: true), sort: { .text($0.flatPath) },
                            flat: { $0.flatPath }) { p in
                let name = p.depth == 0 ? Escape.terminal(p.path) : Escape.terminal(p.lastComponent)
                return String(repeating: "  ", count: p.depth) + name + (p.kind == .directory ? "/" : "")
            },
            PresentedColumn("KIND", on: .cli) { $0.kind.name },
            PresentedColumn("KIND", on: .browser, ColumnLayout(width: 4, priority: 1)) { $0.kind.shortName },
            PresentedColumn("ID", on: .cli) { $0.id == 0 ? "-" : "\($0.id)" },
            PresentedColumn("ID", on: .browser, ColumnLayout(width: 5, right: true, priority: 2),
                            sort: { .number(Double($0.id)) }) { $0.id == 0 ? "" : "\($0.id)" },
            PresentedColumn("NAME", on: .cli) { $0.name.isEmpty ? "-" : terminalText($0.name) },
            PresentedColumn("TYPE", on: .browser, ColumnLayout(width: 12, priority: 3),
                            sort: { .text($0.objectType) }) { terminalText($0.objectType) },
            PresentedColumn("OWNER", on: .cli) { $0.owner.isBPFNav ? "bpfnav" : "-" },
            PresentedColumn("DETAIL", on: .cli) { $0.detail },
            PresentedColumn("DETAIL", on: .browser, ColumnLayout(width: 20, flex: true, priority: 4)) { p in
                p.error.map(terminalText)
                    ?? [p.name, p.summary].filter { !$0.isEmpty }.map(terminalText).joined(separator: "  ")
            },
        ],
        details: [
            DetailField("path") { Escape.terminal($0.path) },
            DetailField("kind") { $0.kind.name },
            DetailField("id") { $0.id != 0 ? "\($0.id)" : nil },
            DetailField("type") { $0.objectType.isEmpty ? nil : terminalText($0.objectType) },
            DetailField(lines: .both) { p in
                p.name.isEmpty ? [] : [(p.kind == .link ? "prog" : "name", terminalText(p.name))]
            },
            DetailField("detail") { $0.summary.isEmpty ? nil : terminalText($0.summary) },
            DetailField("owner") { $0.owner.isBPFNav ? "bpfnav" : nil },
        ],
        json: [
            JSONField("path") { .bytes($0.path) },
            JSONField("kind") { .string($0.kind.name) },
            JSONField("errno") { $0.failure.map { .string(Errno.name($0)) } },
            JSONField("error") { $0.failure.map { .string(Errno.describe($0)) } },
            JSONField("id") { p in
                p.info(program: { $0.id }, map: { $0.id }, link: { $0.id }).map { .unsigned(UInt64($0)) }
            },
            JSONField("type") { $0.readType.map(JSONValue.string) },
            JSONField("name") { $0.info(program: { $0.name }, map: { $0.name }).map(JSONValue.string) },
            JSONField("tag") { $0.info(program: { $0.tag }).map(JSONValue.string) },
            JSONField("prog_id") { $0.info(link: { $0.programID }).map { .unsigned(UInt64($0)) } },
            JSONField("prog_name") { p in
                p.info(link: { _ in p.linkProgramName }).flatMap { $0.map(JSONValue.string) }
            },
            JSONField("details") {
                $0.info(link: { .fields(LinkEntry.jsonFields($0.details, programType: nil, tracepointFormat: nil)) })
            },
            JSONField("target") { $0.kind == .symlink ? .bytes($0.symlinkTarget ?? []) : nil },
            JSONField("owner") { $0.kind == .directory ? nil : .string($0.owner.isBPFNav ? "bpfnav" : "foreign") },
            JSONField("bpfnav") { $0.owner.json },
        ]
    )

    /// What `program`, `map` or `link` make of the pinned object's info, by
    /// the entry's kind: nil for anything else, or when the info could not
    /// be read.
    func info<T>(program: ((ProgramInfo) -> T)? = nil, map: ((MapInfo) -> T)? = nil,
                 link: ((LinkInfo) -> T)? = nil) -> T? {
        switch kind {
        case .object(.program): self.program.flatMap { info in program.map { $0(info) } }
        case .object(.map): self.map.flatMap { info in map.map { $0(info) } }
        case .object(.link): self.link.flatMap { info in link.map { $0(info) } }
        default: nil
        }
    }

    /// The full path, a directory's with a slash: the browser's PATH when
    /// its list is not in its natural order or is filtered.
    var flatPath: String { Escape.terminal(path) + (kind == .directory ? "/" : "") }

    /// The DETAIL of `bpfnav pins`.
    var detail: String {
        switch kind {
        case .directory: failure.map { "contents unreadable: \(Errno.name($0))" } ?? ""
        case .other, .object(.btf): ""
        case .object(.program): objectType + (owner == .demo ? " (demo)" : owner.isBPFNav ? " (program cache)" : "")
        case .object(.map): objectType + (owner == .manifest ? " (bpfnav's record of its pins)" : "")
        case .object(.link): link == nil ? "" : terminalText("\(objectType) \(summary)")
        case .symlink: summary
        case .unreadable: error ?? ""
        }
    }
}

extension PinOwner {
    /// What bpfnav's own pins are to it, as JSON: nil for a foreign pin.
    public var json: JSONValue? {
        switch self {
        case .foreign:
            nil
        case .iterator(let kind, let format, let params):
            .object(Self.iterator(kind, format) + {
                switch params {
                case .pid(let pid): [("pid", .unsigned(UInt64(pid)))]
                case .tid(let tid): [("tid", .unsigned(UInt64(tid)))]
                case .all, .mapFD: []
                }
            }())
        case .programCache(let kind, let format):
            .object(Self.iterator(kind, format) + [("cache", .bool(true))])
        case .demo:
            .object([("demo", .bool(true))])
        case .featureCache:
            .object([("features", .bool(true)), ("cache", .bool(true))])
        case .manifest:
            .object([("manifest", .bool(true))])
        }
    }

    private static func iterator(_ kind: IterKind, _ format: IterFormat) -> [(String, JSONValue?)] {
        let name = switch format {
        case .text: "text"
        case .records: "records"
        case .bpfObjects: "bpf_objects"
        }
        return [("kind", .string(kind.pinPrefix)), ("target", .string(kind.target)), ("format", .string(name))]
    }
}

import BPFKit
import Glibc
import Iterators
import Platform
import Formatting

/// A program, map or link entry: its id in its space, and where it is
/// pinned and who holds it once `ObjectReferences` filled them in.
public protocol ReferencedEntry: Sendable {
    static var space: BPFObjectKind { get }
    var id: UInt32 { get }
    var pinned: [[UInt8]] { get set }
    var pids: [Holder] { get set }
    /// Takes what `index` knows of this object: a program's attachments, a
    /// link's device, cgroup or ops table. Maps take nothing.
    mutating func take(_ index: AttachmentIndex)
}

extension ReferencedEntry {
    public mutating func take(_ index: AttachmentIndex) {}
}

extension ProgramEntry {
    public mutating func take(_ index: AttachmentIndex) {
        attachments = index.of(program: id)
    }
}

extension LinkEntry {
    public mutating func take(_ index: AttachmentIndex) {
        index.place(&self)
    }
}

/// Where objects are pinned and which processes hold them: the expensive
/// part of a listing (a walk of every bpffs; one pass of the task and
/// task_file iterators), computed only when asked for.
public struct ObjectReferences: Sendable {
    public var pins: PinIndex?
    public var holders: Holders?
    /// Why the holders could not be collected (the listing goes on without).
    public var holdersError: String?
    /// Where programs run (and links' devices, cgroups and ops tables).
    public var attachments: AttachmentIndex?

    public init(pins: PinIndex? = nil, holders: Holders? = nil, holdersError: String? = nil,
                attachments: AttachmentIndex? = nil) {
        self.pins = pins
        self.holders = holders
        self.holdersError = holdersError
        self.attachments = attachments
    }

    /// Walks the bpffs mounts (`pins`) and reads every fd table (`holders`).
    /// bpfnav's own process is left out of the holders: the fds it has open
    /// are the ones it uses to look.
    /// `links`: the links, when the caller has listed them already (the
    /// attachments are found from them too).
    public static func collect(pins: Bool = true, holders: Bool = true, attachments: Bool = false,
                               links: [LinkEntry]? = nil,
                               loader: @autoclosure () -> IterLoader = IterLoader(cache: ProgramCache.standard)) -> ObjectReferences {
        var refs = ObjectReferences()
        if attachments { refs.attachments = AttachmentIndex.collect(links: links) }
        // Holders first: their iterators may pin bpfnav's program cache,
        // which the walk then sees.
        if holders {
            do {
                refs.holders = try Holders.collect(loader: loader())
            } catch let error as BPFError {
                refs.holdersError = error.message
            } catch {
                refs.holdersError = "\(error)"
            }
        }
        if pins { refs.pins = PinIndex(PinWalk.walkAll()) }
        return refs
    }

    public func apply<Entry: ReferencedEntry>(to entry: inout Entry) {
        entry.pinned = pinned(Entry.space, entry.id)
        entry.pids = pids(Entry.space, entry.id)
        if let attachments { entry.take(attachments) }
    }

    func pinned(_ space: BPFObjectKind, _ id: UInt32) -> [[UInt8]] {
        pins?.paths(space, id) ?? []
    }

    func pids(_ space: BPFObjectKind, _ id: UInt32) -> [Holder] {
        guard let holders else { return [] }
        let list = holders.holders(of: BPFObjectRef(space, id))
        let me = UInt32(getpid())
        return (list ?? []).filter { $0.pid != me }.sorted { $0.pid < $1.pid }
    }
}

/// Snapshots of the kernel's programs, maps and links.
///
/// Lists walk the id space and open each id; an object freed in between
/// (ENOENT) is simply not listed. Looking up one id that does not exist is
/// an error that names it.
public enum Objects {
    // MARK: Programs

    public static func programs(references: ObjectReferences? = nil) throws(BPFError) -> [ProgramEntry] {
        let fdinfo = FDInfoDirectory()
        return try list(references) { fd, id throws(BPFError) in try program(fd: fd, id: id, fdinfo: fdinfo) }
    }

    public static func program(id: UInt32, references: ObjectReferences? = nil) throws(BPFError) -> ProgramEntry {
        try one(id, references) { fd, id throws(BPFError) in try program(fd: fd, id: id) }
    }

    /// `id`: the program's, for an orphaned one, whose info the kernel refuses.
    static func program(fd: Int32, id: UInt32? = nil, metadata: Bool = true,
                        fdinfo: FDInfoDirectory? = nil) throws(BPFError) -> ProgramEntry {
        let info = try ProgramInfo(fd: fd, id: id, fdinfo: fdinfo)
        return ProgramEntry(info: info, fullName: fullProgramName(fd: fd, info: info),
                            metadata: metadata ? ProgramMetadata.read(mapIDs: info.mapIDs) : [])
    }

    // MARK: Maps

    public static func maps(references: ObjectReferences? = nil) throws(BPFError) -> [MapEntry] {
        let fdinfo = FDInfoDirectory()
        return try list(references) { fd, _ throws(BPFError) in try map(fd: fd, fdinfo: fdinfo) }
    }

    public static func map(id: UInt32, references: ObjectReferences? = nil) throws(BPFError) -> MapEntry {
        try one(id, references) { fd, _ throws(BPFError) in try map(fd: fd) }
    }

    static func map(fd: Int32, fdinfo: FDInfoDirectory? = nil) throws(BPFError) -> MapEntry {
        let info = try MapInfo(fd: fd, fdinfo: fdinfo)
        var entry = MapEntry(info: info)
        if info.type == MapType.progArray.rawValue {
            let fields = BPFKit.fdinfo(fd)
            entry.ownerProgramType = fields["owner_prog_type"].flatMap { UInt32($0) }
            entry.ownerJited = fields["owner_jited"].flatMap { UInt32($0) }.map { $0 != 0 }
        }
        return entry
    }

    // MARK: Links

    public static func links(references: ObjectReferences? = nil) throws(BPFError) -> [LinkEntry] {
        try list(references) { fd, _ throws(BPFError) in try link(fd: fd) }
    }

    public static func link(id: UInt32, references: ObjectReferences? = nil) throws(BPFError) -> LinkEntry {
        try one(id, references) { fd, _ throws(BPFError) in try link(fd: fd) }
    }

    static func link(fd: Int32) throws(BPFError) -> LinkEntry {
        let info = Knobs.withProgramFilter(try LinkInfo(fd: fd))
        var entry = LinkEntry(info: info)
        if case .tracing = info.details {
            entry.programType = (try? ProgramInfo(id: info.programID))?.type
        }
        if case .perfEvent(.tracepoint(let name, _)) = info.details {
            entry.tracepointFormat = TracepointFormat.find(name)
        }
        return entry
    }

    // MARK: Within a time budget

    /// The programs, read while `more()` says so (asked before each one):
    /// the exporter's budget. A list cut short is the programs read so far,
    /// each whole. `metadata`: whether to read their `bpf_metadata_*`
    /// variables (a map lookup and a BTF parse for each program that has a
    /// .rodata).
    public static func programs(references: ObjectReferences? = nil, metadata: Bool = true,
                                while more: () -> Bool) throws(BPFError) -> [ProgramEntry] {
        let fdinfo = FDInfoDirectory()
        return try list(references, while: more) { fd, id throws(BPFError) in
            try program(fd: fd, id: id, metadata: metadata, fdinfo: fdinfo)
        }
    }

    /// The maps, read while `more()` says so (see `programs(references:while:)`).
    public static func maps(references: ObjectReferences? = nil, while more: () -> Bool) throws(BPFError) -> [MapEntry] {
        let fdinfo = FDInfoDirectory()
        return try list(references, while: more) { fd, _ throws(BPFError) in try map(fd: fd, fdinfo: fdinfo) }
    }

    /// The links, read while `more()` says so (see `programs(references:while:)`).
    public static func links(references: ObjectReferences? = nil, while more: () -> Bool) throws(BPFError) -> [LinkEntry] {
        try list(references, while: more) { fd, _ throws(BPFError) in try link(fd: fd) }
    }

    // MARK: Common

    static func list<Entry: ReferencedEntry>(_ references: ObjectReferences?, while more: () -> Bool = { true },
                                             _ read: (Int32, UInt32) throws(BPFError) -> Entry) throws(BPFError) -> [Entry] {
        var entries: [Entry] = []
        for id in try Entry.space.ids() {
            guard more() else { break }
            let fd: OwnedFD
            do {
                fd = try Entry.space.open(id)
            } catch where error.errno == ENOENT {
                continue  // freed since it was listed
            }
            var entry = try read(fd.raw, id)
            references?.apply(to: &entry)
            entries.append(entry)
        }
        return entries
    }

    static func one<Entry: ReferencedEntry>(_ id: UInt32, _ references: ObjectReferences?,
                                            _ read: (Int32, UInt32) throws(BPFError) -> Entry) throws(BPFError) -> Entry {
        let space = Entry.space
        let noun = space.name
        let fd: OwnedFD
        do {
            fd = try space.open(id)
        } catch where error.errno == ENOENT {
            throw BPFError("show \(noun)", "\(id)", errno: ENOENT,
                           hint: "no such \(noun) with id \(id): 'bpfnav \(space.listCommand)' lists them")
        }
        var entry = try read(fd.raw, id)
        references?.apply(to: &entry)
        return entry
    }

    // MARK: Full program names

    /// bpftool's `get_prog_full_name`: a name that fills the kernel's 15
    /// bytes may be cut; the BTF of the program's first function has it whole.
    static func fullProgramName(fd: Int32, info: ProgramInfo) -> String {
        let kernelName = info.name
        guard kernelName.utf8.count >= ProgramInfo.maxNameLength, info.btfID != 0 else { return kernelName }
        guard let function = ProgramInfo.firstFunction(fd: fd), let btf = try? BTF.load(id: function.btfID),
              btf.kind(function.typeID) == .function, case let name = btf.name(function.typeID),
              !name.isEmpty else { return kernelName }
        return name
    }
}

extension BPFObjectKind {
    var listCommand: String {
        switch self {
        case .program: "progs"
        case .map: "maps"
        case .link: "links"
        case .btf: "btf"
        }
    }
}

import BPFKit
import Iterators
import ObjectModel

/// bpfnav's own objects among those listed: what it loaded to collect the
/// lists (its iterator programs, their maps, the links it attached) and the
/// pins of its program caches, old generations included. The browser hides
/// them unless asked (`O`), so that bpfnav does not crowd its own lists and
/// its refreshes do not show up as events.
///
/// Recognised by ids and by what the manifest of a pin directory records,
/// never by name: anyone can load a program called `bpfnav_task_rec`.
/// The iterators a user pinned (`bpfnav pin`) and the demo are the user's
/// and stay listed.
public struct OwnObjectSet: Sendable, Equatable {
    public private(set) var objects: Set<BPFObjectRef> = []
    /// Cache pins and the manifests, and the directories that hold nothing
    /// else.
    public private(set) var pins: Set<[UInt8]> = []

    public init() {}

    /// `noted`: what this process loaded or attached (`OwnObjects.all`).
    public init(noted: Set<BPFObjectRef>, programs: [ProgramEntry], links: [LinkEntry], pins entries: [PinEntry]) {
        objects = noted
        for pin in entries {
            switch pin.owner {
            case .programCache, .featureCache, .manifest:
                pins.insert(pin.path)
                if let space = pin.space, pin.id != 0 { objects.insert(BPFObjectRef(space, pin.id)) }
            case .foreign, .iterator, .demo:
                break
            }
        }
        // An own program's maps (its .rodata and .bss) are its alone.
        for program in programs where objects.contains(.program(program.id)) {
            for map in program.info.mapIDs { objects.insert(.map(map)) }
        }
        // A link of an own program that nobody pinned is one bpfnav made
        // to read an iterator (this process or another bpfnav).
        for link in links where link.pinned.isEmpty && objects.contains(.program(link.info.programID)) {
            objects.insert(.link(link.id))
        }
        pins.formUnion(Self.emptiedDirectories(entries, hidden: pins))
    }

    /// Directories whose every entry, below them at any depth, is hidden.
    static func emptiedDirectories(_ entries: [PinEntry], hidden: Set<[UInt8]>) -> Set<[UInt8]> {
        var holdsHidden: Set<[UInt8]> = []
        var holdsShown: Set<[UInt8]> = []
        for entry in entries where entry.kind != .directory {
            let shown = !hidden.contains(entry.path)
            var path = entry.path
            while let slash = path.lastIndex(of: 0x2f), slash > 0 {
                path = Array(path[..<slash])
                if shown { holdsShown.insert(path) } else { holdsHidden.insert(path) }
            }
        }
        return Set(entries.filter { $0.kind == .directory && holdsHidden.contains($0.path)
            && !holdsShown.contains($0.path) }.map(\.path))
    }

    /// Whether the list row `target` is one of bpfnav's own.
    public func contains(_ target: BrowserTarget) -> Bool {
        switch target {
        case .object(let object): objects.contains(object)
        case .pin(let path): pins.contains(path)
        case .task, .place: false
        }
    }

    /// Whether program `id` is one of bpfnav's own (an attachment of it is).
    public func containsProgram(_ id: UInt32) -> Bool { objects.contains(.program(id)) }

    public var isEmpty: Bool { objects.isEmpty && pins.isEmpty }
}

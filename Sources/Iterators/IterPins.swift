import BPFKit
import Glibc

/// One of bpfnav's iterator pins, as found in bpffs.
public struct OwnPin: Equatable, Sendable {
    public var name: String
    public var path: String
    public var kind: IterKind
    public var format: IterFormat
    public var params: IterParams
    public var linkID: UInt32
    public var programID: UInt32
}

/// What is at a pin path.
public enum PinInspection: Equatable, Sendable {
    case missing
    case ours(OwnPin)
    /// Something bpfnav did not create: it is left alone.
    case foreign(String)
}

/// bpfnav's iterator pins in one bpffs directory.
///
/// bpfnav only replaces or unlinks pins it can prove its own: those its
/// manifest (`PinManifest`) records by link and program id, in a directory
/// `PinDirectory` verified nobody else can write. A program's name proves
/// nothing. Anything else in the directory is read-only to it, and a
/// symlink there is never followed.
///
/// Everything that changes the directory (`create`, `remove`, `removeAll`,
/// the program cache, the demo) holds the directory's lock, and first
/// completes or rolls back what a killed bpfnav left (`recover`).
public struct IterPins: Sendable {
    public static let defaultDirectory = BPFFS.defaultMount + "/bpfnav"
    /// The prefix of temporary pin names.
    static let temporaryPrefix = "bpfnav-new-"

    /// The directory asked for (`--dir`).
    public let requested: String
    /// With `shared`, bpfnav works in its own subdirectory of `requested`.
    public let shared: Bool

    public init(directory: String = IterPins.defaultDirectory, shared: Bool = false) {
        var dir = directory
        while dir.count > 1, dir.hasSuffix("/") { dir.removeLast() }
        self.requested = dir
        self.shared = shared
    }

    /// Where the pins are: `requested`, or bpfnav's subdirectory of it.
    public var directory: String {
        shared ? (requested == "/" ? "" : requested) + "/" + PinDirectory.sharedName() : requested
    }

    public func path(_ name: String) -> String { "\(directory)/\(name)" }

    /// The verified directory; nil when it does not exist and not `create`.
    public func open(create: Bool) throws(BPFError) -> PinDirectory? {
        do throws(BPFError) {
            return try PinDirectory.open(requested, create: create, shared: shared)
        } catch where error.errno == ENOENT && !create {
            return nil
        }
    }

    /// The directory and its manifest, for reading.
    struct Snapshot {
        let directory: PinDirectory
        let manifest: PinManifest?
    }

    func snapshot() -> Snapshot? {
        guard let dir = try? open(create: false) else { return nil }
        return Snapshot(directory: dir, manifest: try? PinManifest.open(in: dir, create: false))
    }

    public func inspect(_ name: String) -> PinInspection {
        guard let snapshot = snapshot() else { return .missing }
        return inspect(name, in: snapshot.directory, manifest: snapshot.manifest)
    }

    func inspect(_ name: String, in dir: PinDirectory, manifest: PinManifest?) -> PinInspection {
        switch dir.entryKind(name) {
        case .missing: return .missing
        case .directory: return .foreign("a directory")
        case .symlink: return .foreign("a symlink (bpfnav never follows one)")
        case .other: return .foreign("not a pin")
        case .pin: break
        }
        guard let pinned = try? dir.object(name) else { return .foreign("not a BPF object bpfnav can open") }
        guard pinned.kind == .link else { return .foreign("a pinned \(pinned.kindName)") }
        guard let info = try? IterLinkInfo(linkFD: pinned.fd.raw), info.isIter else {
            return .foreign("a link that is not an iterator")
        }
        guard let manifest,
              let record = manifest.proves(name, space: .link, id: info.id, programID: info.programID),
              record.role == .iterator, record.state == .live, record.name == name,
              let kind = record.kind, let format = record.format else {
            return .foreign("an iterator link bpfnav did not pin (it is not in bpfnav's manifest)")
        }
        return .ours(OwnPin(name: name, path: path(name), kind: kind, format: format, params: record.params,
                            linkID: info.id, programID: info.programID))
    }

    /// bpfnav's pins in the directory (none if it does not exist).
    public func list() throws(BPFError) -> [OwnPin] {
        guard let dir = try open(create: false) else { return [] }
        let manifest = try PinManifest.open(in: dir, create: false)
        return try dir.names().compactMap { name in
            if case .ours(let pin) = inspect(name, in: dir, manifest: manifest) { return pin }
            return nil
        }
    }

    /// Creates every pin in `specs`, or none of them.
    ///
    /// Each link is pinned under a temporary name first and recorded in the
    /// manifest; only when all are pinned are they moved into place (each
    /// move swaps with the pin it replaces, so that a failure part way can
    /// swap the earlier ones back: the directory ends with the whole new set
    /// or the whole old one). The manifest's journal says how far a run got:
    /// the next run rolls a killed one back (before the whole set was
    /// pinned) or forward (after). Existing pins of bpfnav's with the same
    /// names are replaced; anything else there is an error and stays
    /// untouched.
    ///
    /// `access`: who else may read the new pins (default: the owner only,
    /// 0600). It is applied to the temporary pin before it is moved into
    /// place, so a pin is never readable by more than asked, even briefly.
    @discardableResult
    public func create(_ specs: [PinSpec], loader: IterLoader = IterLoader(),
                       access: PinAccess = PinAccess()) throws(BPFError) -> [OwnPin] {
        // A foreign object at a name is refused before anything is made
        // (and again under the lock).
        try validate(specs)
        // A kind this kernel lacks is refused whole, before anything is made.
        for spec in specs { try Features.current.require(spec.kind.feature) }
        guard let dir = try open(create: true) else { return [] }

        // Ctrl-C, SIGTERM or a hang-up in the middle wait until the set is
        // complete (or rolled back), then take effect as usual. (SIGKILL
        // cannot wait: the journal covers it.)
        let signals = SignalsDeferred()
        defer { signals.restore() }

        let lock = try dir.lock("pin into")
        defer { withExtendedLifetime(lock) {} }
        guard let manifest = try PinManifest.open(in: dir, create: true) else { return [] }
        recover(dir, manifest)
        for spec in specs {
            if case .foreign(let what) = inspect(spec.name, in: dir, manifest: manifest) {
                throw BPFError("pin", path(spec.name), errno: EEXIST,
                               hint: "\(what) is already pinned there and bpfnav did not create it: choose another --name, or remove it yourself")
            }
        }

        try manifest.setJournal(.preparing)
        var made: [(spec: PinSpec, temporary: String, linkID: UInt32)] = []
        var placed: [(final: String, temporary: String, replaced: UInt32?)] = []
        do throws(BPFError) {
            for (index, spec) in specs.enumerated() {
                let link = try loader.attach(spec.kind, .text, params: spec.params)
                let info = try link.info()
                let temporary = "\(Self.temporaryPrefix)\(getpid())-\(index)"
                var record = PinManifest.Record(role: .iterator, name: spec.name)
                record.state = .pending
                record.programID = info.programID
                record.kind = spec.kind
                record.format = .text
                record.params = spec.params
                record.temporary = temporary
                // Recorded before it is pinned: a run killed in between
                // leaves nothing the next run cannot account for.
                try manifest.set(.link, info.id, record)
                made.append((spec, temporary, info.id))
                do throws(BPFError) {
                    try dir.pin(link.fd.raw, at: temporary, what: "iterator link")
                    try access.apply(to: temporary, in: dir)
                } catch {
                    // The temporary name means nothing to the user.
                    throw BPFError(error.operation.hasPrefix("pin") ? "pin" : error.operation,
                                   path(spec.name), errno: error.errno, hint: error.hint)
                }
            }
            try manifest.setJournal(.prepared)
            for entry in made {
                let replaced = pinnedID(entry.spec.name, in: dir)
                do throws(BPFError) {
                    try dir.rename(entry.temporary, to: entry.spec.name, replaced != nil ? .exchange : .noReplace)
                } catch {
                    throw BPFError("move the new pin into place at", path(entry.spec.name), errno: error.errno, hint: error.hint)
                }
                placed.append((entry.spec.name, entry.temporary, replaced))
            }
        } catch {
            // Undo in reverse: the replaced pins back to their names, the new
            // ones unlinked (from wherever they are now), their records gone.
            for move in placed.reversed() {
                if move.replaced != nil {
                    _ = try? dir.rename(move.temporary, to: move.final, .exchange)
                } else {
                    dir.unlink(move.final)
                }
            }
            for entry in made {
                dir.unlink(entry.temporary)
                manifest.remove(.link, entry.linkID)
            }
            try? manifest.setJournal(.idle)
            throw error
        }
        // The replaced pins now sit under the temporary names.
        for move in placed {
            if let old = move.replaced {
                dir.unlink(move.temporary)
                manifest.remove(.link, old)
            }
        }
        for entry in made {
            var record = manifest.record(.link, entry.linkID)
            record?.state = .live
            record?.temporary = ""
            if let record { try manifest.set(.link, entry.linkID, record) }
        }
        try manifest.setJournal(.idle)
        return specs.compactMap { spec in
            if case .ours(let pin) = inspect(spec.name, in: dir, manifest: manifest) { return pin }
            return nil
        }
    }

    /// The link id pinned at `name`, if a link is pinned there.
    func pinnedID(_ name: String, in dir: PinDirectory) -> UInt32? {
        guard dir.entryKind(name) == .pin, let pinned = try? dir.object(name) else { return nil }
        return try? ObjectIdentity.id(of: pinned.fd.raw, kind: pinned.kind)
    }

    /// What `create` checks before it changes anything: privileges, bpffs,
    /// names, parameters and, unless `existing` is false, that no foreign
    /// object sits at a name.
    public func validate(_ specs: [PinSpec], existing: Bool = true) throws(BPFError) {
        try Capabilities.requireTracing(for: "pin iterators")
        try BPFFS.requireBPFFS(for: requested)
        var seen: Set<String> = []
        for spec in specs {
            try PinName.validate(spec.name)
            guard seen.insert(spec.name).inserted else {
                throw BPFError("pin", path(spec.name), errno: EINVAL, hint: "two pins would have the same name")
            }
            try TaskParams.validate(spec.params, for: spec.kind)
            if existing, case .foreign(let what) = inspect(spec.name) {
                throw BPFError("pin", path(spec.name), errno: EEXIST,
                               hint: "\(what) is already pinned there and bpfnav did not create it: choose another --name, or remove it yourself")
            }
        }
    }

    /// Unlinks the named pins, all of which must be bpfnav's; nothing is
    /// removed if any is not.
    public func remove(_ names: [String]) throws(BPFError) -> [String] {
        for name in names { try PinName.validate(name) }
        guard let dir = try open(create: false) else {
            throw BPFError("unpin", path(names.first ?? ""), errno: ENOENT,
                           hint: "the pin directory \(directory) does not exist: 'bpfnav pins' lists bpfnav's pins")
        }
        let signals = SignalsDeferred()
        defer { signals.restore() }
        let lock = try dir.lock("unpin in")
        defer { withExtendedLifetime(lock) {} }
        let manifest = try PinManifest.open(in: dir, create: false)
        if let manifest { recover(dir, manifest) }
        var links: [UInt32] = []
        for name in names {
            switch inspect(name, in: dir, manifest: manifest) {
            case .ours(let pin): links.append(pin.linkID)
            case .missing:
                throw BPFError("unpin", path(name), errno: ENOENT, hint: "no such pin: 'bpfnav pins' lists bpfnav's pins")
            case .foreign(let what):
                throw BPFError("unpin", path(name), errno: EPERM,
                               hint: "\(what), not created by bpfnav: bpfnav leaves it alone")
            }
        }
        for (name, link) in zip(names, links) {
            try check("unpin", path(name)) { dir.unlink(name) ? 0 : -1 }
            manifest?.remove(.link, link)
        }
        return names
    }

    /// Unlinks every pin of bpfnav's in the directory, the program caches
    /// and the demo there, and what killed runs left. The directory and its
    /// manifest stay: they mark the directory as bpfnav's, so that nobody
    /// else can take its name. `also` removes more under the same lock (the
    /// demo's network namespace, which this module cannot reach): what it
    /// returns is reported as it is, not as a name in the directory.
    public func removeAll(also: ((PinManifest) -> [String])? = nil) throws(BPFError) -> [String] {
        guard let dir = try open(create: false) else { return [] }
        let signals = SignalsDeferred()
        defer { signals.restore() }
        let lock = try dir.lock("unpin in")
        defer { withExtendedLifetime(lock) {} }
        guard let manifest = try PinManifest.open(in: dir, create: false) else { return [] }
        var removed = recover(dir, manifest)
        for name in try dir.names() {
            if case .ours(let pin) = inspect(name, in: dir, manifest: manifest), dir.unlink(name) {
                manifest.remove(.link, pin.linkID)
                removed.append(name)
            }
        }
        removed += ProgramCache.removeAll(in: dir, manifest: manifest)
        removed += removeDemo(in: dir, manifest: manifest)
        return removed + (also?(manifest) ?? [])
    }

    /// Completes or undoes what a killed bpfnav left, under the lock:
    /// a `pin` journaled as prepared is rolled forward (its new pins moved
    /// into place), one still preparing is rolled back; then every
    /// temporary name bpfnav recorded is unlinked and records of objects
    /// that are gone are dropped. Returns the names it unlinked.
    @discardableResult
    func recover(_ dir: PinDirectory, _ manifest: PinManifest) -> [String] {
        let journal = manifest.journal
        var removed: [String] = []
        let records = manifest.all()
        if journal.state == .prepared {
            for (space, id, record) in records where space == .link && record.role == .iterator && record.state == .pending {
                if pinnedID(record.name, in: dir) != id, pinnedID(record.temporary, in: dir) == id {
                    let replaced = pinnedID(record.name, in: dir) != nil
                    if (try? dir.rename(record.temporary, to: record.name, replaced ? .exchange : .noReplace)) == nil {
                        // Left as it is, journal and all, for the next run.
                        return removed
                    }
                }
                if pinnedID(record.name, in: dir) == id {
                    var live = record
                    live.state = .live
                    live.temporary = ""
                    try? manifest.set(.link, id, live)
                }
            }
        }
        // Temporary names: what a killed run pinned (rolled back) and the
        // pins a finished exchange moved aside.
        for name in (try? dir.names()) ?? [] where name.hasPrefix(Self.temporaryPrefix) || name.hasPrefix("bpfnav-swap-") {
            guard let id = pinnedID(name, in: dir), let record = manifest.record(.link, id), record.role == .iterator else { continue }
            if dir.unlink(name) { removed.append(name) }
            if pinnedID(record.name, in: dir) != id { manifest.remove(.link, id) }
        }
        for (space, id, record) in manifest.all() where space == .link && record.role == .iterator {
            if record.state == .pending || pinnedID(record.name, in: dir) != id { manifest.remove(.link, id) }
        }
        if journal.state != .idle { try? manifest.setJournal(.idle) }
        // A manifest a killed run was making (all are made under the lock).
        for name in (try? dir.names()) ?? [] where name.hasPrefix(PinManifest.pinName + "-new-") {
            guard let pinned = try? dir.object(name), pinned.kind == .map,
                  let info = try? MapInfo(fd: pinned.fd.raw, withFDInfo: false), PinManifest.isOurs(info) else { continue }
            if dir.unlink(name) { removed.append(name) }
        }
        removed += Self.removeDemoTemporaries(in: dir, manifest: manifest)
        return removed
    }
}

/// Blocks SIGINT, SIGTERM, SIGHUP and SIGQUIT until `restore()`.
struct SignalsDeferred {
    private var previous = sigset_t()

    init() {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    }

    func restore() {
        var previous = previous
        pthread_sigmask(SIG_SETMASK, &previous, nil)
    }
}

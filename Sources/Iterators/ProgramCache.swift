import BPFKit
import Glibc
import Synchronization

/// bpfnav's iterator programs, kept loaded between runs.
///
/// Loading and verifying one program costs about 20 ms, more than a whole
/// task listing, so one-shot commands reuse programs an earlier run pinned in
/// `<base>/progs-<hash>/`. The hash is the build's (`Catalog.hash`): a new
/// build never reuses programs an older one loaded, and removes their
/// directories on start and when it makes its own, except those a running
/// bpfnav holds (`hold()`). `bpfnav unpin --all` removes them all.
///
/// Everything here is best effort: without a bpffs, or without write access,
/// or while another bpfnav changes the directory, programs are simply
/// loaded each run. What is cached is recorded in the directory's manifest
/// (`PinManifest`): only programs bpfnav pinned there are ever run.
public struct ProgramCache: Sendable {
    public static let prefix = "progs-"

    /// The directory that holds the `progs-*` directories.
    public let base: String

    /// The build whose programs this cache holds: `Catalog.hash`, or
    /// another for tests that make an older build's cache.
    public let generation: String

    public init(base: String, generation: String = Catalog.hash) {
        self.base = base
        self.generation = generation
    }

    /// The cache in effect: `$BPFNAV_CACHE_DIR`, else bpfnav's pin directory;
    /// none when `BPFNAV_NO_CACHE` is set.
    public static var standard: ProgramCache? {
        if getenv("BPFNAV_NO_CACHE") != nil { return nil }
        if let dir = getenv("BPFNAV_CACHE_DIR") { return ProgramCache(base: String(cString: dir)) }
        return ProgramCache(base: IterPins.defaultDirectory)
    }

    public var directory: String { "\(base)/\(name)" }

    /// The cache directory's name in `base`: `progs-<hash>`.
    public var name: String { "\(Self.prefix)\(generation)" }

    /// `base`, verified (`PinDirectory`): nil when it is missing (and not
    /// `create`d), not on a bpffs, or a directory others can write. A
    /// cache another user could write to could hold their programs under
    /// bpfnav's names: it is neither used nor written.
    func openBase(create: Bool) -> PinDirectory? {
        try? PinDirectory.open(base, create: create)
    }

    /// A cached program's fd, if the cache holds one that bpfnav pinned
    /// there (its manifest records the program's id under that name).
    public func program(_ kind: IterKind, _ format: IterFormat) -> OwnedFD? {
        let entry = kind.programName(format)
        guard let dir = openBase(create: false),
              let manifest = try? PinManifest.open(in: dir, create: false),
              let sub = try? dir.subdirectory(name, create: false),
              let pinned = try? sub.object(entry), pinned.kind == .program,
              let id = try? ObjectIdentity.id(of: pinned.fd.raw, kind: .program),
              let record = manifest.record(.program, id), record.role == .cachedProgram,
              record.name == "\(name)/\(entry)" else { return nil }
        return pinned.takeFD()
    }

    /// Pins the programs of `kind`'s loaded object into the cache, each
    /// recorded in the manifest, pinned under a temporary name and renamed
    /// into place, so a concurrent reader never finds a half-made entry.
    /// Skipped when another bpfnav holds the directory's lock.
    public func store(_ object: BPFObject, kind: IterKind) {
        guard let dir = openBase(create: true), let lock = dir.tryLock() else { return }
        defer { withExtendedLifetime(lock) {} }
        guard let manifest = try? PinManifest.open(in: dir, create: true) else { return }
        let fresh = dir.entryKind(name) == .missing
        guard let sub = try? dir.subdirectory(name, create: true) else { return }
        if fresh { Self.removeStale(in: dir, manifest: manifest, keeping: name) }
        for format in kind.formats {
            let entry = kind.programName(format)
            guard let fd = try? object.programFD(entry),
                  let id = try? ObjectIdentity.id(of: fd, kind: .program) else { continue }
            var record = PinManifest.Record(role: .cachedProgram, name: "\(name)/\(entry)")
            record.kind = kind
            record.format = format
            Self.place(fd, id: id, space: .program, entry: entry, record: record, in: sub, manifest: manifest)
        }
    }

    /// Pins `fd` at `entry` of `sub` through a temporary name, recorded
    /// first; the object it replaces loses its record.
    static func place(_ fd: Int32, id: UInt32, space: BPFObjectKind, entry: String,
                      record: PinManifest.Record, in sub: PinDirectory, manifest: PinManifest) {
        let temporary = "tmp-\(getpid())-\(entry)"
        var record = record
        record.temporary = "\(sub.path.split(separator: "/").last ?? "")/\(temporary)"
        let replaced = existingID(entry, in: sub)
        if let replaced {
            // Only what bpfnav pinned there is replaced.
            guard let old = manifest.record(replaced.space, replaced.id), old.role == record.role,
                  old.name == record.name else { return }
        } else if sub.entryKind(entry) != .missing {
            return
        }
        guard (try? manifest.set(space, id, record)) != nil else { return }
        guard (try? sub.pin(fd, at: temporary, what: record.name)) != nil else {
            manifest.remove(space, id)
            return
        }
        if sub.renameQuietly(temporary, to: entry, .replace) != 0 {
            sub.unlink(temporary)
            manifest.remove(space, id)
            return
        }
        record.temporary = ""
        try? manifest.set(space, id, record)
        if let replaced, replaced.id != id { manifest.remove(replaced.space, replaced.id) }
    }

    static func existingID(_ entry: String, in sub: PinDirectory) -> (space: BPFObjectKind, id: UInt32)? {
        // ObjectIdentity refuses BTF: only programs, maps and links are recorded.
        guard let pinned = try? sub.object(entry), let kind = pinned.kind,
              let id = try? ObjectIdentity.id(of: pinned.fd.raw, kind: kind) else { return nil }
        return (kind, id)
    }

    /// The names of the cache directories in `dir` (never a symlink).
    static func directories(in dir: PinDirectory) -> [String] {
        ((try? dir.names()) ?? []).filter { $0.hasPrefix(prefix) && dir.entryKind($0) == .directory }
    }

    /// Removes the caches of other builds that no running bpfnav uses: a
    /// process using a generation holds a shared lock on its directory
    /// (`hold()`), and a directory is only emptied under an exclusive one,
    /// so a browser of another build keeps its programs while it runs.
    static func removeStale(in dir: PinDirectory, manifest: PinManifest, keeping: String) {
        for name in directories(in: dir) where name != keeping {
            guard let sub = try? dir.subdirectory(name, create: false),
                  flock(sub.fd, LOCK_EX | LOCK_NB) == 0 else { continue }
            _ = remove(directory: name, in: dir, manifest: manifest)
            withExtendedLifetime(sub) {}
        }
    }

    /// Removes the stale caches of other builds (`removeStale`), if there
    /// are any: run on start by the browser and by each command that uses
    /// the cache. Costs one directory read when there is nothing to do;
    /// skipped while another bpfnav changes the directory.
    public func removeStaleGenerations() {
        guard let dir = openBase(create: false),
              Self.directories(in: dir).contains(where: { $0 != name }),
              let lock = dir.tryLock() else { return }
        defer { withExtendedLifetime(lock) {} }
        guard let manifest = try? PinManifest.open(in: dir, create: false) else { return }
        Self.removeStale(in: dir, manifest: manifest, keeping: name)
    }

    /// `removeStaleGenerations`, the first time this process uses a cache
    /// in `base`.
    public func removeStaleGenerationsOnce() {
        guard Self.cleaned.withLock({ $0.insert(base).inserted }) else { return }
        removeStaleGenerations()
    }

    private static let cleaned = Mutex<Set<String>>([])

    /// Says that this generation is in use until the hold ends: other builds
    /// leave its directory alone (`removeStale`). Nil when the directory
    /// does not exist (yet) or another bpfnav is removing it right now.
    public func hold() -> Hold? {
        guard let dir = openBase(create: false), let sub = try? dir.subdirectory(name, create: false),
              flock(sub.fd, LOCK_SH | LOCK_NB) == 0 else { return nil }
        return Hold(directory: sub)
    }

    /// A shared lock on a generation's directory, released when it ends.
    public final class Hold: Sendable {
        let directory: PinDirectory
        init(directory: PinDirectory) { self.directory = directory }
    }

    /// Removes every cache directory in `dir`; returns what was removed,
    /// relative to `dir`.
    @discardableResult
    public static func removeAll(in dir: PinDirectory, manifest: PinManifest) -> [String] {
        directories(in: dir).flatMap { remove(directory: $0, in: dir, manifest: manifest) }
    }

    /// Unlinks the pins in the cache directory `name` that the manifest
    /// records there (programs, the feature map, and their temporary
    /// names), then the directory if that left it empty. Returns the feature
    /// map's and the directory's names, if removed.
    static func remove(directory name: String, in dir: PinDirectory, manifest: PinManifest) -> [String] {
        guard let sub = try? dir.subdirectory(name, create: false) else { return [] }
        var removed: [String] = []
        for entry in (try? sub.names()) ?? [] {
            guard let (space, id) = existingID(entry, in: sub), let record = manifest.record(space, id),
                  record.role == .cachedProgram || record.role == .featureCache,
                  record.name == "\(name)/\(entry)" || record.temporary == "\(name)/\(entry)" else { continue }
            if sub.unlink(entry) {
                manifest.remove(space, id)
                if record.role == .featureCache { removed.append("\(name)/\(entry)") }
            }
        }
        if dir.removeDirectory(name) { removed.append(name) }
        return removed
    }
}

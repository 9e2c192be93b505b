import BPFKit
import Glibc

/// bpfnav's iterator programs, kept loaded between runs.
///
/// Loading and verifying one program costs about 20 ms, more than a whole
/// task listing, so one-shot commands reuse programs an earlier run pinned in
/// `<base>/progs-<hash>/`. The hash is the build's (`Catalog.hash`): a new
/// build never reuses programs an older one loaded, and removes their
/// directories when it makes its own. `bpfnav unpin --all` removes them all.
///
/// Everything here is best effort: without a bpffs, or without write access,
/// programs are simply loaded each run.
public struct ProgramCache: Sendable {
    static let prefix = "progs-"

    /// The directory that holds the `progs-*` directories.
    public let base: String

    public init(base: String) {
        self.base = base
    }

    /// The cache in effect: `$BPFNAV_CACHE_DIR`, else bpfnav's pin directory;
    /// none when `BPFNAV_NO_CACHE` is set.
    public static var standard: ProgramCache? {
        if getenv("BPFNAV_NO_CACHE") != nil { return nil }
        if let dir = getenv("BPFNAV_CACHE_DIR") { return ProgramCache(base: String(cString: dir)) }
        return ProgramCache(base: IterPins.defaultDirectory)
    }

    public var directory: String { "\(base)/\(Self.prefix)\(Catalog.hash)" }

    /// Whether `path` may hold programs this process will run: owned by
    /// this user and writable by no one else. A cache another user made
    /// (bpffs is world-writable, sticky) could hold their programs under
    /// bpfnav's names; it is neither used nor written.
    static func trusted(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return false }
        return st.st_uid == geteuid() && st.st_mode & 0o022 == 0
    }

    /// A cached program's fd, if the cache holds one that is really bpfnav's.
    public func program(_ kind: IterKind, _ format: IterFormat) -> OwnedFD? {
        let name = kind.programName(format)
        guard Self.trusted(base), Self.trusted(directory),
              let pinned = try? PinnedObject(path: "\(directory)/\(name)"), pinned.kind == .program,
              (try? ProgramInfo.name(fd: pinned.fd.raw)) == name else { return nil }
        return pinned.takeFD()
    }

    /// Pins the programs of `kind`'s loaded object into the cache. Each is
    /// pinned under a temporary name and renamed into place, so a concurrent
    /// reader never finds a half-made entry.
    public func store(_ object: BPFObject, kind: IterKind) {
        guard BPFFS.isBPFFS(BPFFS.nearestExisting(base)) else { return }
        let fresh = !BPFFS.isDirectory(directory)
        do {
            try BPFFS.makeDirectory(directory, mode: 0o700)
        } catch {
            return
        }
        guard Self.trusted(base), Self.trusted(directory) else { return }
        if fresh { removeStale() }
        for format in kind.formats {
            let name = kind.programName(format)
            let tmp = "\(directory)/tmp-\(getpid())-\(name)"
            guard (try? object.pinProgram(name, at: tmp)) != nil else { continue }
            if rename(tmp, "\(directory)/\(name)") != 0 { unlink(tmp) }
        }
    }

    /// Every cache directory of bpfnav's under `base`.
    func directories() -> [String] {
        ((try? BPFFS.entries(of: base)) ?? [])
            .filter { $0.hasPrefix(Self.prefix) }
            .map { "\(base)/\($0)" }
            .filter(BPFFS.isDirectory)
    }

    /// Removes the caches of other builds.
    func removeStale() {
        for dir in directories() where dir != directory {
            _ = Self.remove(directory: dir)
        }
    }

    /// Removes every cache directory; returns the directories removed.
    @discardableResult
    public func removeAll() -> [String] {
        directories().filter { Self.remove(directory: $0) }
    }

    /// Unlinks the pins in `dir` that are bpfnav's programs (or its
    /// temporary names for them), then the directory if that left it empty.
    static func remove(directory dir: String) -> Bool {
        for name in (try? BPFFS.entries(of: dir)) ?? [] {
            guard let pinned = try? PinnedObject(path: "\(dir)/\(name)"), pinned.kind == .program,
                  let name = try? ProgramInfo.name(fd: pinned.fd.raw),
                  IterKind.recognise(programName: name) != nil else { continue }
            unlink("\(dir)/\(name)")
        }
        return rmdir(dir) == 0
    }
}

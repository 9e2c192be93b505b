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
/// bpfnav only replaces or unlinks pins it recognises as its own: iterator
/// links whose program is one of bpfnav's (by the kernel's program name).
/// Anything else in the directory is read-only to it.
public struct IterPins: Sendable {
    public static let defaultDirectory = BPFFS.defaultMount + "/bpfnav"

    public let directory: String

    public init(directory: String = IterPins.defaultDirectory) {
        var dir = directory
        while dir.count > 1, dir.hasSuffix("/") { dir.removeLast() }
        self.directory = dir
    }

    public func path(_ name: String) -> String { "\(directory)/\(name)" }

    public func inspect(_ name: String) -> PinInspection {
        let path = path(name)
        var st = stat()
        if lstat(path, &st) != 0 { return .missing }
        if (st.st_mode & S_IFMT) == S_IFDIR { return .foreign("a directory") }
        guard let pinned = try? PinnedObject(path: path) else { return .foreign("not a BPF object bpfnav can open") }
        guard pinned.kind == .link else { return .foreign("a pinned \(pinned.kind.rawValue)") }
        guard let info = try? IterLinkInfo(linkFD: pinned.fd.raw), info.isIter else {
            return .foreign("a link that is not an iterator")
        }
        guard let programFD = try? BPFObjectSpace.program.open(info.programID),
              let programName = try? ProgramInfo.name(fd: programFD.raw),
              let (kind, format) = IterKind.recognise(programName: programName) else {
            return .foreign("an iterator link of another program")
        }
        // Before 6.1 the pid/tid is the program's filter, not the link's.
        var params = info.params
        if params == .all, kind.takesTaskParams, !Features.current.supports(.taskParams),
           let knobs = Knobs.of(programID: info.programID) {
            params = knobs.filter
        }
        return .ours(OwnPin(name: name, path: path, kind: kind, format: format, params: params,
                            linkID: info.id, programID: info.programID))
    }

    /// bpfnav's pins in the directory (none if it does not exist).
    public func list() throws(BPFError) -> [OwnPin] {
        guard BPFFS.isDirectory(directory) else { return [] }
        return try BPFFS.entries(of: directory).compactMap { name in
            if case .ours(let pin) = inspect(name) { return pin }
            return nil
        }
    }

    /// Creates every pin in `specs`, or none of them.
    ///
    /// Each link is pinned under a temporary name first; only when all are
    /// pinned are they renamed into place (rename replaces atomically on
    /// bpffs, so a reader never sees a half-replaced pin). Existing pins of
    /// bpfnav's with the same names are replaced; anything else there is an
    /// error and stays untouched.
    @discardableResult
    /// `access`: who else may read the new pins (default: the owner only,
    /// 0600). It is applied to the temporary pin before it is renamed into
    /// place, so a pin is never readable by more than asked, even briefly.
    public func create(_ specs: [PinSpec], loader: IterLoader = IterLoader(),
                       access: PinAccess = PinAccess()) throws(BPFError) -> [OwnPin] {
        try validate(specs)
        // A kind this kernel lacks is refused whole, before anything is made.
        for spec in specs { try Features.current.require(spec.kind.feature) }
        try BPFFS.makeDirectory(directory, mode: 0o700)

        // Ctrl-C, SIGTERM or a hang-up in the middle would leave a partial
        // set and temporary names behind: they wait until the set is
        // complete (or rolled back), then take effect as usual.
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }

        // One bpfnav pinning into a directory at a time: a second one gets a
        // clear error instead of racing for the same names.
        let lock = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0 else { throw BPFError("open pin directory", directory, errno: errno) }
        defer { close(lock) }
        if flock(lock, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            throw BPFError("pin into", directory, errno: code, hint: code == EWOULDBLOCK
                ? "another bpfnav is pinning into this directory right now: try again when it is done" : nil)
        }

        // Every pin is made under a temporary name first; only a complete
        // set is moved into place. Each move swaps with the pin it replaces
        // (RENAME_EXCHANGE; before 5.16 a hard link and two renames, which
        // BPFFS.rename does), so that a failure part way through can swap
        // the earlier ones back: the directory ends with the whole new set
        // or the whole old one.
        var temporary: [(spec: PinSpec, path: String)] = []
        var placed: [(final: String, temporary: String, replaced: Bool)] = []
        do throws(BPFError) {
            for (index, spec) in specs.enumerated() {
                let link = try loader.attach(spec.kind, .text, params: spec.params)
                let tmp = path("bpfnav-new-\(getpid())-\(index)")
                do throws(BPFError) {
                    try link.pin(at: tmp)
                } catch {
                    // The temporary name means nothing to the user.
                    throw BPFError("pin", path(spec.name), errno: error.errno, hint: error.hint)
                }
                temporary.append((spec, tmp))
                try access.apply(to: tmp)
            }
            for entry in temporary {
                let final = path(entry.spec.name)
                var st = stat()
                let replaced = lstat(final, &st) == 0
                do throws(BPFError) {
                    try BPFFS.rename(entry.path, to: final, replaced ? .exchange : .noReplace)
                } catch {
                    throw BPFError("move the new pin into place at", final, errno: error.errno, hint: error.hint)
                }
                placed.append((final, entry.path, replaced))
            }
        } catch {
            // Undo in reverse: the replaced pins back to their names, the new
            // ones unlinked (from wherever they are now).
            for move in placed.reversed() {
                if move.replaced {
                    _ = try? BPFFS.rename(move.temporary, to: move.final, .exchange)
                } else {
                    unlink(move.final)
                }
            }
            for entry in temporary { unlink(entry.path) }
            throw error
        }
        // The replaced pins now sit under the temporary names.
        for move in placed where move.replaced { unlink(move.temporary) }
        return specs.compactMap { spec in
            if case .ours(let pin) = inspect(spec.name) { return pin }
            return nil
        }
    }

    /// What `create` checks before it changes anything: privileges, bpffs,
    /// names, parameters and, unless `existing` is false, that no foreign
    /// object sits at a name.
    public func validate(_ specs: [PinSpec], existing: Bool = true) throws(BPFError) {
        try Capabilities.requireTracing(for: "pin iterators")
        try BPFFS.requireBPFFS(for: directory)
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
        for name in names {
            try PinName.validate(name)
            switch inspect(name) {
            case .ours: continue
            case .missing:
                throw BPFError("unpin", path(name), errno: ENOENT, hint: "no such pin: 'bpfnav pins' lists bpfnav's pins")
            case .foreign(let what):
                throw BPFError("unpin", path(name), errno: EPERM,
                               hint: "\(what), not created by bpfnav: bpfnav leaves it alone")
            }
        }
        for name in names {
            try check("unpin", path(name)) { unlink(path(name)) }
        }
        return names
    }

    /// Unlinks every pin of bpfnav's in the directory, the program caches
    /// and the demo there, and the default directory itself once it is empty.
    public func removeAll() throws(BPFError) -> [String] {
        var removed = try remove(list().map(\.name))
        // The feature caches first: a directory holding one is not empty.
        removed += Features.removeCaches(under: directory).map { String($0.dropFirst(directory.count + 1)) }
        removed += ProgramCache(base: directory).removeAll().map { String($0.dropFirst(directory.count + 1)) }
        removed += removeDemo()
        if directory == Self.defaultDirectory, BPFFS.isDirectory(directory), (try? BPFFS.entries(of: directory))?.isEmpty == true {
            rmdir(directory)
        }
        return removed
    }
}

// MARK: - The demo

/// `bpfnav demo`'s pins: a directory `demo/` holding the link of its
/// tracepoint program and its maps (iters/demo.bpf.c; Explorer's `Demo`
/// creates them). They live here, beside the iterator pins, because
/// `removeAll()` must remove them too.
///
/// bpfnav recognises them as it recognises its iterators, by the kernel's
/// names: the program's and every map's start with `bpfnav_demo`. A demo
/// directory that holds anything else keeps that, and itself.
extension IterPins {
    public static let demoName = "demo"
    public static let demoObjectPrefix = "bpfnav_demo"

    public var demoDirectory: String { path(Self.demoName) }

    /// The directory a `bpfnav demo` run builds its pins in before it swaps
    /// them into place; a run killed part way may leave one behind.
    public func demoTemporary(pid: pid_t = getpid()) -> String {
        path("\(Self.demoName)-new-\(pid)")
    }

    /// Where a `bpfnav demo` run moves the old demo aside on kernels whose
    /// bpffs cannot exchange directories (before 5.16); a run killed part
    /// way may leave one behind.
    public func demoReplaced(pid: pid_t = getpid()) -> String {
        path("\(Self.demoName)-old-\(pid)")
    }

    static func isDemoTemporary(_ name: String) -> Bool {
        let parts = name.split(separator: "-")
        return parts.count == 3 && parts[0] == demoName && (parts[1] == "new" || parts[1] == "old")
            && parts[2].allSatisfy(\.isNumber)
    }

    /// Whether the object pinned at `path` is one of the demo's: a link of
    /// its program, or one of its maps.
    public static func isDemoPin(_ path: String) -> Bool {
        guard let pinned = try? PinnedObject(path: path) else { return false }
        switch pinned.kind {
        case .link:
            guard let info = try? LinkInfo(fd: pinned.fd.raw),
                  let program = try? BPFObjectSpace.program.open(info.programID),
                  let name = try? ProgramInfo.name(fd: program.raw) else { return false }
            return name.hasPrefix(demoObjectPrefix)
        case .map:
            return (try? MapInfo(fd: pinned.fd.raw))?.name.hasPrefix(demoObjectPrefix) == true
        default:
            return false
        }
    }

    /// Unlinks the demo's pins in `dir`, then `dir` if that emptied it.
    /// Returns what was removed, `dir` last.
    public static func removeDemo(in dir: String) -> [String] {
        guard BPFFS.isDirectory(dir) else { return [] }
        var removed: [String] = []
        for name in (try? BPFFS.entries(of: dir)) ?? [] where isDemoPin("\(dir)/\(name)") {
            if unlink("\(dir)/\(name)") == 0 { removed.append("\(dir)/\(name)") }
        }
        if rmdir(dir) == 0 { removed.append(dir) }
        return removed
    }

    /// Removes the demo and what an interrupted `bpfnav demo` left; returns
    /// the names removed, relative to the directory.
    public func removeDemo() -> [String] {
        guard BPFFS.isDirectory(directory) else { return [] }
        let names = ((try? BPFFS.entries(of: directory)) ?? []).filter { $0 == Self.demoName || Self.isDemoTemporary($0) }
        return names.flatMap { Self.removeDemo(in: path($0)) }.map { String($0.dropFirst(directory.count + 1)) }
    }
}

/// Read access to new pins beyond their owner (`bpfnav pin --mode/--group`).
public struct PinAccess: Sendable, Equatable {
    /// Permission bits; only read and write bits are honoured.
    public var mode: mode_t
    /// A group to own the pins, for `0640`-style sharing.
    public var group: gid_t?

    public init(mode: mode_t = 0o600, group: gid_t? = nil) {
        self.mode = mode & 0o666
        self.group = group
    }

    /// Whether others than the owner (and the group) can read.
    public var sharesBeyondOwner: Bool { mode & 0o044 != 0 }

    func apply(to path: String) throws(BPFError) {
        if let group {
            try check("set group of pin", path) { chown(path, geteuid(), group) }
        }
        try check("set mode of pin", path) { chmod(path, mode) }
    }
}

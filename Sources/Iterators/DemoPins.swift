import BPFKit
import Glibc

/// `bpfnav demo`'s pins: a directory `demo/` holding the link of its
/// tracepoint program and its maps (iters/demo.bpf.c; ObjectModel's `Demo`
/// creates them). They live here, beside the iterator pins, because
/// `removeAll()` must remove them too, and they are recorded in the same
/// manifest (role `demo`, names `demo/link`, `demo/counts`, …): a demo
/// directory that holds anything else keeps that, and itself.
extension IterPins {
    public static let demoName = "demo"
    public static let demoObjectPrefix = "bpfnav_demo"

    public var demoDirectory: String { path(Self.demoName) }

    /// The directory a `bpfnav demo` run builds its pins in before it swaps
    /// them into place; a run killed part way may leave one behind.
    public static func demoTemporary(pid: pid_t = getpid()) -> String {
        "\(demoName)-new-\(pid)"
    }

    /// Where a `bpfnav demo` run moves the old demo aside on kernels whose
    /// bpffs cannot exchange directories (before 5.16); a run killed part
    /// way may leave one behind.
    public static func demoReplaced(pid: pid_t = getpid()) -> String {
        "\(demoName)-old-\(pid)"
    }

    static func isDemoTemporary(_ name: String) -> Bool {
        let parts = name.split(separator: "-")
        return parts.count == 3 && parts[0] == demoName && (parts[1] == "new" || parts[1] == "old")
            && parts[2].allSatisfy(\.isNumber)
    }

    /// The manifest's record of the object pinned at `name` in `sub` (a
    /// demo directory or one of its temporaries), if it is the demo's.
    public static func demoRecord(_ name: String, in sub: PinDirectory, manifest: PinManifest) -> PinManifest.Record? {
        guard sub.entryKind(name) == .pin, let pinned = try? sub.object(name) else { return nil }
        guard let space = pinned.kind, space == .link || space == .map else { return nil }
        guard let id = try? ObjectIdentity.id(of: pinned.fd.raw, kind: pinned.kind),
              let record = manifest.record(space, id), record.role == .demo,
              record.name == "\(demoName)/\(name)" else { return nil }
        if space == .link, let info = try? LinkInfo(fd: pinned.fd.raw), info.programID != record.programID { return nil }
        return record
    }

    /// Unlinks the demo's pins in the subdirectory `name` of `dir`, then the
    /// subdirectory if that emptied it. Returns what was removed, relative
    /// to `dir`, the subdirectory last.
    public static func removeDemo(named name: String, in dir: PinDirectory, manifest: PinManifest) -> [String] {
        guard dir.entryKind(name) == .directory, let sub = try? dir.subdirectory(name, create: false) else { return [] }
        var removed: [String] = []
        for entry in (try? sub.names()) ?? [] {
            guard demoRecord(entry, in: sub, manifest: manifest) != nil,
                  let pinned = try? sub.object(entry),
                  let id = try? ObjectIdentity.id(of: pinned.fd.raw, kind: pinned.kind) else { continue }
            if sub.unlink(entry) {
                removed.append("\(name)/\(entry)")
                manifest.remove(pinned.kind == .link ? .link : .map, id)
            }
        }
        if dir.removeDirectory(name) { removed.append(name) }
        return removed
    }

    /// Removes what interrupted `bpfnav demo` runs left (`demo-new-PID`,
    /// `demo-old-PID`); call under the lock.
    public static func removeDemoTemporaries(in dir: PinDirectory, manifest: PinManifest) -> [String] {
        ((try? dir.names()) ?? []).filter(isDemoTemporary).flatMap { removeDemo(named: $0, in: dir, manifest: manifest) }
    }

    /// Removes the demo and what an interrupted `bpfnav demo` left; returns
    /// the names removed, relative to the directory.
    func removeDemo(in dir: PinDirectory, manifest: PinManifest) -> [String] {
        let names = ((try? dir.names()) ?? []).filter { $0 == Self.demoName || Self.isDemoTemporary($0) }
        return names.flatMap { Self.removeDemo(named: $0, in: dir, manifest: manifest) }
    }

    /// Removes the demo (under the directory's lock); returns the paths removed.
    public func removeDemo() throws(BPFError) -> [String] {
        guard let dir = try open(create: false) else { return [] }
        let lock = try dir.lock("remove demo in")
        defer { withExtendedLifetime(lock) {} }
        guard let manifest = try PinManifest.open(in: dir, create: false) else { return [] }
        return removeDemo(in: dir, manifest: manifest).map(path)
    }
}

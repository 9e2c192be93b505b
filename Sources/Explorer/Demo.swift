import BPFKit
import CLibBPF
import Glibc
import Iterators

/// `bpfnav demo`: a small object of bpfnav's own (iters/demo.bpf.c) so that
/// a fresh machine has live BPF to browse. Its program runs on every context
/// switch and counts into BTF-typed maps; the link and the maps are pinned in
/// `<pin dir>/demo/`, so the program keeps running after bpfnav exits, until
/// `bpfnav unpin --all` removes the directory.
public struct Demo: Sendable {
    /// The object's file stem in iters/, and the name it is opened with.
    public static let objectStem = "demo"
    public static let objectName = "bpfnav_demo"
    public static let programName = "bpfnav_demo_sw"
    /// A raw tracepoint: attaching needs its name only, no tracefs.
    public static let tracepoint = "sched_switch"
    public static let linkPin = "link"

    /// The maps, by pin name, in the order they are pinned and printed.
    public static let maps: [(pin: String, map: String, about: String)] = [
        ("counts", "bpfnav_demo_cnt", "context switches by comm"),
        ("events", "bpfnav_demo_log", "the last 64 switches, a ring"),
        ("cpus", "bpfnav_demo_cpu", "switches, preemptions and idle entries per CPU"),
        ("totals", "bpfnav_demo_tot", "totals since it was attached"),
    ]

    /// One pin of the demo, as found in bpffs.
    public struct Pin: Equatable, Sendable {
        public var name: String
        public var path: String
        public var kind: BPFObjectKind
        public var id: UInt32
        /// The map's kernel name, or the link's program name.
        public var objectName: String
        /// Link type or map type, bpftool's name.
        public var typeName: String
        /// The link's program id and tracepoint; 0 and "" for maps.
        public var programID: UInt32 = 0
        public var tracepoint: String = ""
        /// What a map holds.
        public var about: String = ""
    }

    public let pins: IterPins

    public init(directory: String = IterPins.defaultDirectory) {
        pins = IterPins(directory: directory)
    }

    /// `<pin dir>/demo`.
    public var directory: String { pins.demoDirectory }

    /// Loads the object, attaches its program and pins the link and the maps
    /// in `directory`, replacing an earlier demo there.
    ///
    /// The pins are made in a temporary directory beside it, which then
    /// takes the place of the old one in one `renameat2(RENAME_EXCHANGE)`:
    /// a reader sees the old demo or the new one, never a mix or none
    /// (before 5.16, briefly none: see `swapIntoPlace`). The old link is
    /// unpinned afterwards, which detaches the old program.
    @discardableResult
    public func install() throws(BPFError) -> [Pin] {
        try Capabilities.requireTracing(for: "load the demo")
        try BPFFS.requireBPFFS(for: pins.directory)
        try checkReplaceable()

        let object = try BPFObject(elf: Catalog.object(named: Self.objectStem), name: Self.objectName)
        try object.load()
        let programFD = try object.programFD(Self.programName)
        try BPFFS.makeDirectory(pins.directory, mode: 0o700)

        // As in IterPins.create: a signal waits until the demo is complete
        // (or rolled back) instead of leaving a temporary directory.
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }

        let fresh = pins.demoTemporary()
        _ = IterPins.removeDemo(in: fresh)
        do throws(BPFError) {
            try check("create directory", fresh, hint: Self.pinHint) { mkdir(fresh, 0o700) }
            try check("set mode of", fresh) { chmod(fresh, 0o700) }
            for map in Self.maps {
                let fd = try object.mapFD(map.map)
                try pin(fd, at: "\(fresh)/\(map.pin)", what: "map \(map.map)")
            }
            let link = try check("attach \(Self.programName) to raw tracepoint", Self.tracepoint, hint: { code in
                code == EPERM ? "attaching tracing programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)" : nil
            }) { bpf_raw_tracepoint_open(Self.tracepoint, programFD) }
            let linkFD = OwnedFD(adopting: link)
            try pin(linkFD.raw, at: "\(fresh)/\(Self.linkPin)", what: "link")
            try swapIntoPlace(fresh)
        } catch {
            _ = IterPins.removeDemo(in: fresh)
            rmdir(fresh)
            throw error
        }
        return installed() ?? []
    }

    /// Removes the demo's pins and directory; returns the paths removed.
    public func remove() -> [String] {
        pins.removeDemo().map(pins.path)
    }

    /// The demo's pins as they are now; nil when there is no demo directory.
    public func installed() -> [Pin]? {
        guard BPFFS.isDirectory(directory) else { return nil }
        let order = [Self.linkPin] + Self.maps.map(\.pin)
        let names = ((try? BPFFS.entries(of: directory)) ?? []).sorted { a, b in
            (order.firstIndex(of: a) ?? order.count, a) < (order.firstIndex(of: b) ?? order.count, b)
        }
        return names.compactMap { name in describe(name) }
    }

    private func describe(_ name: String) -> Pin? {
        let path = "\(directory)/\(name)"
        guard let pinned = try? PinnedObject(path: path) else { return nil }
        let about = Self.maps.first { $0.pin == name }?.about ?? ""
        switch pinned.kind {
        case .link:
            guard let info = try? LinkInfo(fd: pinned.fd.raw) else { return nil }
            let program = (try? ProgramInfo(id: info.programID))?.name ?? ""
            var tracepoint = ""
            if case .rawTracepoint(let name) = info.details { tracepoint = name }
            return Pin(name: name, path: path, kind: .link, id: info.id, objectName: program,
                       typeName: info.typeName, programID: info.programID, tracepoint: tracepoint)
        case .map:
            guard let info = try? MapInfo(fd: pinned.fd.raw) else { return nil }
            return Pin(name: name, path: path, kind: .map, id: info.id, objectName: info.name,
                       typeName: info.typeName, about: about)
        default:
            return nil
        }
    }

    /// An existing `demo` must be a directory of the demo's pins only:
    /// bpfnav does not replace what it did not create.
    private func checkReplaceable() throws(BPFError) {
        var st = stat()
        guard lstat(directory, &st) == 0 else { return }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw BPFError("pin demo at", directory, errno: EEXIST,
                           hint: "something bpfnav's demo did not create is there: remove it yourself, or use another --dir")
        }
        for name in try BPFFS.entries(of: directory) where !IterPins.isDemoPin("\(directory)/\(name)") {
            throw BPFError("replace demo at", directory, errno: EEXIST,
                           hint: "\(name) in it was not pinned by bpfnav's demo: remove it yourself, or use another --dir")
        }
    }

    private func pin(_ fd: Int32, at path: String, what: String) throws(BPFError) {
        try BPFFS.pin(fd, at: path, what: what)
        try check("set mode of", path) { chmod(path, 0o600) }
    }

    private static func pinHint(_ code: Int32) -> String? {
        switch code {
        case EPERM, EACCES: "pinning needs write access to the directory (and CAP_BPF or root)"
        default: nil
        }
    }

    /// Puts the directory `fresh` at `directory`: exchanged with an existing
    /// demo (whose pins are then removed), or renamed when there is none.
    private func swapIntoPlace(_ fresh: String) throws(BPFError) {
        // Two runs at once: the other may create `demo` between the tries.
        for _ in 0..<2 {
            do throws(BPFError) {
                if BPFFS.isDirectory(directory) {
                    do throws(BPFError) {
                        try BPFFS.rename(fresh, to: directory, .exchange)
                        _ = IterPins.removeDemo(in: fresh)
                    } catch where error.errno == EINVAL {
                        try replaceByRenames(fresh)
                    }
                } else {
                    try BPFFS.rename(fresh, to: directory, .noReplace)
                }
                return
            } catch where error.errno == ENOENT || error.errno == EEXIST {
                continue
            }
        }
        throw BPFError("replace demo at", directory, errno: EBUSY, hint: "another bpfnav demo is replacing it: try again")
    }

    /// Before 5.16 bpffs cannot exchange (EINVAL), and a directory cannot
    /// replace one that is not empty: the old demo moves aside to
    /// `demo-old-PID` first, then `fresh` takes its name. A reader sees the
    /// old demo, briefly none, then the new one: still never a mix. A run
    /// killed in between leaves `demo-old-PID`, which `unpin --all` removes.
    private func replaceByRenames(_ fresh: String) throws(BPFError) {
        let old = pins.demoReplaced()
        try BPFFS.rename(directory, to: old, .noReplace)
        do throws(BPFError) {
            try BPFFS.rename(fresh, to: directory, .noReplace)
        } catch {
            _ = try? BPFFS.rename(old, to: directory, .noReplace)
            throw error
        }
        _ = IterPins.removeDemo(in: old)
    }
}

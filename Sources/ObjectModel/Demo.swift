import BPFKit
import Glibc
import Iterators
import Netlink

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
    /// The network namespace of its network part; nil leaves that part out.
    public let network: DemoNetwork?

    public init(directory: String = IterPins.defaultDirectory, network: DemoNetwork? = .fromEnvironment()) {
        pins = IterPins(directory: directory)
        self.network = network
    }

    public init(pins: IterPins, network: DemoNetwork? = .fromEnvironment()) {
        self.pins = pins
        self.network = network
    }

    /// What `install` did: the pins, and what became of the network part.
    public struct Installed: Sendable {
        public var pins: [Pin]
        public var network: NetworkOutcome
    }

    /// `<pin dir>/demo`.
    public var directory: String { pins.demoDirectory }
    static let directoryName = IterPins.demoName

    /// Loads the object, attaches its program and pins the link and the maps
    /// in `directory`, replacing an earlier demo there.
    ///
    /// The pins are made in a temporary directory beside it, which then
    /// takes the place of the old one in one `renameat2(RENAME_EXCHANGE)`:
    /// a reader sees the old demo or the new one, never a mix or none
    /// (before 5.16, briefly none: see `swapIntoPlace`). The old link is
    /// unpinned afterwards, which detaches the old program.
    ///
    /// The network part (see DemoNetworkPart.swift) replaces an earlier
    /// demo's namespace (only one this directory's manifest records), and
    /// its XDP link and packet counts are pinned with the rest; where the
    /// machine cannot have it, the rest is made and the outcome says why.
    @discardableResult
    public func install() throws(BPFError) -> Installed {
        try Capabilities.requireTracing(for: "load the demo")
        try BPFFS.requireBPFFS(for: pins.requested)
        guard let dir = try pins.open(create: true) else { return Installed(pins: [], network: .skipped("no pin directory")) }
        let skip = networkSkipReason()
        try checkReplaceable(dir, manifest: PinManifest.open(in: dir, create: false))
        if skip == nil, let network { try checkNetworkReplaceable(network, PinManifest.open(in: dir, create: false)) }

        let object = try BPFObject(elf: Catalog.object(named: Self.objectStem), name: Self.objectName)
        try object.load()
        let programFD = try object.programFD(Self.programName)

        // As in IterPins.create: a signal waits until the demo is complete
        // (or rolled back) instead of leaving a temporary directory; the
        // directory's lock keeps other bpfnavs' pins and unpins out.
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&blocked, signal) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let lock = try dir.lock("install demo in")
        defer { withExtendedLifetime(lock) {} }
        guard let manifest = try PinManifest.open(in: dir, create: true) else { return Installed(pins: [], network: .skipped("no pin directory")) }
        // What killed runs left, and a check again under the lock.
        _ = IterPins.removeDemoTemporaries(in: dir, manifest: manifest)
        try checkReplaceable(dir, manifest: manifest)

        // The network part first: its namespace's name is global, so the
        // old one (ours, checked again under the lock) goes before the new
        // one is made.
        var outcome = NetworkOutcome.skipped(skip ?? "")
        var part: NetworkPart?
        if skip == nil, let network {
            try checkNetworkReplaceable(network, manifest)
            _ = removeNetwork(manifest)
            switch try makeNetwork(network, manifest) {
            case .success(let made):
                part = made
                outcome = .made(namespace: network.name, tcProgramID: made.tcProgramID)
            case .failure(let skipped):
                outcome = .skipped(skipped.reason)
            }
        }

        let fresh = IterPins.demoTemporary()
        var recorded: [(BPFObjectKind, UInt32)] = []
        do throws(BPFError) {
            guard let sub = try dir.subdirectory(fresh, create: true) else {
                throw BPFError("create directory", dir.display(fresh), errno: ENOENT)
            }
            for map in Self.maps {
                let fd = try object.mapFD(map.map)
                let id = try ObjectIdentity.id(of: fd, kind: .map)
                try manifest.set(.map, id, PinManifest.Record(role: .demo, name: "\(Self.directoryName)/\(map.pin)"))
                recorded.append((.map, id))
                try pin(fd, at: map.pin, in: sub, what: "map \(map.map)")
            }
            let linkFD = try object.attachRawTracepoint(Self.programName, to: Self.tracepoint)
            let linkID = try ObjectIdentity.id(of: linkFD.raw, kind: .link)
            var record = PinManifest.Record(role: .demo, name: "\(Self.directoryName)/\(Self.linkPin)")
            record.programID = try ObjectIdentity.id(of: programFD, kind: .program)
            try manifest.set(.link, linkID, record)
            recorded.append((.link, linkID))
            try pin(linkFD.raw, at: Self.linkPin, in: sub, what: "link")
            if let part {
                let mapFD = try part.object.mapFD(Self.packetsMap)
                let mapID = try ObjectIdentity.id(of: mapFD, kind: .map)
                try manifest.set(.map, mapID, PinManifest.Record(role: .demo, name: "\(Self.directoryName)/\(Self.packetsPin)"))
                recorded.append((.map, mapID))
                try pin(mapFD, at: Self.packetsPin, in: sub, what: "map \(Self.packetsMap)")
                let xdpID = try ObjectIdentity.id(of: part.made.xdpLink, kind: .link)
                var xdpRecord = PinManifest.Record(role: .demo, name: "\(Self.directoryName)/\(Self.xdpLinkPin)")
                xdpRecord.programID = try ObjectIdentity.id(of: part.object.programFD(Self.xdpProgram), kind: .program)
                try manifest.set(.link, xdpID, xdpRecord)
                recorded.append((.link, xdpID))
                try pin(part.made.xdpLink, at: Self.xdpLinkPin, in: sub, what: "XDP link")
            }
            try swapIntoPlace(fresh, in: dir, manifest: manifest)
        } catch {
            _ = IterPins.removeDemo(named: fresh, in: dir, manifest: manifest)
            dir.removeDirectory(fresh)
            for (space, id) in recorded { manifest.remove(space, id) }
            if let part, let network { undoNetwork(network, part, manifest) }
            throw error
        }
        return Installed(pins: installed() ?? [], network: outcome)
    }

    /// `unpin --all`: bpfnav's pins, caches and demo in the directory, and
    /// the demo's network namespace if the directory's manifest records it.
    public func removeAll() throws(BPFError) -> [String] {
        try pins.removeAll(also: removeNetwork)
    }

    /// Removes the demo's pins and directory; returns the paths removed.
    public func remove() throws(BPFError) -> [String] {
        try pins.removeDemo()
    }

    /// The demo's pins as they are now; nil when there is no demo directory.
    public func installed() -> [Pin]? {
        guard let dir = try? pins.open(create: false),
              let sub = try? dir.subdirectory(Self.directoryName, create: false) else { return nil }
        let order = [Self.linkPin, Self.xdpLinkPin] + Self.maps.map(\.pin) + [Self.packetsPin]
        let names = ((try? sub.names()) ?? []).sorted { a, b in
            (order.firstIndex(of: a) ?? order.count, a) < (order.firstIndex(of: b) ?? order.count, b)
        }
        return names.compactMap { name in describe(name, in: sub) }
    }

    private func describe(_ name: String, in sub: PinDirectory) -> Pin? {
        let path = "\(directory)/\(name)"
        guard let pinned = try? sub.object(name) else { return nil }
        let about = Self.maps.first { $0.pin == name }?.about ?? (name == Self.packetsPin ? Self.packetsAbout : "")
        switch pinned.kind {
        case .link:
            guard let info = try? LinkInfo(fd: pinned.fd.raw) else { return nil }
            let program = (try? ProgramInfo(id: info.programID))?.name ?? ""
            var tracepoint = "", about = ""
            if case .rawTracepoint(let name, _) = info.details { tracepoint = name }
            if case .xdp(let ifindex) = info.details {
                about = ifindex == 0 ? "detached (its device is gone)"
                    : "\(DemoNetwork.xdpDevice) (ifindex \(ifindex)) in network namespace \(network?.name ?? "?")"
            }
            return Pin(name: name, path: path, kind: .link, id: info.id, objectName: program,
                       typeName: info.typeName, programID: info.programID, tracepoint: tracepoint, about: about)
        case .map:
            guard let info = try? MapInfo(fd: pinned.fd.raw) else { return nil }
            return Pin(name: name, path: path, kind: .map, id: info.id, objectName: info.name,
                       typeName: info.typeName, about: about)
        default:
            return nil
        }
    }

    /// An existing `demo` must be a directory of the demo's pins only
    /// (recorded in the manifest): bpfnav does not replace what it did not
    /// create, and never follows a symlink there.
    private func checkReplaceable(_ dir: PinDirectory, manifest: PinManifest?) throws(BPFError) {
        switch dir.entryKind(Self.directoryName) {
        case .missing:
            return
        case .directory:
            break
        default:
            throw BPFError("pin demo at", directory, errno: EEXIST,
                           hint: "something bpfnav's demo did not create is there: remove it yourself, or use another --dir")
        }
        guard let sub = try dir.subdirectory(Self.directoryName, create: false) else { return }
        for name in try sub.names() {
            guard let manifest, IterPins.demoRecord(name, in: sub, manifest: manifest) != nil else {
                throw BPFError("replace demo at", directory, errno: EEXIST,
                               hint: "\(name) in it was not pinned by bpfnav's demo: remove it yourself, or use another --dir")
            }
        }
    }

    private func pin(_ fd: Int32, at name: String, in sub: PinDirectory, what: String) throws(BPFError) {
        try sub.pin(fd, at: name, what: what)
        try sub.setAccess(name, mode: 0o600, group: nil)
    }

    /// Puts the directory `fresh` at `demo`: exchanged with an existing
    /// demo (whose pins are then removed), or renamed when there is none.
    private func swapIntoPlace(_ fresh: String, in dir: PinDirectory, manifest: PinManifest) throws(BPFError) {
        // Under the lock no other bpfnav changes `demo`; the retry covers
        // one that does not take it.
        for _ in 0..<2 {
            do throws(BPFError) {
                if dir.entryKind(Self.directoryName) == .directory {
                    do throws(BPFError) {
                        try dir.rename(fresh, to: Self.directoryName, .exchange)
                        _ = IterPins.removeDemo(named: fresh, in: dir, manifest: manifest)
                    } catch where error.errno == EINVAL {
                        try replaceByRenames(fresh, in: dir, manifest: manifest)
                    }
                } else {
                    try dir.rename(fresh, to: Self.directoryName, .noReplace)
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
    /// killed in between leaves `demo-old-PID`, which the next demo,
    /// `pin`, `unpin` or `unpin --all` removes.
    private func replaceByRenames(_ fresh: String, in dir: PinDirectory, manifest: PinManifest) throws(BPFError) {
        let old = IterPins.demoReplaced()
        try dir.rename(Self.directoryName, to: old, .noReplace)
        do throws(BPFError) {
            try dir.rename(fresh, to: Self.directoryName, .noReplace)
        } catch {
            _ = try? dir.rename(old, to: Self.directoryName, .noReplace)
            throw error
        }
        _ = IterPins.removeDemo(named: old, in: dir, manifest: manifest)
    }
}

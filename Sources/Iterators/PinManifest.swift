import BPFKit
import Glibc

/// bpfnav's record of what it pinned in one directory: the proof of
/// ownership `pins`, `unpin` and the caches go by, and the journal that
/// makes replacing a pin set crash-safe.
///
/// A program's name proves nothing (anyone can load a program called
/// `bpfnav_task_txt`); the ids of the objects bpfnav itself pinned do. The
/// record is a BPF hash map (bpffs holds nothing else) pinned as
/// `bpfnav-manifest` in the directory, mode 0600, in a directory that
/// `PinDirectory` verified nobody else can write. It also marks the directory
/// as bpfnav's. Reading it needs no CAP_SYS_ADMIN (no object is opened by
/// id), so bpfnav recognises its pins with CAP_BPF and CAP_PERFMON alone.
///
/// Keys are `space << 32 | id` (1 program, 2 map, 3 link, 5 network
/// namespace by its inode: the demo's); key 0 is the journal. Values are 256
/// bytes: role, state, program id (links) or pid (journal), kind, format,
/// parameters (or a namespace's cookie), the entry's name relative to the
/// directory (`netns/NAME` for a namespace) and, while pending, its
/// temporary name.
public final class PinManifest {
    public static let pinName = "bpfnav-manifest"
    public static let mapName = "bpfnav_manifest"
    static let valueSize = 256
    static let nameSize = 116
    static let capacity: UInt32 = 4096

    public enum Role: UInt32, Sendable {
        case iterator = 1
        case cachedProgram = 2
        case featureCache = 3
        case demo = 4
    }

    public enum State: UInt32, Sendable {
        case live = 0
        /// Pinned under `temporary`, not yet moved into place.
        case pending = 1
    }

    /// The journal of a `pin` in progress.
    public enum Journal: UInt32, Sendable {
        case idle = 0
        /// Temporaries are being made: a crash rolls back (unlinks them).
        case preparing = 1
        /// The whole new set is pinned: a crash rolls forward (moves the
        /// rest into place).
        case prepared = 2
    }

    public struct Record: Equatable, Sendable {
        public var role: Role
        public var state: State = .live
        public var programID: UInt32 = 0
        public var kind: IterKind?
        public var format: IterFormat?
        public var params: IterParams = .all
        /// A network namespace's cookie (SO_NETNS_COOKIE; 0 where the kernel
        /// has none), in place of `params`.
        public var cookie: UInt64 = 0
        /// Relative to the directory: `tasks`, `progs-HASH/bpfnav_task_txt`, `demo/counts`.
        public var name: String
        public var temporary: String = ""

        public init(role: Role, name: String) {
            self.role = role
            self.name = name
        }
    }

    /// A key's space number, on disk in every manifest: never renumber.
    /// (bpfnav records no BTF object; 4 only keeps the mapping total.)
    static func spaceNumber(_ kind: BPFObjectKind) -> UInt64 {
        switch kind {
        case .program: 1
        case .map: 2
        case .link: 3
        case .btf: 4
        }
    }

    /// The kind a key's space number stands for; nil for 0 (the journal).
    static func kind(spaceNumber: UInt64) -> BPFObjectKind? {
        BPFObjectKind.allCases.first { Self.spaceNumber($0) == spaceNumber }
    }

    public static func key(_ kind: BPFObjectKind, _ id: UInt32) -> UInt64 { spaceNumber(kind) << 32 | UInt64(id) }

    public let fd: OwnedFD
    let directory: PinDirectory

    init(fd: consuming OwnedFD, directory: PinDirectory) {
        self.fd = fd
        self.directory = directory
    }

    /// The directory's manifest; nil when it has none and `create` is
    /// false. One that is not bpfnav's (another map under the name) is an
    /// error: bpfnav does not write into a directory it cannot account for.
    public static func open(in directory: PinDirectory, create: Bool) throws(BPFError) -> PinManifest? {
        switch directory.entryKind(pinName) {
        case .missing:
            guard create else { return nil }
            return try make(in: directory)
        case .pin:
            let pinned = try directory.object(pinName)
            guard pinned.kind == .map, let info = try? MapInfo(fd: pinned.fd.raw, withFDInfo: false), isOurs(info) else {
                throw BPFError("use", directory.display(pinName), errno: EEXIST,
                               hint: "it is not bpfnav's manifest: bpfnav will not change pins in this directory; remove it yourself or use another --dir")
            }
            return PinManifest(fd: pinned.takeFD(), directory: directory)
        default:
            throw BPFError("use", directory.display(pinName), errno: EEXIST,
                           hint: "it is not bpfnav's manifest (a symlink or directory): remove it yourself or use another --dir")
        }
    }

    /// Whether a map with this info is a manifest of bpfnav's.
    public static func isOurs(_ info: MapInfo) -> Bool {
        info.type == MapType.hash.rawValue && info.name == mapName && info.keySize == 8
            && info.valueSize == UInt32(valueSize)
    }

    private static func make(in directory: PinDirectory) throws(BPFError) -> PinManifest {
        let fd = try BPFMap(type: .hash, name: mapName, keySize: 8, valueSize: UInt32(valueSize), maxEntries: capacity,
                            flags: .noPrealloc).takeFD()
        // Pinned under a temporary name, then renamed: a second bpfnav
        // making one at the same time finds either none or a whole one.
        let temporary = "bpfnav-manifest-new-\(getpid())"
        try directory.pin(fd.raw, at: temporary, what: "manifest", injectable: false)
        do throws(BPFError) {
            try directory.setAccess(temporary, mode: 0o600, group: nil, subject: directory.display(pinName))
            let moved = directory.renameQuietly(temporary, to: pinName, .noReplace)
            if moved < 0 { throw BPFError("pin manifest at", directory.display(pinName), errno: -moved) }
        } catch {
            directory.unlink(temporary)
            if error.errno == EEXIST, let existing = try open(in: directory, create: false) { return existing }
            throw error
        }
        return PinManifest(fd: fd, directory: directory)
    }

    // MARK: - Records

    public func record(_ space: BPFObjectKind, _ id: UInt32) -> Record? {
        guard let bytes = try? elements.lookup(Self.key(space, id), size: Self.valueSize) else { return nil }
        return Self.decode(bytes)
    }

    public func set(_ space: BPFObjectKind, _ id: UInt32, _ record: Record) throws(BPFError) {
        try write(Self.key(space, id), Self.encode(record))
    }

    public func remove(_ space: BPFObjectKind, _ id: UInt32) {
        try? elements.delete(Self.key(space, id))
    }

    // MARK: - Network namespaces

    /// The space of network namespace records: not an object kind, and
    /// skipped by `all()` (and so by `recover`'s sweep of objects gone).
    static let netNamespaceSpace: UInt64 = 5

    /// Records the network namespace whose nsfs inode is `inode` (an inode
    /// of a namespace fits in 32 bits: proc_inum).
    static func netNamespaceKey(_ inode: UInt64) -> UInt64 { netNamespaceSpace << 32 | (inode & 0xFFFF_FFFF) }

    public func setNetNamespace(inode: UInt64, _ record: Record) throws(BPFError) {
        try write(Self.netNamespaceKey(inode), Self.encode(record))
    }

    public func netNamespace(inode: UInt64) -> Record? {
        guard let bytes = try? elements.lookup(Self.netNamespaceKey(inode), size: Self.valueSize) else { return nil }
        return Self.decode(bytes)
    }

    public func removeNetNamespace(inode: UInt64) {
        try? elements.delete(Self.netNamespaceKey(inode))
    }

    /// Every network namespace record, with the inode it is keyed by.
    public func netNamespaces() -> [(inode: UInt64, record: Record)] {
        records().compactMap { $0.key >> 32 == Self.netNamespaceSpace ? ($0.key & 0xFFFF_FFFF, $0.record) : nil }
    }

    /// Every record, by key.
    public func all() -> [(space: BPFObjectKind, id: UInt32, record: Record)] {
        records().compactMap { entry in
            Self.kind(spaceNumber: entry.key >> 32).map { ($0, UInt32(truncatingIfNeeded: entry.key), entry.record) }
        }
    }

    /// Every record but the journal, with its key.
    private func records() -> [(key: UInt64, record: Record)] {
        var result: [(UInt64, Record)] = []
        var key: UInt64?
        while let next = try? elements.nextKey(after: key) {
            key = next
            guard next != 0, let bytes = try? elements.lookup(next, size: Self.valueSize),
                  let record = Self.decode(bytes) else { continue }
            result.append((next, record))
        }
        return result
    }

    public var journal: (state: Journal, pid: pid_t) {
        guard let bytes = try? elements.lookup(UInt64(0), size: Self.valueSize) else { return (.idle, 0) }
        return (Journal(rawValue: Self.u32(bytes, 4)) ?? .idle, pid_t(bitPattern: Self.u32(bytes, 8)))
    }

    public func setJournal(_ state: Journal) throws(BPFError) {
        var bytes = [UInt8](repeating: 0, count: Self.valueSize)
        Self.put(&bytes, 4, state.rawValue)
        Self.put(&bytes, 8, UInt32(bitPattern: getpid()))
        try write(0, bytes)
    }

    private var elements: MapElements { MapElements(fd: fd.raw) }

    /// Sets one record, failing as "record in DIR/bpfnav-manifest: cause".
    private func write(_ key: UInt64, _ bytes: [UInt8]) throws(BPFError) {
        do throws(Errno) {
            try elements.update(key, bytes: bytes)
        } catch {
            throw BPFError("record in", directory.display(Self.pinName), errno: error)
        }
    }

    // MARK: - Proof

    /// The record of the object at `name`, if it is the one bpfnav pinned
    /// there: same id, same name and, for a link, the same program.
    public func proves(_ name: String, space: BPFObjectKind, id: UInt32, programID: UInt32 = 0) -> Record? {
        guard let record = record(space, id), record.name == name || record.temporary == name else { return nil }
        if space == .link, record.programID != programID { return nil }
        return record
    }

    // MARK: - Encoding

    static func encode(_ record: Record) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: valueSize)
        put(&bytes, 0, record.role.rawValue)
        put(&bytes, 4, record.state.rawValue)
        put(&bytes, 8, record.programID)
        bytes[12] = record.kind.map { UInt8(IterKind.allCases.firstIndex(of: $0)! + 1) } ?? 0
        bytes[13] = record.format.map { UInt8(IterFormat.allCases.firstIndex(of: $0)! + 1) } ?? 0
        switch record.params {
        case _ where record.cookie != 0:
            bytes[14] = 3
            put(&bytes, 16, UInt32(truncatingIfNeeded: record.cookie))
            put(&bytes, 20, UInt32(truncatingIfNeeded: record.cookie >> 32))
        case .all, .mapFD: bytes[14] = 0
        case .pid(let pid): bytes[14] = 1; put(&bytes, 16, pid)
        case .tid(let tid): bytes[14] = 2; put(&bytes, 16, tid)
        }
        putName(&bytes, 24, record.name)
        putName(&bytes, 24 + nameSize, record.temporary)
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> Record? {
        guard bytes.count == valueSize, let role = Role(rawValue: u32(bytes, 0)),
              let state = State(rawValue: u32(bytes, 4)) else { return nil }
        var record = Record(role: role, name: name(bytes, 24))
        record.state = state
        record.programID = u32(bytes, 8)
        if bytes[12] > 0, Int(bytes[12]) <= IterKind.allCases.count { record.kind = IterKind.allCases[Int(bytes[12]) - 1] }
        if bytes[13] > 0, Int(bytes[13]) <= IterFormat.allCases.count { record.format = IterFormat.allCases[Int(bytes[13]) - 1] }
        switch bytes[14] {
        case 1: record.params = .pid(u32(bytes, 16))
        case 2: record.params = .tid(u32(bytes, 16))
        case 3: record.cookie = UInt64(u32(bytes, 16)) | UInt64(u32(bytes, 20)) << 32
        default: record.params = .all
        }
        record.temporary = name(bytes, 24 + nameSize)
        return record
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    static func put(_ bytes: inout [UInt8], _ offset: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }

    static func putName(_ bytes: inout [UInt8], _ offset: Int, _ text: String) {
        for (i, byte) in text.utf8.prefix(nameSize - 1).enumerated() { bytes[offset + i] = byte }
    }

    static func name(_ bytes: [UInt8], _ offset: Int) -> String {
        String(decoding: bytes[offset..<offset + nameSize].prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Whether `name` fits a record (pin names are checked against it).
    public static func fits(_ name: String) -> Bool { name.utf8.count < nameSize }
}

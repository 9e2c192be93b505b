import BPFKit
import Glibc
import Iterators
import Platform

/// Walks bpffs trees and classifies every entry.
public enum PinWalk {
    /// Mount points of the bpffs instances this process can see.
    public static func bpffsMounts() -> [[UInt8]] {
        Mountinfo.mounts(ofType: "bpf", mountinfo: FileBytes.readWhole("/proc/self/mountinfo") ?? [])
    }

    /// Every entry of every mounted bpffs: each mount's root, then its tree
    /// depth first, names in byte order. A bpffs mounted below another is
    /// walked as its own mount, once; other file systems mounted inside a
    /// bpffs are left out. The same pin seen through two mounts of one
    /// bpffs is listed under both paths: both work.
    public static func walkAll() -> [PinEntry] {
        var entries: [PinEntry] = []
        let owners = Ownership()
        for mount in bpffsMounts() {
            var st = stat()
            guard FileBytes.lstat(mount, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
            var root = PinEntry(path: mount, kind: .directory)
            root.id = 0
            entries.append(root)
            var visited: Set<[UInt64]> = [[UInt64(st.st_dev), UInt64(st.st_ino)]]
            walk(directory: mount, device: st.st_dev, followMounts: false, visited: &visited, into: &entries,
                 owners: owners)
        }
        return entries
    }

    /// The entries at and below `path`, which must be on a bpffs. A path
    /// that does not exist on a bpffs has no entries. bpffs mounted below
    /// `path` are walked too.
    public static func walk(_ path: String) throws(BPFError) -> [PinEntry] {
        var trimmed = Array(path.utf8)
        while trimmed.count > 1, trimmed.last == 0x2f { trimmed.removeLast() }
        var st = stat()
        if FileBytes.lstat(trimmed, &st) != 0 {
            let code = errno
            // Nothing pinned yet in a directory bpfnav would create: empty.
            if code == ENOENT {
                if path == BPFFS.defaultMount || path.hasPrefix(BPFFS.defaultMount + "/") {
                    try BPFFS.requireBPFFS(for: path) // "mount -t bpf …" when none is there
                }
                guard BPFFS.isBPFFS(BPFFS.nearestExisting(path)) else {
                    throw BPFError("walk", path, errno: ENOENT,
                                   hint: "no such file or directory: give a bpffs directory or pin (bpfnav pins with no PATH walks every mounted bpffs)")
                }
                return []
            }
            throw BPFError("walk", path, errno: code)
        }
        guard BPFFS.isBPFFS(path) else {
            throw BPFError("walk", path, errno: ENODEV,
                           hint: "not on a bpffs: pins live on bpf file systems (bpfnav pins without PATH walks every one)")
        }
        if (st.st_mode & S_IFMT) != S_IFDIR {
            return [classify(path: trimmed, stat: st, owners: Ownership())]
        }
        var entries = [PinEntry(path: trimmed, kind: .directory)]
        var visited: Set<[UInt64]> = [[UInt64(st.st_dev), UInt64(st.st_ino)]]
        walk(directory: trimmed, device: st.st_dev, followMounts: true, visited: &visited, into: &entries,
             owners: Ownership())
        return entries
    }

    /// `visited` holds the directories (device, inode) already walked: a
    /// bind mount of a directory inside itself is not walked round and round.
    static func walk(directory: [UInt8], device: dev_t, followMounts: Bool, visited: inout Set<[UInt64]>,
                     into entries: inout [PinEntry], owners: Ownership) {
        let (listed, code) = FileBytes.directoryNames(directory)
        guard let names = listed else {
            // The directory's own entry (just appended) says why.
            if let last = entries.indices.last, entries[last].path == directory { entries[last].errno = code }
            return
        }
        let base = directory == [0x2f] ? [] : directory
        for name in names {
            let path = base + [0x2f] + name
            var st = stat()
            guard FileBytes.lstat(path, &st) == 0 else {
                var entry = PinEntry(path: path, kind: .unreadable)
                entry.errno = errno
                entries.append(entry)
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                entries.append(PinEntry(path: path, kind: .directory))
                guard visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { continue }
                if st.st_dev != device {
                    // Another mount: a bpffs below PATH is walked here; in
                    // walkAll every bpffs is walked as its own mount.
                    guard followMounts, BPFFS.isBPFFS(path) else {
                        entries.removeLast()
                        continue
                    }
                    walk(directory: path, device: st.st_dev, followMounts: true, visited: &visited, into: &entries,
                         owners: owners)
                    continue
                }
                walk(directory: path, device: device, followMounts: followMounts, visited: &visited, into: &entries,
                     owners: owners)
                continue
            }
            entries.append(classify(path: path, stat: st, owners: owners))
        }
    }

    /// Opens a non-directory entry and says what it is.
    static func classify(path: [UInt8], stat st: stat, owners: Ownership) -> PinEntry {
        switch st.st_mode & S_IFMT {
        case S_IFLNK:
            var entry = PinEntry(path: path, kind: .symlink)
            entry.symlinkTarget = FileBytes.readLink(path)
            return entry
        case S_IFREG:
            break
        default:
            return PinEntry(path: path, kind: .other)
        }
        let fd: OwnedFD
        do throws(Errno) {
            fd = try BPFFS.objectFD(at: path)
        } catch {
            var entry = PinEntry(path: path, kind: .unreadable)
            entry.errno = error.rawValue
            return entry
        }
        var entry: PinEntry
        do throws(BPFError) {
            switch BPFObjectKind(fd: fd.raw) {
            case .program:
                let info = try ProgramInfo(fd: fd.raw)
                entry = PinEntry(path: path, kind: .program)
                entry.id = info.id
                entry.program = info
                if let record = owners.record(path, .program, info.id), record.role == .cachedProgram,
                   let kind = record.kind, let format = record.format {
                    entry.owner = .programCache(kind: kind, format: format)
                }
            case .map:
                // A walk needs ids, names and types: no fdinfo per pin.
                let info = try MapInfo(fd: fd.raw, withFDInfo: false)
                entry = PinEntry(path: path, kind: .map)
                entry.id = info.id
                entry.map = info
                switch owners.record(path, .map, info.id)?.role {
                case .demo: entry.owner = .demo
                case .featureCache where FeatureCache.isOurs(info): entry.owner = .featureCache
                default: if owners.isManifest(path, info.id) { entry.owner = .manifest }
                }
            case .link:
                let info = Knobs.withProgramFilter(try LinkInfo(fd: fd.raw))
                entry = PinEntry(path: path, kind: .link)
                entry.id = info.id
                entry.link = info
                var programName: String?
                if let program = try? BPFObjectKind.program.open(info.programID) {
                    programName = try? ProgramInfo.name(fd: program.raw)
                }
                entry.linkProgramName = programName
                // bpfnav's only if its manifest says so: a program's name
                // proves nothing.
                if let record = owners.record(path, .link, info.id), record.programID == info.programID {
                    switch record.role {
                    case .iterator:
                        if let kind = record.kind, let format = record.format, record.state == .live {
                            entry.owner = .iterator(kind: kind, format: format, params: record.params)
                        }
                    case .demo:
                        entry.owner = .demo
                    default:
                        break
                    }
                }
            case .btf, nil:
                entry = PinEntry(path: path, kind: .other)
            }
        } catch {
            entry = PinEntry(path: path, kind: .unreadable)
            entry.errno = error.errno
        }
        return entry
    }
}

/// Where each BPF object is pinned, from a pin walk.
public struct PinIndex: Sendable {
    public private(set) var paths: [BPFObjectRef: [[UInt8]]] = [:]

    public init() {}

    public init(_ entries: [PinEntry]) {
        for entry in entries where entry.id != 0 {
            guard let kind = entry.space else { continue }
            paths[BPFObjectRef(kind, entry.id), default: []].append(entry.path)
        }
    }

    public func paths(_ kind: BPFObjectKind, _ id: UInt32) -> [[UInt8]] {
        paths[BPFObjectRef(kind, id)] ?? []
    }
}

/// The manifests (`PinManifest`) of the directories a walk meets, read once
/// each: what proves a pin bpfnav's. A pin at `DIR/NAME` is looked up in
/// DIR's manifest; one in a program cache or the demo (`DIR/progs-…/NAME`,
/// `DIR/demo/NAME`) in DIR's, as `progs-…/NAME` or `demo/NAME`.
final class Ownership {
    private var manifests: [[UInt8]: [UInt64: PinManifest.Record]] = [:]
    /// The manifests' own map ids, by directory.
    private var manifestIDs: [[UInt8]: UInt32] = [:]

    /// Whether `path` is the manifest of its (verified) directory.
    func isManifest(_ path: [UInt8], _ id: UInt32) -> Bool {
        guard let slash = path.lastIndex(of: 0x2f), Array(path[(slash + 1)...]) == Array(PinManifest.pinName.utf8) else { return false }
        let directory = slash == 0 ? [0x2f] : Array(path[..<slash])
        _ = manifest(directory)
        return manifestIDs[directory] == id
    }

    func record(_ path: [UInt8], _ space: BPFObjectKind, _ id: UInt32) -> PinManifest.Record? {
        let parts = path.split(separator: 0x2f, omittingEmptySubsequences: true).map(Array.init)
        guard let name = parts.last else { return nil }
        var directory = Array(parts.dropLast())
        var relative = name
        if let last = directory.last, last.starts(with: Array(ProgramCache.prefix.utf8)) || last == Array(IterPins.demoName.utf8) {
            relative = last + [0x2f] + name
            directory.removeLast()
        }
        let base = directory.reduce(into: [UInt8]()) { $0 += [0x2f] + $1 }
        let records = manifest(base.isEmpty ? [0x2f] : base)
        guard let record = records[PinManifest.key(space, id)],
              Array(record.name.utf8) == relative else { return nil }
        return record
    }

    private func manifest(_ directory: [UInt8]) -> [UInt64: PinManifest.Record] {
        if let known = manifests[directory] { return known }
        var records: [UInt64: PinManifest.Record] = [:]
        let path = String(decoding: directory, as: UTF8.self)
        // Only a directory bpfnav could have written: verified as pin/unpin do.
        if path.utf8.elementsEqual(directory),
           let dir = try? PinDirectory.open(path, create: false),
           let manifest = try? PinManifest.open(in: dir, create: false) {
            for (space, id, record) in manifest.all() { records[PinManifest.key(space, id)] = record }
            manifestIDs[directory] = try? ObjectIdentity.id(of: manifest.fd.raw, kind: .map)
        }
        manifests[directory] = records
        return records
    }
}

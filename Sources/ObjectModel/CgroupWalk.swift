import BPFKit
import Glibc
import Platform

// The cgroup v2 tree's BPF programs: each cgroup directory, queried with
// BPF_PROG_QUERY for every cgroup attach type (`AttachType.cgroupTypes`, as
// bpftool's `cgroup tree` and `cgroup show` do). The walk opens each
// directory relative to its parent (openat, no symlinks followed, no other
// file system entered, as nftw's FTW_MOUNT), and a cgroup removed while it
// is walked is skipped quietly.

/// What bpftool prints beside a cgroup's program: its name and the BTF it
/// attaches through.
public struct CgroupProgram: Sendable, Hashable {
    /// The full name (from BTF where the kernel's 15 bytes cut it).
    public var name: String
    public var attachBTFObjectID: UInt32
    public var attachBTFID: UInt32
    /// The attach BTF type's name when it is in vmlinux's BTF (lsm_cgroup's
    /// hook), as bpftool's `attach_btf_name`; "" as bpftool has it for a
    /// program without attach BTF where the kernel has BTF.
    public var attachBTFName: String?

    public init(name: String, attachBTFObjectID: UInt32 = 0, attachBTFID: UInt32 = 0, attachBTFName: String? = nil) {
        self.name = name
        self.attachBTFObjectID = attachBTFObjectID
        self.attachBTFID = attachBTFID
        self.attachBTFName = attachBTFName
    }
}

extension CgroupSnapshot {
    /// The mount points of cgroup2 this process can see, in mount order
    /// (bpftool takes the first).
    public static func cgroup2Mounts() -> [String] {
        Mountinfo.mounts(ofType: "cgroup2").map { String(decoding: $0, as: UTF8.self) }
    }

    /// The whole tree of the first cgroup2 mount; `root` nil (and nothing
    /// else) when cgroup2 is not mounted.
    public static func collect(effective: Bool = false) -> CgroupSnapshot {
        guard let mount = cgroup2Mounts().first else {
            return CgroupSnapshot(root: nil, attachments: [], paths: [:], errors: [])
        }
        do {
            return try collect(root: mount, effective: effective)
        } catch {
            return CgroupSnapshot(root: mount, attachments: [], paths: [:], errors: [error.description])
        }
    }

    /// The tree at and below `root` (a cgroup2 directory), in tree order.
    /// Fails only when `root` itself cannot be opened.
    public static func collect(root: String, effective: Bool = false) throws(BPFError) -> CgroupSnapshot {
        var walker = CgroupWalker(effective: effective)
        try walker.run(root: root, recursive: true)
        return walker.snapshot
    }

    /// One cgroup: what is attached to it (or, with `effective`, what runs
    /// there, its ancestors' included). Fails when `path` cannot be opened.
    public static func show(path: String, effective: Bool = false) throws(BPFError) -> CgroupSnapshot {
        var walker = CgroupWalker(effective: effective)
        try walker.run(root: path, recursive: false)
        return walker.snapshot
    }

    /// The path of the cgroup with `id`, if it was walked.
    public func path(forID id: UInt64) -> String? {
        paths[id]
    }

    /// The cgroups that have programs (attached, or effective when asked),
    /// in tree order, each with its programs in query order.
    public var byCgroup: [(path: String, cgroupID: UInt64, attachments: [CgroupAttachment])] {
        var groups: [(path: String, cgroupID: UInt64, attachments: [CgroupAttachment])] = []
        for attachment in attachments {
            if let last = groups.indices.last, groups[last].cgroupID == attachment.cgroupID,
               groups[last].path == attachment.path {
                groups[last].attachments.append(attachment)
            } else {
                groups.append((attachment.path, attachment.cgroupID, [attachment]))
            }
        }
        return groups
    }
}

/// cgroup ids to paths, for links that name their cgroup by id.
public enum CgroupPaths {
    /// The paths of `ids` under the first cgroup2 mount, walking only until
    /// all are found; ids not found are absent.
    public static func resolve(ids: Set<UInt64>) -> [UInt64: String] {
        guard !ids.isEmpty, let mount = CgroupSnapshot.cgroup2Mounts().first else { return [:] }
        var found: [UInt64: String] = [:]
        guard let root = CgroupDirectory.open(at: AT_FDCWD, mount) else { return [:] }
        var st = stat()
        guard fstat(root, &st) == 0 else {
            close(root)
            return [:]
        }
        var remaining = ids
        func visit(_ fd: Int32, _ path: String, _ id: UInt64) {
            if remaining.remove(id) != nil { found[id] = path }
            guard !remaining.isEmpty else {
                close(fd)
                return
            }
            for name in CgroupDirectory.subdirectories(of: fd).names where !remaining.isEmpty {
                let child = CgroupDirectory.child(of: fd, name, device: st.st_dev)
                if let childFD = child.fd { visit(childFD, CgroupDirectory.join(path, name), child.id) }
            }
            close(fd)
        }
        visit(root, mount, UInt64(st.st_ino))
        return found
    }
}

/// Opening and listing cgroup directories.
enum CgroupDirectory {
    /// `name` (or a path) opened as a directory relative to `parent`,
    /// without following a symlink; nil with errno set otherwise.
    static func open(at parent: Int32, _ name: String) -> Int32? {
        let fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    static func join(_ path: String, _ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// The names of `fd`'s subdirectories in readdir order, or the errno
    /// of listing them.
    static func subdirectories(of fd: Int32) -> (names: [String], errno: Int32) {
        let listFD = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard listFD >= 0, let dir = fdopendir(listFD) else {
            let code = errno
            if listFD >= 0 { close(listFD) }
            return ([], code)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            guard type == UInt8(DT_DIR) || type == UInt8(DT_UNKNOWN) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        return (names, 0)
    }

    /// The subdirectory `name` of `fd`, opened, with its inode; nil fd
    /// when it vanished since listed, is no directory, or is on another
    /// file system (errno 0), else with the errno.
    static func child(of fd: Int32, _ name: String, device: dev_t) -> (fd: Int32?, id: UInt64, errno: Int32) {
        guard let child = open(at: fd, name) else {
            let code = errno
            return (nil, 0, code == ENOENT || code == ENOTDIR || code == ELOOP ? 0 : code)
        }
        var st = stat()
        guard fstat(child, &st) == 0, st.st_dev == device else {
            close(child)
            return (nil, 0, 0)
        }
        return (child, UInt64(st.st_ino), 0)
    }
}

/// One walk's state: the snapshot it fills, the cgroup links found, the
/// programs' names.
struct CgroupWalker {
    var snapshot = CgroupSnapshot(root: nil, attachments: [], paths: [:], errors: [])
    let effective: Bool
    /// (cgroup id, attach type, program id) → the cgroup link attaching it.
    private var links: [LinkKey: UInt32] = [:]
    private var linksRead = false
    /// The attachments of the cgroups from the root down to the current
    /// one's parent: where an inherited program is attached.
    private var ancestors: [(cgroupID: UInt64, attached: [CgroupAttachment])] = []

    struct LinkKey: Hashable {
        var cgroupID: UInt64
        var attachType: UInt32
        var programID: UInt32
    }

    init(effective: Bool) {
        self.effective = effective
        snapshot.effective = effective
    }

    mutating func run(root: String, recursive: Bool) throws(BPFError) {
        var path = root
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard let fd = CgroupDirectory.open(at: AT_FDCWD, path) else {
            let code = errno
            throw BPFError("open cgroup", path, errno: code,
                           hint: code == ENOTDIR ? "a cgroup is a directory under the cgroup2 mount" : nil)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw BPFError("stat cgroup", path, errno: code)
        }
        snapshot.root = path
        readLinks()
        if effective { ancestors = ancestorAttachments(of: path) }
        visit(fd, path: path, cgroupID: UInt64(st.st_ino), device: st.st_dev, recursive: recursive)
        readPrograms()
    }

    /// Queries the cgroup open at `fd` (and closes it), then its children.
    private mutating func visit(_ fd: Int32, path: String, cgroupID: UInt64, device: dev_t, recursive: Bool) {
        snapshot.paths[cgroupID] = path
        let attached = query(fd, path: path, cgroupID: cgroupID, effective: false)
        if effective {
            let running = query(fd, path: path, cgroupID: cgroupID, effective: true)
            snapshot.attachments += markInherited(running, attached: attached)
        } else {
            snapshot.attachments += attached
        }
        if recursive {
            ancestors.append((cgroupID, attached))
            let (names, code) = CgroupDirectory.subdirectories(of: fd)
            if code != 0 && code != ENOENT {
                snapshot.errors.append(BPFError("list cgroup", path, errno: code).description)
            }
            for name in names {
                let childPath = CgroupDirectory.join(path, name)
                let child = CgroupDirectory.child(of: fd, name, device: device)
                if let childFD = child.fd {
                    visit(childFD, path: childPath, cgroupID: child.id, device: device, recursive: true)
                } else if child.errno != 0 {
                    snapshot.errors.append(BPFError("open cgroup", childPath, errno: child.errno).description)
                }
            }
            ancestors.removeLast()
        }
        close(fd)
    }

    /// Every cgroup attach type's programs at `fd`: attached ones, or the
    /// effective ones. A type the kernel lacks (EINVAL) is skipped quietly.
    private mutating func query(_ fd: Int32, path: String, cgroupID: UInt64, effective: Bool) -> [CgroupAttachment] {
        var found: [CgroupAttachment] = []
        for type in AttachType.cgroupTypes {
            let result: ProgQuery
            do {
                result = try ProgQuery.query(target: fd, attachType: type, flags: effective ? ProgQuery.effective : 0)
            } catch {
                if error.errno != EINVAL && error.errno != ENOENT {
                    let what = effective ? "query effective programs of" : "query programs attached to"
                    snapshot.errors.append(BPFError(what, "\(path) (attach type \(AttachType.name(type)))",
                                                    errno: error.errno).description)
                }
                continue
            }
            for entry in result.entries {
                // bpftool: the program's own flags where the kernel gives
                // them (6.0+), else the attach point's.
                let flags = entry.attachFlags.flatMap { $0 == 0 ? nil : $0 } ?? result.attachFlags
                let key = LinkKey(cgroupID: cgroupID, attachType: type, programID: entry.programID)
                found.append(CgroupAttachment(
                    path: path, cgroupID: cgroupID, attachType: type, attachFlags: effective ? 0 : flags,
                    programID: entry.programID, linkID: entry.linkID ?? links[key], inherited: false))
            }
        }
        return found
    }

    /// The effective programs, those not attached here marked inherited,
    /// with the flags, link and cgroup of the nearest ancestor that has them.
    private func markInherited(_ running: [CgroupAttachment], attached: [CgroupAttachment]) -> [CgroupAttachment] {
        var own = attached
        return running.map { entry in
            var entry = entry
            if let index = own.firstIndex(where: { $0.attachType == entry.attachType && $0.programID == entry.programID }) {
                entry.attachFlags = own[index].attachFlags
                entry.linkID = own[index].linkID
                own.remove(at: index)
                return entry
            }
            entry.inherited = true
            for level in ancestors.reversed() {
                if let origin = level.attached.first(where: {
                    $0.attachType == entry.attachType && $0.programID == entry.programID
                }) {
                    entry.attachFlags = origin.attachFlags
                    entry.linkID = origin.linkID
                    entry.attachedAt = level.cgroupID
                    break
                }
            }
            return entry
        }
    }

    /// The attached programs of `path`'s ancestors up to its cgroup2
    /// mount, root first (for inherited programs' origins). Their paths go
    /// into `paths` too.
    private mutating func ancestorAttachments(of path: String) -> [(cgroupID: UInt64, attached: [CgroupAttachment])] {
        let mounts = CgroupSnapshot.cgroup2Mounts().filter { path == $0 || path.hasPrefix($0 == "/" ? "/" : $0 + "/") }
        guard let mount = mounts.max(by: { $0.count < $1.count }), path != mount else { return [] }
        var chain: [String] = []
        var current = path
        while current != mount, let slash = current.lastIndex(of: "/") {
            current = slash == current.startIndex ? "/" : String(current[..<slash])
            chain.append(current)
            if current == "/" { break }
        }
        var result: [(cgroupID: UInt64, attached: [CgroupAttachment])] = []
        for ancestor in chain.reversed() {
            guard let fd = CgroupDirectory.open(at: AT_FDCWD, ancestor) else { continue }
            var st = stat()
            if fstat(fd, &st) == 0 {
                let id = UInt64(st.st_ino)
                snapshot.paths[id] = ancestor
                result.append((id, query(fd, path: ancestor, cgroupID: id, effective: false)))
            }
            close(fd)
        }
        return result
    }

    /// The kernel gives no link ids for cgroups: the cgroup links say which
    /// cgroup, attach type and program they attach.
    private mutating func readLinks() {
        guard !linksRead else { return }
        linksRead = true
        let ids: [UInt32]
        do {
            ids = try BPFObjectKind.link.ids()
        } catch {
            snapshot.errors.append(error.description)
            return
        }
        for id in ids {
            guard let info = try? LinkInfo(id: id),
                  case let .cgroup(cgroupID, attachType) = info.details else { continue }
            links[LinkKey(cgroupID: cgroupID, attachType: attachType, programID: info.programID)] = id
        }
    }

    /// Names (and attach BTF) of every program found. A program freed
    /// since has none (bpftool leaves it out).
    private mutating func readPrograms() {
        var vmlinux: (objectID: UInt32, btf: BTF)?
        let hasVmlinuxBTF = access("/sys/kernel/btf/vmlinux", R_OK) == 0
        for id in Set(snapshot.attachments.map(\.programID)) where snapshot.programs[id] == nil {
            guard let fd = try? BPFObjectKind.program.open(id), let info = try? ProgramInfo(fd: fd.raw, id: id) else {
                continue
            }
            var program = CgroupProgram(name: Objects.fullProgramName(fd: fd.raw, info: info),
                                        attachBTFObjectID: info.attachBTFObjectID, attachBTFID: info.attachBTFID)
            if info.attachBTFObjectID == 0, info.attachBTFID == 0, hasVmlinuxBTF {
                // bpftool takes a program without attach BTF for one in
                // vmlinux's (both object ids 0) and prints type 0's name.
                program.attachBTFName = ""
            } else if info.attachBTFID != 0, info.attachBTFObjectID != 0 {
                if vmlinux == nil || vmlinux?.objectID != info.attachBTFObjectID,
                   let btf = try? BTF.load(id: info.attachBTFObjectID), btf.firstID == 1 {
                    // Only vmlinux's BTF stands alone; a module's is split.
                    vmlinux = (info.attachBTFObjectID, btf)
                }
                if let vmlinux, vmlinux.objectID == info.attachBTFObjectID, Int(info.attachBTFID) <= vmlinux.btf.count {
                    program.attachBTFName = vmlinux.btf.name(info.attachBTFID)
                }
            }
            snapshot.programs[id] = program
        }
    }
}

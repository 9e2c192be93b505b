import CLibBPF
import Glibc

/// A bpffs directory bpfnav may change: opened once, verified, and from then
/// on used only through its fd.
///
/// bpffs's root is mode 1777: any local user can create directories, links
/// and symlinks in it. A directory bpfnav writes into must therefore be one
/// that nobody else controls: on a bpffs, owned by the caller (or root), and
/// writable by neither group nor others. Every operation inside is relative
/// to the directory's fd (`openat`, `renameat2`, `unlinkat`, `linkat`, and
/// bpf(2) through `/proc/self/fd/N/NAME`), and never follows a symlink: one
/// planted in the directory is reported, not used, not removed.
///
/// A shared directory (group- or world-writable, or someone else's) is only
/// used with `shared`, and then only through bpfnav's own 0700 subdirectory
/// in it, `bpfnav-UID`.
public final class PinDirectory: Sendable {
    public let fd: Int32
    /// The path the directory was opened by, for messages.
    public let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit {
        close(fd)
    }

    /// The subdirectory bpfnav works in inside a shared directory.
    public static func sharedName(uid: uid_t = geteuid()) -> String { "bpfnav-\(uid)" }

    /// Opens `path` (created 0700 with its missing parents when `create`),
    /// verifies it, and returns it; with `shared`, a shared directory is
    /// accepted and bpfnav's own subdirectory in it is returned instead.
    ///
    /// Symlinks are followed only outside bpffs (where only root makes
    /// them): a symlink on a bpffs component is refused.
    public static func open(_ path: String, create: Bool, shared: Bool = false) throws(BPFError) -> PinDirectory {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var components: [String] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(String(part))
            }
        }
        var current = Glibc.open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw BPFError("open directory", "/", errno: errno) }
        var walked = ""
        for (index, name) in components.enumerated() {
            let last = index == components.count - 1
            let flags = (last ? O_RDONLY : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
            walked += "/" + name
            var next = openat(current, name, flags)
            var code = next < 0 ? errno : 0
            if next < 0, code == ELOOP || code == ENOTDIR, isSymlink(current, name) {
                guard !onBPFFS(current) else {
                    close(current)
                    throw BPFError("open pin directory", walked, errno: ELOOP,
                                   hint: "it is a symlink on a bpffs, which anyone may have planted: bpfnav does not follow it; give the real directory")
                }
                next = openat(current, name, flags & ~O_NOFOLLOW)
                code = next < 0 ? errno : 0
            }
            if next < 0, code == ENOENT, create {
                guard onBPFFS(current) else {
                    close(current)
                    throw notBPFFS(absolute, existing: String(walked.dropLast(name.utf8.count + 1)))
                }
                if mkdirat(current, name, 0o700) != 0, errno != EEXIST {
                    let mkdirErrno = errno
                    close(current)
                    throw BPFError("create directory", walked, errno: mkdirErrno, hint: BPFFS.pinHint(mkdirErrno))
                }
                next = openat(current, name, flags)
                code = next < 0 ? errno : 0
            }
            close(current)
            guard next >= 0 else {
                if code == ENOENT {
                    throw BPFError("open pin directory", absolute, errno: ENOENT,
                                   hint: walked == absolute ? "it does not exist" : "\(walked) does not exist")
                }
                throw BPFError("open pin directory", walked, errno: code,
                               hint: code == ENOTDIR ? "not a directory" : code == EACCES ? "no access to the directory: run as its owner or root" : nil)
            }
            current = next
        }
        if components.isEmpty {
            // "/" itself: reopen readable.
            let root = openat(current, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            close(current)
            guard root >= 0 else { throw BPFError("open pin directory", "/", errno: errno) }
            current = root
        }
        let directory = PinDirectory(fd: current, path: absolute == "/" ? "/" : "/" + components.joined(separator: "/"))
        guard onBPFFS(current) else { throw notBPFFS(directory.path, existing: directory.path) }
        switch directory.trust() {
        case .trusted:
            return directory
        case .shared(let why):
            guard shared else {
                throw BPFError("use pin directory", directory.path, errno: EPERM,
                               hint: "\(why), so others could plant links or symlinks in it: use a directory of your own (bpfnav creates --dir 0700), or pass --shared to work in bpfnav's own subdirectory \(sharedName()) in it")
            }
            let own = try directory.subdirectory(sharedName(), create: create)
            guard let own else {
                throw BPFError("open pin directory", directory.path + "/" + sharedName(), errno: ENOENT,
                               hint: "it does not exist: nothing of yours is pinned in this shared directory")
            }
            return own
        }
    }

    enum Trust {
        case trusted
        /// Why not: "owned by uid 65534", "writable by others".
        case shared(String)
    }

    /// Whether anyone but the caller and root can change the directory.
    func trust() -> Trust {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .shared("it cannot be examined (\(Errno.name(errno)))") }
        if st.st_uid != geteuid(), st.st_uid != 0 { return .shared("it is owned by uid \(st.st_uid)") }
        if st.st_mode & 0o002 != 0 { return .shared("it is writable by others (mode \(String(st.st_mode & 0o7777, radix: 8)))") }
        if st.st_mode & 0o020 != 0 { return .shared("it is writable by its group (mode \(String(st.st_mode & 0o7777, radix: 8)))") }
        return .trusted
    }

    /// A verified subdirectory (nil if missing and not `create`d); a
    /// symlink or a directory someone else controls is refused.
    public func subdirectory(_ name: String, create: Bool) throws(BPFError) -> PinDirectory? {
        let display = self.display(name)
        var sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if sub < 0, errno == ENOENT, create {
            if mkdirat(fd, name, 0o700) != 0, errno != EEXIST {
                let code = errno
                throw BPFError("create directory", display, errno: code, hint: BPFFS.pinHint(code))
            }
            sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        if sub < 0 {
            let code = errno
            if code == ENOENT { return nil }
            if isSymlink(fd, name) {
                throw BPFError("open directory", display, errno: ELOOP,
                               hint: "it is a symlink: bpfnav does not follow symlinks in its pin directories; remove it yourself")
            }
            throw BPFError("open directory", display, errno: code)
        }
        let directory = PinDirectory(fd: sub, path: display)
        if case .shared(let why) = directory.trust() {
            throw BPFError("use directory", display, errno: EPERM,
                           hint: "\(why): bpfnav only works in directories nobody else can change; remove it yourself")
        }
        return directory
    }

    // MARK: - Entries

    /// `path/name`, for messages.
    public func display(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    /// A path the kernel resolves to `name` in this directory (for bpf(2),
    /// which takes paths): through the fd, never through `path`.
    public func kernelPath(_ name: String) -> String {
        "/proc/self/fd/\(fd)/\(name)"
    }

    /// The entry's `lstat`, or nil when it does not exist.
    public func status(_ name: String) -> stat? {
        var st = stat()
        return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    /// What kind of entry `name` is, without following it.
    public func entryKind(_ name: String) -> EntryKind {
        guard let st = status(name) else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        case S_IFREG: return .pin
        default: return .other
        }
    }

    public enum EntryKind: Sendable, Equatable {
        case missing, pin, directory, symlink, other
    }

    /// Names in the directory, without "." and "..", sorted.
    public func names() throws(BPFError) -> [String] {
        let copy = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0 else { throw BPFError("read directory", path, errno: errno) }
        guard let stream = fdopendir(copy) else {
            let code = errno
            close(copy)
            throw BPFError("read directory", path, errno: code)
        }
        return BPFFS.names(in: stream)
    }

    /// Opens the object pinned at `name` (`BPF_OBJ_GET`); a symlink or a
    /// directory there is refused, never followed.
    public func object(_ name: String) throws(BPFError) -> PinnedObject {
        switch entryKind(name) {
        case .pin: break
        case .missing: throw BPFError("open pin", display(name), errno: ENOENT, hint: "nothing is pinned there")
        case .symlink: throw BPFError("open pin", display(name), errno: ELOOP, hint: "it is a symlink: bpfnav does not follow symlinks in pin directories")
        case .directory: throw BPFError("open pin", display(name), errno: EISDIR, hint: "it is a directory")
        case .other: throw BPFError("open pin", display(name), errno: EINVAL, hint: "not a BPF object")
        }
        return try PinnedObject(path: kernelPath(name), displayPath: display(name))
    }

    /// Pins `objectFD` at `name` (`what`: "iterator link", "map counts").
    /// `injectable`: false for bpfnav's bookkeeping pins, which debug
    /// builds' fault plans (`BPFNAV_FAULTS=pin=…@N`) do not count.
    public func pin(_ objectFD: Int32, at name: String, what: String, injectable: Bool = true) throws(BPFError) {
        let target = kernelPath(name)
        try check("pin \(what) at", display(name), hint: BPFFS.pinHint) {
            injectable ? Faults.call(.pin) { bpf_obj_pin(objectFD, target) } : bpf_obj_pin(objectFD, target)
        }
    }

    /// renameat2 within the directory, never a fault-injection point.
    public func renameQuietly(_ from: String, to: String, _ mode: BPFFS.RenameMode) -> Int32 {
        bpfnav_renameat(fd, from, fd, to, mode.rawValue)
    }

    /// Sets a pin's mode (and group) without following a symlink: through an
    /// `O_PATH|O_NOFOLLOW` fd of the entry itself.
    public func setAccess(_ name: String, mode: mode_t, group: gid_t?, subject: String? = nil) throws(BPFError) {
        let subject = subject ?? display(name)
        let entry = try check("open pin", subject) { openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(entry) }
        var st = stat()
        guard fstat(entry, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw BPFError("set mode of pin", subject, errno: ELOOP, hint: "it is not a pin (a symlink or directory took its place): nothing was changed")
        }
        if let group {
            try check("set group of pin", subject) { fchownat(entry, "", geteuid(), group, AT_EMPTY_PATH) }
        }
        try check("set mode of pin", subject) { chmod("/proc/self/fd/\(entry)", mode) }
    }

    /// renameat2 within the directory (or into `to` in `target`).
    /// `.exchange` of two pins falls back to a hard link and two renames
    /// where bpffs cannot exchange (before 5.16), as `BPFFS.RenameMode`
    /// explains (`exchangeByLink`).
    public func rename(_ from: String, to: String, in target: PinDirectory? = nil, _ mode: BPFFS.RenameMode) throws(BPFError) {
        let toFD = target?.fd ?? fd
        try check(mode == .exchange ? "exchange \(display(from)) with" : "rename \(display(from)) to",
                  (target ?? self).display(to)) {
            Faults.call(.rename) {
                guard mode == .exchange else { return bpfnav_renameat(fd, from, toFD, to, mode.rawValue) }
                let result = Faults.call(.exchange) { bpfnav_renameat(fd, from, toFD, to, mode.rawValue) }
                guard result < 0 else { return result }
                let code = result == -1 ? errno : -result
                guard code == EINVAL, entryKind(from) == .pin, (target ?? self).entryKind(to) == .pin, target == nil else {
                    return -code
                }
                return exchangeByLink(from, to)
            }
        }
    }

    /// Swaps two pins where renameat2 cannot: `to` gets a second name
    /// (linkat, the same inode), `from` replaces `to` in one renameat
    /// (atomic: a reader finds the old pin or the new one), and the second
    /// name becomes `from`. 0 or -errno; on failure both names hold what
    /// they held before.
    func exchangeByLink(_ from: String, _ to: String) -> Int32 {
        let spare = "bpfnav-swap-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        if linkat(fd, to, fd, spare, 0) != 0 { return -errno }
        if renameat(fd, from, fd, to) != 0 {
            let code = errno
            unlinkat(fd, spare, 0)
            return -code
        }
        if renameat(fd, spare, fd, from) != 0 {
            let code = errno
            if renameat(fd, to, fd, from) == 0 { _ = renameat(fd, spare, fd, to) }
            return -code
        }
        return 0
    }

    /// Unlinks a pin (never a directory); true if it was removed.
    @discardableResult
    public func unlink(_ name: String) -> Bool {
        unlinkat(fd, name, 0) == 0
    }

    /// Removes an empty subdirectory; true if it was removed.
    @discardableResult
    public func removeDirectory(_ name: String) -> Bool {
        unlinkat(fd, name, AT_REMOVEDIR) == 0
    }

    // MARK: - The lock

    /// Takes the directory's lock (`flock`) for everything that changes a
    /// pin set: waits up to `timeout` seconds for another bpfnav to finish.
    /// A process that holds the lock already takes it again at no cost.
    public func lock(_ operation: String, timeout: Double = 10) throws(BPFError) -> PinLock {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BPFError(operation, path, errno: errno) }
        let key = PinLock.Key(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        if PinLock.held.withLock({ $0[key].map { $0 > 0 } ?? false }) {
            PinLock.held.withLock { $0[key, default: 0] += 1 }
            return PinLock(key: key, fd: -1)
        }
        let own = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard own >= 0 else { throw BPFError(operation, path, errno: errno) }
        var waited = 0.0
        while flock(own, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR, waited < timeout else {
                close(own)
                throw BPFError(operation, path, errno: code, hint: code == EWOULDBLOCK
                    ? "another bpfnav has been changing pins in this directory for \(Int(timeout)) s: try again when it is done" : nil)
            }
            usleep(10_000)
            waited += 0.01
        }
        PinLock.held.withLock { $0[key] = 1 }
        return PinLock(key: key, fd: own)
    }

    /// Takes the lock only if it is free now (or already this process's).
    public func tryLock() -> PinLock? {
        try? lock("lock", timeout: 0)
    }
}

/// A held directory lock; released when it ends.
public final class PinLock {
    struct Key: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    static let held = LockedTable()

    let key: Key
    let fd: Int32

    init(key: Key, fd: Int32) {
        self.key = key
        self.fd = fd
    }

    deinit {
        let remaining = PinLock.held.withLock { table -> Int in
            table[key, default: 1] -= 1
            let left = table[key] ?? 0
            if left <= 0 { table[key] = nil }
            return left
        }
        if fd >= 0 {
            precondition(remaining <= 0, "a pin directory lock outlived by a nested one")
            close(fd)
        }
    }
}

/// The locks this process holds, by directory (a nested `lock` of the same
/// directory must not flock a second open file: it would wait for itself).
final class LockedTable: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var table: [PinLock.Key: Int] = [:]

    init() { pthread_mutex_init(&mutex, nil) }

    func withLock<R>(_ body: (inout [PinLock.Key: Int]) -> R) -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body(&table)
    }
}

private func isSymlink(_ dirFD: Int32, _ name: String) -> Bool {
    var st = stat()
    return fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
}

private func onBPFFS(_ fd: Int32) -> Bool {
    bpfnav_fd_fs_magic(fd) == BPFFS.magic
}

private func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return "/" }
    return String(cString: buffer)
}

private func notBPFFS(_ path: String, existing: String) -> BPFError {
    let underDefault = path == BPFFS.defaultMount || path.hasPrefix(BPFFS.defaultMount + "/")
    if underDefault, !BPFFS.isBPFFS(BPFFS.defaultMount) {
        return BPFError("use pin directory", path, errno: ENODEV,
                        hint: "bpffs is not mounted at \(BPFFS.defaultMount): mount -t bpf bpf \(BPFFS.defaultMount), or pass --mount")
    }
    let place = existing.isEmpty ? "/" : existing
    return BPFError("use pin directory", path, errno: ENODEV,
                    hint: "\(place) is not on a bpffs: pins can only live on a bpf file system (mount -t bpf bpf DIR)")
}

// Linux's values; Swift's Glibc module leaves out what needs _GNU_SOURCE.
private let O_PATH: Int32 = 0o10000000
private let AT_EMPTY_PATH: Int32 = 0x1000

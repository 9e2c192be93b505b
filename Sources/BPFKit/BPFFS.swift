import CLibBPF
import Glibc

/// The BPF file system: where pins live.
public enum BPFFS {
    public static let defaultMount = "/sys/fs/bpf"
    public static let magic = Int64(BPF_FS_MAGIC)

    /// True when `path` itself is on a bpffs.
    public static func isBPFFS(_ path: String) -> Bool {
        bpfnav_fs_magic(path) == magic
    }

    /// True when `path`, exact bytes (a bpffs name need not be UTF-8), is
    /// on a bpffs.
    public static func isBPFFS(_ path: [UInt8]) -> Bool {
        withCPath(path) { bpfnav_fs_magic($0) } == magic
    }

    /// `BPF_OBJ_GET` of the pin at `path`, exact bytes: its fd, or the
    /// errno. For a walk that looks at every entry: no message, and never a
    /// fault-injection point (`PinnedObject` opens a pin on purpose).
    public static func objectFD(at path: [UInt8]) throws(Errno) -> OwnedFD {
        let fd = try withCPath(path) { path in Errno.result { bpf_obj_get(path) } }.get()
        return OwnedFD(adopting: fd)
    }

    static func withCPath<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var terminated = path
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// The nearest existing ancestor of `path` (or `path` itself).
    public static func nearestExisting(_ path: String) -> String {
        var current = path
        while !current.isEmpty, current != "/" {
            if access(current, F_OK) == 0 { return current }
            current = parent(of: current)
        }
        return "/"
    }

    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Fails with a message that says what to do when `directory` (existing
    /// or to be created) is not on a bpffs.
    public static func requireBPFFS(for directory: String) throws(BPFError) {
        let existing = nearestExisting(directory)
        if isBPFFS(existing) { return }
        let underDefault = directory == defaultMount || directory.hasPrefix(defaultMount + "/")
        if underDefault {
            throw BPFError("use pin directory", directory, errno: ENODEV,
                           hint: "bpffs is not mounted at \(defaultMount): mount -t bpf bpf \(defaultMount), or pass --mount")
        }
        throw BPFError("use pin directory", directory, errno: ENODEV,
                       hint: "\(existing) is not on a bpffs: pins can only live on a bpf file system (mount -t bpf bpf DIR)")
    }

    /// Mounts a bpffs at the default place if none is there.
    public static func mountDefaultIfNeeded() throws(BPFError) {
        if isBPFFS(defaultMount) { return }
        try check("mount bpffs at", defaultMount, hint: { code in
            code == EPERM ? "mounting needs CAP_SYS_ADMIN" : nil
        }) {
            mount("bpf", defaultMount, "bpf", 0, "mode=0700")
        }
    }

    /// `mkdir -p` on a bpffs, new directories with `mode`.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o700) throws(BPFError) {
        if isDirectory(path) { return }
        let up = parent(of: path)
        if up != path, up != "/", up != "." { try makeDirectory(up, mode: mode) }
        let result = mkdir(path, mode)
        if result != 0, errno != EEXIST {
            throw BPFError("create directory", path, errno: errno, hint: pinHint(errno))
        }
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Pins the object behind `fd` at `path` (`what`: "map counts", "link").
    public static func pin(_ fd: Int32, at path: String, what: String) throws(BPFError) {
        try check("pin \(what) at", path, hint: pinHint) {
            Faults.call(.pin) { bpf_obj_pin(fd, path) }
        }
    }

    /// renameat2(2)'s flags, for `PinDirectory.rename`.
    ///
    /// `.exchange` of two pins works on every kernel: bpffs takes
    /// RENAME_EXCHANGE since 5.16 (commit 3871cb8cf741, "libfs: Support
    /// RENAME_EXCHANGE in simple_rename()"); before, it answers EINVAL and
    /// the exchange is made of a hard link and two renames instead, with
    /// the same outcome: the two objects swapped, each the same inode as
    /// before, and the destination never missing. Two directories cannot be
    /// exchanged that way: EINVAL stays the answer.
    public enum RenameMode: UInt32, Sendable {
        /// Fails with EEXIST if `to` exists.
        case noReplace = 1
        /// Swaps `from` and `to`, which must both exist (ENOENT otherwise).
        case exchange = 2
        /// Replaces `to` atomically if it exists.
        case replace = 0
    }

    static func pinHint(_ code: Int32) -> String? {
        switch code {
        case EEXIST: "something is already pinned there"
        case EPERM, EACCES: "pinning needs write access to the directory (and CAP_BPF or root)"
        case ENOENT: "the directory does not exist"
        case EINVAL: "the path is not on a bpffs, or the name is not allowed (bpffs names cannot contain '.')"
        default: nil
        }
    }

    /// Names in a directory, without "." and "..", sorted.
    public static func entries(of directory: String) throws(BPFError) -> [String] {
        guard let dir = opendir(directory) else {
            throw BPFError("read directory", directory, errno: errno)
        }
        return names(in: dir)
    }

    /// The names a directory stream lists, without "." and "..", sorted;
    /// closes the stream.
    static func names(in dir: OpaquePointer) -> [String] {
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// A pinned object, opened with `BPF_OBJ_GET`.
public struct PinnedObject: ~Copyable {
    public let fd: OwnedFD
    /// nil when what is pinned is no BPF object bpfnav knows.
    public let kind: BPFObjectKind?
    public let path: String

    /// `displayPath`: the path to name in messages when `path` is a
    /// `/proc/self/fd/N/NAME` path of `PinDirectory`.
    public init(path: String, displayPath: String? = nil) throws(BPFError) {
        let raw = try check("open pinned object", displayPath ?? path, hint: { code in
            switch code {
            case ENOENT: "nothing is pinned there"
            case EINVAL, EPERM: "not a BPF object on a bpffs"
            case EACCES: "no read access to the pin"
            default: nil
            }
        }) { Faults.call(.open) { bpf_obj_get(path) } }
        fd = OwnedFD(adopting: raw)
        kind = BPFObjectKind(fd: raw)
        self.path = displayPath ?? path
    }

    /// The kind's name for messages: "other" for what is no BPF object.
    public var kindName: String { kind?.name ?? "other" }

    /// The fd, which the caller now owns.
    public consuming func takeFD() -> OwnedFD {
        fd
    }
}

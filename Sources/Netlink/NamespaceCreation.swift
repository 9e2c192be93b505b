import BPFKit
import CNetlink
import Glibc

/// Named network namespaces as iproute2 makes and removes them
/// (`ip netns add NAME`, `ip netns del NAME`): a namespace file bind-mounted
/// at /run/netns/NAME, which keeps the namespace alive with no process in it.
///
/// A namespace is entered per thread: the work inside one runs on a thread
/// of its own (`NetNamespaceThread`), never on the caller's, which stays in
/// bpfnav's namespace whatever happens.
public enum NamedNetNamespace {
    public static let runDirectory = "/run/netns"

    public static func path(_ name: String) -> String { "\(runDirectory)/\(name)" }

    /// Whether `name` is one `ip netns` takes: a file name, not "." or "..".
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 64
            && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") }
    }

    /// A namespace's identity: its nsfs inode (as `ls -i`, bpf_link_info's
    /// netns_ino and `ip netns identify` know it) and its cookie
    /// (SO_NETNS_COOKIE, 5.14+, never reused; 0 where the kernel has none).
    /// An inode number can be reused once a namespace is gone: the cookie
    /// tells a namespace made since then from the one recorded.
    public struct Identity: Sendable, Hashable {
        public var inode: UInt64
        public var cookie: UInt64

        public init(inode: UInt64, cookie: UInt64) {
            self.inode = inode
            self.cookie = cookie
        }
    }

    /// What is at /run/netns/NAME.
    public enum Entry: Sendable, Equatable {
        case missing
        /// A namespace, with its identity.
        case namespace(Identity)
        /// Something else: a plain file (what a killed `ip netns add`
        /// leaves), a directory, a namespace of another kind.
        case other
    }

    /// What is at /run/netns/NAME. Reading a namespace's cookie enters it
    /// on a thread of its own (nothing in it is changed); a file that is no
    /// network namespace fails to be entered (EINVAL) and is `.other`.
    public static func entry(_ name: String) -> Entry {
        let file = path(name)
        var st = stat()
        guard lstat(file, &st) == 0 else { return errno == ENOENT ? .missing : .other }
        guard st.st_mode & S_IFMT == S_IFREG else { return .other }
        guard let fd = try? OwnedFD.open(file, flags: O_RDONLY) else { return .other }
        let raw = fd.raw
        let cookie = try? NetNamespaceThread.run(entering: raw, name: name) { () throws(BPFError) -> UInt64 in
            currentCookie()
        }
        guard let cookie else { return .other }
        return .namespace(Identity(inode: UInt64(st.st_ino), cookie: cookie))
    }

    /// The calling thread's namespace's cookie, 0 where the kernel has none.
    static func currentCookie() -> UInt64 {
        let sock = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard sock >= 0 else { return 0 }
        defer { close(sock) }
        var cookie: UInt64 = 0
        var size = socklen_t(MemoryLayout<UInt64>.size)
        guard getsockopt(sock, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &size) == 0 else { return 0 }
        return cookie
    }

    /// Makes /run/netns a shared mount point, as iproute2 does before its
    /// first namespace: a namespace unmounted there is then unmounted in
    /// every mount namespace that sees it, and can be freed.
    static func prepareRunDirectory() throws(BPFError) {
        if mkdir(runDirectory, 0o755) != 0, errno != EEXIST {
            throw BPFError("create directory", runDirectory, errno: errno)
        }
        var madeMountPoint = false
        while mount("", runDirectory, "none", UInt(MS_SHARED | MS_REC), nil) != 0 {
            let code = errno
            // EINVAL: not a mount point yet. Bind it onto itself, once.
            guard code == EINVAL, !madeMountPoint else {
                throw BPFError("make a shared mount point of", runDirectory, errno: code)
            }
            if mount(runDirectory, runDirectory, "none", UInt(MS_BIND | MS_REC), nil) != 0 {
                throw BPFError("bind-mount", runDirectory, errno: errno)
            }
            madeMountPoint = true
        }
    }

    /// Makes the namespace NAME, as `ip netns add NAME`, and runs `body`
    /// inside it before returning: on a thread of its own that unshares its
    /// network namespace, whose namespace file is then bind-mounted at
    /// /run/netns/NAME (created empty first, O_EXCL: an existing one is
    /// EEXIST). When anything fails, `body` included, the namespace is
    /// unmounted and its file removed again.
    public static func create<T>(_ name: String,
                                 _ body: @escaping (Identity) throws(BPFError) -> T) throws(BPFError) -> T {
        let file = path(name)
        try prepareRunDirectory()
        let created = Glibc.open(file, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)
        guard created >= 0 else {
            let code = errno
            throw BPFError("create", file, errno: code,
                           hint: code == EEXIST ? "a network namespace of that name exists: ip netns del \(name) removes it, if it is yours" : nil)
        }
        close(created)
        do throws(BPFError) {
            return try NetNamespaceThread.run(entering: nil, name: name) { () throws(BPFError) -> T in
                try check("make a network namespace for", name, hint: { code in
                    code == EPERM ? "making a network namespace needs CAP_SYS_ADMIN" : nil
                }) { bpfnav_unshare_net() }
                try check("bind-mount the new network namespace at", file) {
                    mount("/proc/self/task/\(bpfnav_gettid())/ns/net", file, "none", UInt(MS_BIND), nil)
                }
                var st = stat()
                try check("stat", file) { stat(file, &st) }
                return try body(Identity(inode: UInt64(st.st_ino), cookie: currentCookie()))
            }
        } catch {
            _ = unmountAndRemove(name)
            throw error
        }
    }

    /// Removes the namespace file of NAME, as `ip netns del NAME`: a lazy
    /// unmount, then unlink. The namespace itself ends with its last user.
    /// Returns 0 or the errno of the step that failed.
    @discardableResult
    public static func unmountAndRemove(_ name: String) -> Int32 {
        let file = path(name)
        var failed: Int32 = 0
        if umount2(file, Int32(MNT_DETACH)) != 0, errno != EINVAL, errno != ENOENT { failed = errno }
        if unlink(file) != 0, errno != ENOENT, failed == 0 { failed = errno }
        return failed
    }

    /// Runs `body` inside the namespace NAME (entered through
    /// /run/netns/NAME on a thread of its own).
    public static func run<T>(in name: String,
                              _ body: @escaping () throws(BPFError) -> T) throws(BPFError) -> T {
        let fd = try OwnedFD.open(path(name), flags: O_RDONLY)
        let raw = fd.raw
        return try withExtendedLifetime(fd) { () throws(BPFError) -> T in
            try NetNamespaceThread.run(entering: raw, name: name, body)
        }
    }
}

/// Runs work in a network namespace on a thread of its own, which ends with
/// it: the caller's thread never changes namespace.
enum NetNamespaceThread {
    private final class Job: @unchecked Sendable {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts a thread that enters the namespace `fd` (setns; with nil it
    /// stays in bpfnav's, for a body that unshares), runs `body` there and
    /// ends; waits for it and returns what `body` returned or threw.
    static func run<T>(entering fd: Int32?, name: String,
                       _ body: @escaping () throws(BPFError) -> T) throws(BPFError) -> T {
        var result: Result<T, BPFError>?
        let job = Job {
            do throws(BPFError) {
                if let fd {
                    try check("enter network namespace", name) { bpfnav_setns_net(fd) }
                }
                result = .success(try body())
            } catch {
                result = .failure(error)
            }
        }
        let context = Unmanaged.passRetained(job).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { argument in
            Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, context)
        guard started == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            throw BPFError("start a thread for network namespace", name, errno: started)
        }
        pthread_join(thread, nil)
        guard let result else { throw BPFError("run in network namespace", name, errno: EIO) }
        return try result.get()
    }
}

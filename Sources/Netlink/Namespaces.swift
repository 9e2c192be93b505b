import BPFKit
import CNetlink
import Glibc

extension NetNamespace {
    /// Every network namespace bpfnav can see: those of the processes in
    /// /proc and those named in /run/netns (and /var/run/netns where it is
    /// another directory), one entry per namespace (st_dev, st_ino). Its
    /// own first, then the named ones by name, then the rest by pid.
    /// Every process's namespace is looked at (a `NetNamespaceScanner` that
    /// remembers none).
    public static func all(proc: String = "/proc", runDirectories: [String] = ["/run/netns", "/var/run/netns"]) -> [NetNamespace] {
        NetNamespaceScanner(proc: proc, runDirectories: runDirectories, rescanInterval: 0).scan()
    }

    /// The names in `directory`, without "." and "..".
    static func names(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Runs `body` on the calling thread inside this namespace and returns
    /// to the thread's own namespace afterwards, also when `body` throws.
    /// Sockets made inside stay in this namespace; ifindexes given to the
    /// kernel inside are this namespace's. `body` must not suspend: the
    /// namespace belongs to the thread. Failing to go back is fatal: bpfnav
    /// never goes on in the wrong namespace.
    public func entered<T>(_ body: (_ namespaceFD: Int32) throws(BPFError) -> T) throws(BPFError) -> T {
        let target = open(path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw BPFError("open network namespace", path, errno: errno) }
        defer { close(target) }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw BPFError("open network namespace", "/proc/thread-self/ns/net", errno: errno) }
        defer { close(original) }
        // Already there (bpfnav's own namespace): no setns, which would
        // need CAP_SYS_ADMIN.
        var here = stat(), there = stat()
        if fstat(original, &here) == 0, fstat(target, &there) == 0, here.st_dev == there.st_dev, here.st_ino == there.st_ino {
            return try body(target)
        }
        guard setns(target, CLONE_NEWNET) == 0 else {
            throw BPFError("enter network namespace", path, errno: errno)
        }
        defer {
            if setns(original, CLONE_NEWNET) != 0 {
                fatalError("bpfnav: cannot return to its own network namespace after entering \(path): \(String(cString: strerror(errno)))")
            }
        }
        return try body(target)
    }
}

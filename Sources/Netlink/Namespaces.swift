import BPFKit
import CNetlink
import Glibc

extension NetNamespace {
    /// Every network namespace bpfnav can see: those of the processes in
    /// /proc and those named in /run/netns (and /var/run/netns where it is
    /// another directory), one entry per namespace (st_dev, st_ino). Its
    /// own first, then the named ones by name, then the rest by pid.
    public static func all(proc: String = "/proc", runDirectories: [String] = ["/run/netns", "/var/run/netns"]) -> [NetNamespace] {
        struct Key: Hashable { var device: UInt64; var inode: UInt64 }
        var found: [Key: NetNamespace] = [:]
        var own: Key?
        var status = stat()
        if stat("\(proc)/self/ns/net", &status) == 0 {
            own = Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        }

        func note(_ path: String, name: String?, pid: Int32?) {
            var status = stat()
            guard stat(path, &status) == 0 else { return }
            let key = Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
            var entry = found[key] ?? NetNamespace(inode: key.inode, name: nil, pid: nil, isCurrent: key == own, path: path)
            if let name, entry.name == nil || name < entry.name! {
                entry.name = name
                entry.path = path
            }
            if let pid, entry.pid == nil || pid < entry.pid! {
                entry.pid = pid
                if entry.name == nil { entry.path = path }
            }
            found[key] = entry
        }

        // The same directory reached twice (/var/run -> /run) counts once.
        var seenDirectories: Set<Key> = []
        for directory in runDirectories {
            var status = stat()
            guard stat(directory, &status) == 0 else { continue }
            guard seenDirectories.insert(Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))).inserted else { continue }
            for name in Self.entries(of: directory) where name != "." && name != ".." {
                note("\(directory)/\(name)", name: name, pid: nil)
            }
        }
        for entry in Self.entries(of: proc) {
            guard let pid = Int32(entry), pid > 0 else { continue }
            note("\(proc)/\(entry)/ns/net", name: nil, pid: pid)
        }
        return found.values.sorted { a, b in
            if a.isCurrent != b.isCurrent { return a.isCurrent }
            switch (a.name, b.name) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: break
            }
            if a.pid != b.pid { return (a.pid ?? .max) < (b.pid ?? .max) }
            return a.inode < b.inode
        }
    }

    private static func entries(of directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            names.append(name)
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

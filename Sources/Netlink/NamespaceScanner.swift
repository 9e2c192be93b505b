import Glibc
import Synchronization

/// Finds the network namespaces as `NetNamespace.all` does, remembering
/// each process's namespace between scans: a long-lived caller (the
/// exporter, scraped every few seconds) stats /proc/PID/ns/net only for
/// processes it has not seen (a stat there costs the kernel ~5-8 µs: with
/// 2,000 processes that was most of a scrape's attachments phase). A new
/// process is looked at again at the next scan, and remembered only when
/// both looks agree: a process that changes namespace right after it starts
/// (`unshare -n`, `ip netns exec`, a service manager's child setting up a
/// private network) is not taken for one in its parent's.
///
/// A process is known by its pid and the inode of its /proc/PID directory
/// (readdir's d_ino: procfs makes a new inode for a new process, so a reused
/// pid is a new process here). /run/netns is read whole every scan, and so
/// is /proc's list of pids: a vanished process is forgotten at once.
///
/// What a cache cannot see: a process that changes namespace in place
/// (its main thread calls setns or unshare) after those two looks keeps
/// its remembered one until the next full scan,
/// every `rescanInterval` seconds. The path chosen to enter each namespace
/// is stat'ed again at every scan, and any mismatch (that process moved, or
/// is gone) makes that scan a full one: a namespace is never entered
/// through a path that leads elsewhere, and only a namespace that a moved
/// process alone is in can be missed, for at most `rescanInterval`.
///
/// Scans from several threads take turns.
public final class NetNamespaceScanner: @unchecked Sendable {
    struct Key: Hashable { var device: UInt64; var inode: UInt64 }
    /// `confirmed`: two looks at consecutive scans found `namespace`.
    struct Known { var procInode: UInt64; var namespace: Key; var confirmed: Bool }

    let proc: String
    let runDirectories: [String]
    /// Seconds between full scans; 0: every scan is full.
    public let rescanInterval: Double
    private let clock: () -> Double
    private var known: [Int32: Known] = [:]
    private var lastFullScan: Double?
    private let turns = Mutex(())
    /// Namespace files stat'ed by the last scan, and whether it was a full
    /// one (for tests).
    public private(set) var lastStats = 0
    public private(set) var lastWasFull = false

    public init(proc: String = "/proc", runDirectories: [String] = ["/run/netns", "/var/run/netns"],
                rescanInterval: Double = 30, clock: @escaping () -> Double = NetNamespaceScanner.monotonic) {
        self.proc = proc
        self.runDirectories = runDirectories
        self.rescanInterval = rescanInterval
        self.clock = clock
    }

    public static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    public func scan() -> [NetNamespace] {
        turns.withLock { _ in
            let now = clock()
            let full = rescanInterval <= 0 || lastFullScan.map { now - $0 >= rescanInterval || now < $0 } ?? true
            if let found = scan(full: full) { return found }
            // A chosen path led elsewhere: every process again.
            return scan(full: true) ?? []
        }
    }

    private func namespaceKey(_ path: String) -> Key? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        lastStats += 1
        return Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// nil when not `full` and a chosen path no longer leads to its
    /// namespace.
    private func scan(full: Bool) -> [NetNamespace]? {
        lastStats = 0
        lastWasFull = full
        if full { lastFullScan = clock() }
        var found: [Key: NetNamespace] = [:]
        let own = namespaceKey("\(proc)/self/ns/net")

        // A named namespace is entered through its smallest name, any other
        // through its lowest pid (the path is made once, at the end).
        func note(_ key: Key, name: String?, path: String?, pid: Int32?) {
            var entry = found[key] ?? NetNamespace(inode: key.inode, name: nil, pid: nil, isCurrent: key == own, path: "")
            if let name, let path, entry.name == nil || name < entry.name! {
                entry.name = name
                entry.path = path
            }
            if let pid, entry.pid == nil || pid < entry.pid! { entry.pid = pid }
            found[key] = entry
        }

        // The same directory reached twice (/var/run -> /run) counts once.
        var seenDirectories: Set<Key> = []
        for directory in runDirectories {
            var status = stat()
            guard stat(directory, &status) == 0 else { continue }
            guard seenDirectories.insert(Key(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))).inserted else { continue }
            for name in NetNamespace.names(in: directory) {
                let path = "\(directory)/\(name)"
                if let key = namespaceKey(path) { note(key, name: name, path: path, pid: nil) }
            }
        }
        var current: [Int32: Known] = [:]
        current.reserveCapacity(known.count + 64)
        var lowest: [Key: Int32] = [:]
        for (pid, procInode) in Self.processes(proc) {
            let key: Key
            let remembered = known[pid].flatMap { $0.procInode == procInode ? $0 : nil }
            if !full, let remembered, remembered.confirmed {
                key = remembered.namespace
                current[pid] = remembered
            } else {
                guard let looked = namespaceKey("\(proc)/\(pid)/ns/net") else { continue }
                key = looked
                current[pid] = Known(procInode: procInode, namespace: key, confirmed: remembered?.namespace == key)
            }
            if let seen = lowest[key], seen <= pid { continue }
            lowest[key] = pid
        }
        for (key, pid) in lowest { note(key, name: nil, path: nil, pid: pid) }
        for (key, entry) in found where entry.name == nil {
            found[key]!.path = "\(proc)/\(entry.pid!)/ns/net"
        }
        known = current
        if !full {
            // The paths that will be entered lead where they are said to.
            for (key, namespace) in found where namespace.name == nil {
                guard namespaceKey(namespace.path) == key else { return nil }
            }
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

    /// The pids in `proc` and the inodes of their directories, without a
    /// String per entry.
    static func processes(_ proc: String) -> [(pid: Int32, inode: UInt64)] {
        guard let handle = opendir(proc) else { return [] }
        defer { closedir(handle) }
        var found: [(pid: Int32, inode: UInt64)] = []
        found.reserveCapacity(1024)
        while let entry = readdir(handle) {
            let pid = withUnsafeBytes(of: entry.pointee.d_name) { raw -> Int32 in
                var n: Int64 = 0
                for byte in raw {
                    if byte == 0 { break }
                    guard byte >= 48, byte <= 57, n <= Int64(Int32.max) else { return 0 }
                    n = n * 10 + Int64(byte - 48)
                }
                return n <= Int64(Int32.max) ? Int32(n) : 0
            }
            if pid > 0 { found.append((pid, UInt64(entry.pointee.d_ino))) }
        }
        return found
    }
}

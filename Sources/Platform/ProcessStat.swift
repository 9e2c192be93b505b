import Glibc

/// What /proc/PID/stat and /proc/PID/cmdline say about a process that the
/// task iterator does not carry: CPU time, resident memory, arguments.
public struct ProcessStat: Equatable, Sendable {
    /// utime + stime of the whole thread group (dead threads included), ns.
    public var cpuTime: UInt64
    /// Resident set size, bytes.
    public var rss: UInt64

    public init(cpuTime: UInt64, rss: UInt64) {
        self.cpuTime = cpuTime
        self.rss = rss
    }

    /// /proc/PID/stat, or nil when the process is gone or hidden.
    public static func read(pid: UInt32) -> ProcessStat? {
        FileBytes.readWhole("/proc/\(pid)/stat").flatMap { parse($0) }
    }

    public static let ticksPerSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
    public static let pageSize = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))

    /// Fields after the comm, which ends at the last ')' (a comm may hold
    /// spaces and parentheses): state is field 3, utime 14, stime 15, rss 24.
    public static func parse(_ bytes: [UInt8], ticksPerSecond: UInt64 = ticksPerSecond,
                             pageSize: UInt64 = pageSize) -> ProcessStat? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is field 3 (state).
        func number(_ field: Int) -> UInt64? {
            let index = field - 3
            guard index < fields.count else { return nil }
            return UInt64(String(decoding: fields[index], as: UTF8.self).trimmingNewline)
        }
        guard let utime = number(14), let stime = number(15), let rss = number(24) else { return nil }
        return ProcessStat(cpuTime: (utime + stime) * 1_000_000_000 / ticksPerSecond, rss: rss * pageSize)
    }

    /// A process's arguments from /proc/PID/cmdline, separated by spaces,
    /// at most `limit` bytes; nil when empty (kernel threads, zombies) or
    /// unreadable.
    public static func commandLine(pid: UInt32, limit: Int = 4096) -> [UInt8]? {
        let fd = open("/proc/\(pid)/cmdline", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, limit - count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            count += n
        }
        return arguments(Array(buffer[0..<count]))
    }

    /// NUL-separated arguments as one line: NULs become spaces, trailing
    /// ones dropped.
    public static func arguments(_ raw: [UInt8]) -> [UInt8]? {
        var bytes = raw
        while bytes.last == 0 { bytes.removeLast() }
        guard !bytes.isEmpty else { return nil }
        return bytes.map { $0 == 0 ? UInt8(ascii: " ") : $0 }
    }
}

private extension String {
    var trimmingNewline: Substring {
        var s = Substring(self)
        while s.last == "\n" { s.removeLast() }
        return s
    }
}

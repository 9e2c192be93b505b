import Glibc

/// An open file descriptor that is closed exactly once, when its owner ends.
public struct OwnedFD: ~Copyable, Sendable {
    public let raw: Int32

    public init(adopting raw: Int32) {
        self.raw = raw
    }

    /// Gives up ownership without closing.
    public consuming func release() -> Int32 {
        let fd = raw
        discard self
        return fd
    }

    deinit {
        close(raw)
    }
}

public extension OwnedFD {
    /// `open(2)` with the error named after `path`.
    static func open(_ path: String, flags: Int32, mode: mode_t = 0, operation: String = "open") throws(BPFError) -> OwnedFD {
        let fd = try check(operation, path) {
            Glibc.open(path, flags | O_CLOEXEC, mode)
        }
        return OwnedFD(adopting: fd)
    }
}

/// How many more fds this process may open (RLIMIT_NOFILE minus those
/// open now): when a load fails with few left, the limit is the likely cause.
public enum FileDescriptorHeadroom {
    public static func limit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return .max }
        return UInt64(limit.rlim_cur)
    }

    public static func current() -> Int {
        let soft = limit()
        guard soft != .max, soft < UInt64(Int.max) else { return .max }
        var open = 0
        if let dir = opendir("/proc/self/fd") {
            while let entry = readdir(dir) {
                if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { open += 1 }
            }
            closedir(dir)
            open -= 1 // the directory's own fd
        }
        return max(0, Int(soft) - open)
    }
}

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

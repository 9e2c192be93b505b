import Glibc

/// Reads an iterator (an fd from `bpf_iter_create`, or a pinned iterator
/// opened with `open(2)`) to its end.
///
/// The kernel's seq_file hands out any amount per read, down to one byte.
/// `EAGAIN` is retried; `EINTR` too. `E2BIG` (one object's output did not fit
/// the seq_file buffer) ends the read with an error that keeps what was read.
public struct IterReader: ~Copyable {
    public let fd: OwnedFD
    public let subject: String
    public let bufferSize: Int

    public init(fd: consuming OwnedFD, subject: String, bufferSize: Int = 64 * 1024) {
        self.fd = fd
        self.subject = subject
        self.bufferSize = max(1, bufferSize)
    }

    /// Opens a pinned iterator at `path`.
    public init(pinnedAt path: String, bufferSize: Int = 64 * 1024) throws(BPFError) {
        // Whether the path exists is asked only when the open failed.
        func exists() -> Bool {
            var st = stat()
            return lstat(path, &st) == 0
        }
        let fd = try check("open pinned iterator", path, hint: { code in
            switch code {
            case ENOENT where exists():
                "it is there, but the kernel would not open it as an iterator (is it one? bpfnav pins \(path) says what it is)"
            case ENOENT: "nothing is pinned there: see bpfnav pins"
            case EACCES: "no read access to the pin (bpfnav pins are 0600 unless pinned with --mode)"
            default: nil
            }
        }) { Faults.call(.open) { open(path, O_RDONLY | O_CLOEXEC) } }
        self.init(fd: OwnedFD(adopting: fd), subject: path, bufferSize: bufferSize)
    }

    /// Calls `body` with each chunk as it arrives; memory stays one buffer.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var total = 0
        while true {
            let n = Faults.call(.read) { read(fd.raw, buffer.baseAddress, bufferSize) }
            if n > 0 {
                total += n
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                continue
            }
            if n == 0 { return }
            let code = errno
            if code == EAGAIN || code == EINTR { continue }
            throw IterReadError(
                error: BPFError("read iterator", subject, errno: code, hint: code == E2BIG
                    ? "one object's output did not fit the kernel's seq_file buffer; \(total) bytes were read before it"
                    : nil),
                bytesRead: total)
        }
    }

    /// Everything, as bytes. On error the bytes read so far are in the error.
    public func readAll() throws(IterReadError) -> [UInt8] {
        var out: [UInt8] = []
        do {
            try forEachChunk { out.append(contentsOf: $0) }
        } catch var error as IterReadError {
            error.partial = out
            throw error
        } catch {
            fatalError("unreachable: forEachChunk's body does not throw here")
        }
        return out
    }
}

/// A read that failed part way; `partial` is what came before the failure.
public struct IterReadError: Error, CustomStringConvertible {
    public var error: BPFError
    public var bytesRead: Int
    public var partial: [UInt8] = []

    public var description: String { error.description }
}

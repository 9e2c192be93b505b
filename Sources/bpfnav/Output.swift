import Glibc

/// Buffered writes to a file descriptor, without Foundation.
final class Output {
    nonisolated(unsafe) static let standardOutput = Output(fd: 1)
    nonisolated(unsafe) static let standardError = Output(fd: 2, bufferLimit: 0)

    private let fd: Int32
    private let bufferLimit: Int
    private var buffer: [UInt8] = []

    init(fd: Int32, bufferLimit: Int = 64 * 1024) {
        self.fd = fd
        self.bufferLimit = bufferLimit
        buffer.reserveCapacity(bufferLimit)
    }

    func write(_ text: String) {
        write(bytes: Array(text.utf8))
    }

    func write(bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        if buffer.count > bufferLimit { flush() }
    }

    func flush() {
        var start = 0
        while start < buffer.count {
            let n = buffer[start...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                // A closed pipe or a full disk: nothing more can be written.
                break
            }
            start += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

import Glibc

/// The reader of bpfnav's output went away (EPIPE): stop quietly.
struct OutputClosed: Error {}

/// Buffered writes to a file descriptor, without Foundation, with the
/// appenders the encoders need on their hot path.
final class Output {
    nonisolated(unsafe) static let standardOutput = Output(fd: 1)
    nonisolated(unsafe) static let standardError = Output(fd: 2, bufferLimit: 0)

    private let fd: Int32
    private let bufferLimit: Int
    var buffer: [UInt8] = []
    /// Set once a write failed; later writes are dropped.
    private(set) var failed: Int32 = 0

    init(fd: Int32, bufferLimit: Int = 64 * 1024) {
        self.fd = fd
        self.bufferLimit = bufferLimit
        buffer.reserveCapacity(min(bufferLimit, 1 << 16) + 8192)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        flushIfFull()
    }

    func write(bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
        flushIfFull()
    }

    @inline(__always)
    func flushIfFull() {
        if buffer.count > bufferLimit { flush() }
    }

    /// Writes what is buffered. A closed pipe throws `OutputClosed` from
    /// `check()`; here it only marks the stream failed.
    func flush() {
        var start = 0
        while start < buffer.count, failed == 0 {
            let n = buffer[start...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                failed = errno
                break
            }
            start += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Throws when the reader has gone, so a dump stops reading the kernel.
    func check() throws(OutputClosed) {
        if failed != 0 { throw OutputClosed() }
    }

    deinit { flush() }

    // MARK: - Appenders

    @inline(__always)
    func append(_ text: StaticString) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    @inline(__always)
    func append(byte: UInt8) {
        buffer.append(byte)
    }

    func append(_ value: UInt64) {
        if value < 10 {
            buffer.append(UInt8(truncatingIfNeeded: value) &+ 48)
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                     UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while v > 0 {
                raw[count] = UInt8(truncatingIfNeeded: v % 10) &+ 48
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { buffer.append(raw[i]) }
        }
    }

    func append(_ value: UInt32) { append(UInt64(value)) }

    func append(_ value: Int64) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            append(value.magnitude)
        } else {
            append(UInt64(value))
        }
    }

    /// Lower-case hex, zero-padded to at least `width` digits.
    func append(hex value: UInt64, width: Int = 1) {
        let digits = max(width, (64 - value.leadingZeroBitCount + 3) / 4)
        for i in stride(from: digits - 1, through: 0, by: -1) {
            let nibble = i >= 16 ? 0 : UInt8(truncatingIfNeeded: (value >> UInt64(i * 4)) & 0xf)
            buffer.append(nibble < 10 ? nibble &+ 48 : nibble &+ 87)
        }
    }

    /// Octal with a leading 0, as /proc/PID/fdinfo shows flags.
    func append(octal value: UInt64) {
        buffer.append(UInt8(ascii: "0"))
        if value == 0 { return }
        let digits = (64 - value.leadingZeroBitCount + 2) / 3
        for i in stride(from: digits - 1, through: 0, by: -1) {
            buffer.append(UInt8(truncatingIfNeeded: (value >> UInt64(i * 3)) & 7) &+ 48)
        }
    }

    /// `text` right-aligned in `width` columns (ASCII content).
    func append(padLeft width: Int, _ body: () -> Void) {
        let start = buffer.count
        body()
        let written = buffer.count - start
        if written < width {
            buffer.insert(contentsOf: repeatElement(UInt8(ascii: " "), count: width - written), at: start)
        }
    }

    /// `text` left-aligned in `width` columns (ASCII content).
    func append(padRight width: Int, _ body: () -> Void) {
        let start = buffer.count
        body()
        let written = buffer.count - start
        if written < width {
            buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width - written))
        }
    }
}

import Glibc

/// A write of bpfnav's output failed: the reader went away (EPIPE: stop
/// quietly), or the file it goes to cannot take more (ENOSPC, EIO…: stop and
/// say so, see `Output.failed`).
public struct OutputClosed: Error {
    public init() {}
}

/// Buffered writes to a file descriptor, without Foundation, with the
/// appenders the encoders need on their hot path.
public final class Output {
    public nonisolated(unsafe) static let standardOutput = Output(fd: 1)
    public nonisolated(unsafe) static let standardError = Output(fd: 2, bufferLimit: 0)

    private let fd: Int32
    @usableFromInline let bufferLimit: Int
    /// The pending bytes: a plain allocation rather than an Array, because
    /// every row of a 100,000-row dump goes through here byte by byte and
    /// Array's uniqueness and bounds checks showed up in profiles.
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var storedCount = 0
    public var count: Int { storedCount }
    /// Set once a write failed; later writes are dropped.
    public private(set) var failed: Int32 = 0

    public init(fd: Int32, bufferLimit: Int = 64 * 1024) {
        self.fd = fd
        self.bufferLimit = bufferLimit
        capacity = min(bufferLimit, 1 << 16) + 8192
        base = .allocate(capacity: capacity)
    }

    deinit {
        flush()
        base.deallocate()
    }

    /// What is buffered (tests and in-memory rendering).
    public var buffer: [UInt8] { Array(UnsafeBufferPointer(start: base, count: storedCount)) }

    @inlinable @inline(__always)
    func reserve(_ extra: Int) {
        if storedCount + extra > capacity { grow(storedCount + extra) }
    }

    @usableFromInline
    func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: base, count: storedCount)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    public func write(_ text: String) {
        var text = text
        text.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
        flushIfFull()
    }

    public func write(bytes: some Collection<UInt8>) {
        reserve(bytes.count)
        for byte in bytes {
            base[storedCount] = byte
            storedCount += 1
        }
        flushIfFull()
    }

    @inlinable @inline(__always)
    public func flushIfFull() {
        if storedCount > bufferLimit { flush() }
    }

    /// Reformats JSON as it is flushed (`-p`, `--pretty`).
    public var pretty: PrettyJSON?

    /// Writes what is buffered. A closed pipe throws `OutputClosed` from
    /// `check()`; here it only marks the stream failed.
    public func flush() {
        if pretty != nil, storedCount > 0 {
            let text = pretty!.feed(UnsafeBufferPointer(start: base, count: storedCount))
            storedCount = 0
            text.withUnsafeBufferPointer { if let start = $0.baseAddress { writeOut(start, $0.count) } }
            return
        }
        writeOut(base, storedCount)
        storedCount = 0
    }

    private func writeOut(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        var start = 0
        while start < count, failed == 0 {
            let n = Glibc.write(fd, bytes + start, count - start)
            if n < 0 {
                if errno == EINTR { continue }
                failed = errno
                break
            }
            start += n
        }
    }

    /// Throws when the reader has gone, so a dump stops reading the kernel.
    public func check() throws(OutputClosed) {
        if failed != 0 { throw OutputClosed() }
    }

    // MARK: - Appenders

    @inlinable @inline(__always)
    public func append(_ text: StaticString) {
        append(bytes: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inlinable @inline(__always)
    public func append(bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        if let source = bytes.baseAddress, bytes.count > 0 {
            (base + storedCount).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }
        storedCount += bytes.count
    }

    @inlinable @inline(__always)
    public func append(byte: UInt8) {
        reserve(1)
        base[storedCount] = byte
        storedCount += 1
    }

    public func append(_ value: UInt64) {
        reserve(20)
        if value < 10 {
            base[storedCount] = UInt8(truncatingIfNeeded: value) &+ 48
            storedCount += 1
            return
        }
        var digits = 0
        var v = value
        while v > 0 { v /= 10; digits += 1 }
        v = value
        var at = storedCount + digits - 1
        while v > 0 {
            base[at] = UInt8(truncatingIfNeeded: v % 10) &+ 48
            v /= 10
            at -= 1
        }
        storedCount += digits
    }

    public func append(_ value: UInt32) { append(UInt64(value)) }

    public func append(_ value: Int64) {
        if value < 0 {
            append(byte: UInt8(ascii: "-"))
            append(value.magnitude)
        } else {
            append(UInt64(value))
        }
    }

    /// Lower-case hex, zero-padded to at least `width` digits.
    public func append(hex value: UInt64, width: Int = 1) {
        let digits = max(width, (64 - value.leadingZeroBitCount + 3) / 4, 1)
        reserve(digits)
        var v = value
        var at = storedCount + digits
        // Two digits per step from a table: addresses are 12 digits, and a
        // VMA dump writes two per row.
        Output.hexPairs.withUnsafeBufferPointer { pairs in
            while at - storedCount >= 2 {
                let pair = pairs[Int(truncatingIfNeeded: v & 0xff)]
                at -= 2
                base[at] = UInt8(truncatingIfNeeded: pair >> 8)
                base[at + 1] = UInt8(truncatingIfNeeded: pair & 0xff)
                v >>= 8
            }
        }
        if at > storedCount {
            let nibble = UInt8(truncatingIfNeeded: v & 0xf)
            base[storedCount] = nibble < 10 ? nibble &+ 48 : nibble &+ 87
        }
        storedCount += digits
    }

    /// "00" … "ff" as (high << 8 | low) ASCII pairs.
    private static let hexPairs: [UInt16] = (0..<256).map { byte in
        func digit(_ n: Int) -> UInt16 { UInt16(n < 10 ? n + 48 : n + 87) }
        return digit(byte >> 4) << 8 | digit(byte & 0xf)
    }

    /// Octal with a leading 0, as /proc/PID/fdinfo shows flags.
    public func append(octal value: UInt64) {
        append(byte: UInt8(ascii: "0"))
        if value == 0 { return }
        let digits = (64 - value.leadingZeroBitCount + 2) / 3
        reserve(digits)
        var v = value
        var at = storedCount + digits - 1
        for _ in 0..<digits {
            base[at] = UInt8(truncatingIfNeeded: v & 7) &+ 48
            v >>= 3
            at -= 1
        }
        storedCount += digits
    }

    /// What `body` appends, right-aligned in `width` columns (ASCII).
    public func append(padLeft width: Int, _ body: () -> Void) {
        let start = storedCount
        body()
        let written = storedCount - start
        guard written < width else { return }
        let pad = width - written
        reserve(pad)
        memmove(base + start + pad, base + start, written)
        (base + start).update(repeating: UInt8(ascii: " "), count: pad)
        storedCount += pad
    }

    /// What `body` appends, left-aligned in `width` columns (ASCII).
    public func append(padRight width: Int, _ body: () -> Void) {
        let start = storedCount
        body()
        let written = storedCount - start
        guard written < width else { return }
        reserve(width - written)
        (base + storedCount).update(repeating: UInt8(ascii: " "), count: width - written)
        storedCount += width - written
    }
}

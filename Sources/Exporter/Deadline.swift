import Glibc

/// The end of a collection's budget on the monotonic clock, checked between
/// phases and between objects. The clock is injectable (tests).
public struct Deadline: Sendable {
    public typealias Clock = @Sendable () -> UInt64

    /// CLOCK_MONOTONIC in nanoseconds.
    public static let monotonic: Clock = {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    public let start: UInt64
    public let end: UInt64
    private let clock: Clock

    /// `seconds` from now (0 or less: already past).
    public init(seconds: Double, clock: @escaping Clock = Deadline.monotonic) {
        self.clock = clock
        start = clock()
        end = seconds > 0 ? start &+ UInt64(min(seconds, 1e9) * 1e9) : start
    }

    public var expired: Bool { clock() >= end }

    /// Seconds since the start.
    public var elapsed: Double { Double(clock() &- start) / 1e9 }
}

import BPFKit
import Glibc

/// Programs' run-time statistics: events per second and CPU share, from the
/// kernel's `run_cnt` and `run_time_ns`, as bpftop shows them.
///
/// The kernel only counts while statistics are enabled. `enable()` takes a
/// `BPF_ENABLE_STATS(BPF_STATS_RUN_TIME)` fd: statistics stay on while it is
/// open, and the kernel turns them back off when the last such fd closes
/// (`disable()`, deinit, or bpfnav's exit, even a crash). The kernel counts
/// those fds apart from the sysctl: `kernel.bpf_stats_enabled` keeps reading
/// what was last written to it, so bpfnav never changes it. If it reads 1,
/// someone else turned statistics on and owns them: bpfnav takes no fd.
public final class RunStats {
    public struct Rate: Equatable, Sendable {
        /// Runs of the program per second.
        public var eventsPerSecond: Double
        /// run_time_ns delta over wall-clock delta, × 100: one CPU fully
        /// busy is 100, so a program on several CPUs can exceed it.
        public var cpuPercent: Double

        public init(eventsPerSecond: Double, cpuPercent: Double) {
            self.eventsPerSecond = eventsPerSecond
            self.cpuPercent = cpuPercent
        }
    }

    public static let sysctlPath = "/proc/sys/kernel/bpf_stats_enabled"

    /// Whether statistics are on for bpfnav: its own fd, or someone else's.
    public private(set) var enabled = false
    /// The fd that keeps statistics on; nil when bpfnav holds none.
    private var statsFD: OwnedFD?
    private var previous: (time: UInt64, counters: [UInt32: Counters])?

    public init() {}

    deinit { disable() }

    /// Turns statistics on until `disable()`; nothing to do if they are on.
    public func enable() throws(BPFError) {
        if enabled { return }
        if Self.sysctlEnabled() == true {
            enabled = true
            return
        }
        statsFD = try RunTimeStatistics.enable()
        enabled = true
    }

    /// Closes bpfnav's fd (if it holds one): the kernel restores the
    /// previous state. Rates computed after this stay at zero.
    public func disable() {
        statsFD = nil
        enabled = false
    }

    /// Whether `kernel.bpf_stats_enabled` reads 1; nil if it cannot be read.
    public static func sysctlEnabled() -> Bool? {
        let fd = Glibc.open(sysctlPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var byte: UInt8 = 0
        guard read(fd, &byte, 1) == 1 else { return nil }
        return byte == UInt8(ascii: "1")
    }

    /// Rates of `programs` (by id) since the previous sample. The first
    /// sample, and a program not in the previous one, have no rate yet.
    public func sample(programs: [ProgramInfo], now: UInt64 = RunStats.monotonicNanoseconds()) -> [UInt32: Rate] {
        var counters: [UInt32: Counters] = [:]
        for program in programs {
            counters[program.id] = Counters(runCount: program.runCount, runTimeNs: program.runTimeNs)
        }
        return sample(counters: counters, now: now)
    }

    /// A program's `run_cnt` and `run_time_ns`.
    struct Counters: Equatable {
        var runCount: UInt64
        var runTimeNs: UInt64
    }

    func sample(counters: [UInt32: Counters], now: UInt64) -> [UInt32: Rate] {
        defer { previous = (now, counters) }
        guard let previous, now > previous.time else { return [:] }
        let seconds = Double(now - previous.time) / 1e9
        var rates: [UInt32: Rate] = [:]
        for (id, current) in counters {
            // A counter that went backwards is a new program or a reset:
            // no rate until the next sample.
            guard let before = previous.counters[id], current.runCount >= before.runCount,
                  current.runTimeNs >= before.runTimeNs else { continue }
            let runs = Double(current.runCount - before.runCount)
            let busy = Double(current.runTimeNs - before.runTimeNs) / 1e9
            rates[id] = Rate(eventsPerSecond: runs / seconds, cpuPercent: busy / seconds * 100)
        }
        return rates
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

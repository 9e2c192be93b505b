/// One interval of a program's run-time statistics: what happened between
/// two snapshots, as bpftop computes it.
public struct ProgramSample: Sendable, Equatable {
    /// When the interval ended (the snapshot's time, in seconds).
    public var time: Double
    /// How long the interval was, in seconds.
    public var seconds: Double
    /// run_cnt delta / seconds.
    public var eventsPerSecond: Double
    /// run_time_ns delta / run_cnt delta; nil when the program did not run.
    public var averageRunNs: Double?
    /// run_time_ns delta / elapsed ns × 100: one CPU fully busy is 100 (a
    /// program on several CPUs at once can exceed it), as bpftop's CPU%.
    public var cpuPercent: Double

    public init(time: Double, seconds: Double, eventsPerSecond: Double, averageRunNs: Double?, cpuPercent: Double) {
        self.time = time
        self.seconds = seconds
        self.eventsPerSecond = eventsPerSecond
        self.averageRunNs = averageRunNs
        self.cpuPercent = cpuPercent
    }
}

/// The last `capacity` elements appended: the oldest goes when a new one
/// comes into a full ring.
public struct SampleRing<Element: Sendable>: Sendable {
    public let capacity: Int
    private var storage: [Element] = []
    /// Where the oldest element is once the ring is full.
    private var head = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "a ring holds at least one element")
        self.capacity = capacity
    }

    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
    }

    public var count: Int { storage.count }

    /// Oldest first.
    public var elements: [Element] { Array(storage[head...] + storage[..<head]) }

    public var first: Element? { storage.isEmpty ? nil : storage[head] }

    public var last: Element? {
        storage.isEmpty ? nil : storage[(head + storage.count - 1) % storage.count]
    }
}

/// Every program's run-time statistics over the browser's session: one
/// sample per program at each snapshot taken while statistics are on,
/// the last `capacity` of them (300 at the default 2 s: ten minutes). A
/// program that is gone from a snapshot loses its history.
public struct ProgramHistory: Sendable {
    public static let defaultCapacity = 300

    /// A program's counters at the last snapshot.
    struct Counters: Equatable {
        var runCount: UInt64
        var runTimeNs: UInt64
    }

    public let capacity: Int
    private var baseline: (time: Double, counters: [UInt32: Counters])?
    private var rings: [UInt32: SampleRing<ProgramSample>] = [:]

    public init(capacity: Int = ProgramHistory.defaultCapacity) {
        self.capacity = capacity
    }

    /// Adds the interval since the last snapshot, `snapshot` being taken at
    /// `time` (seconds, of any monotonic clock).
    ///
    /// Nothing is added while statistics are off (the kernel does not
    /// count: a zero would be no measurement), for a program first seen now,
    /// or for one whose counters went backwards. A snapshot whose programs
    /// could not be listed changes nothing.
    public mutating func record(_ snapshot: BrowserSnapshot, at time: Double) {
        guard snapshot.errors[.programs] == nil else { return }
        var counters: [UInt32: Counters] = [:]
        for program in snapshot.programs {
            counters[program.id] = Counters(runCount: program.info.runCount, runTimeNs: program.info.runTimeNs)
        }
        record(counters, at: time, counting: snapshot.runStats)
    }

    mutating func record(_ counters: [UInt32: Counters], at time: Double, counting: Bool) {
        rings = rings.filter { counters[$0.key] != nil }
        guard counting else {
            // The next interval starts when counting does.
            baseline = nil
            return
        }
        guard time.isFinite else { return }
        if let baseline, !(time > baseline.time) { return }
        defer { baseline = (time, counters) }
        guard let baseline else { return }
        let seconds = time - baseline.time
        for (id, now) in counters {
            guard let before = baseline.counters[id], now.runCount >= before.runCount,
                  now.runTimeNs >= before.runTimeNs else { continue }
            let runs = Double(now.runCount - before.runCount)
            let busy = Double(now.runTimeNs - before.runTimeNs)
            let sample = ProgramSample(time: time, seconds: seconds, eventsPerSecond: runs / seconds,
                                       averageRunNs: runs > 0 ? busy / runs : nil,
                                       cpuPercent: busy / seconds / 1e7)
            rings[id, default: SampleRing(capacity: capacity)].append(sample)
        }
    }

    /// Program `id`'s samples, oldest first.
    public func samples(_ id: UInt32) -> [ProgramSample] { rings[id]?.elements ?? [] }

    public func latest(_ id: UInt32) -> ProgramSample? { rings[id]?.last }

    /// Programs with at least one sample.
    public var programs: Set<UInt32> { Set(rings.keys) }

    /// Seconds from the start of program `id`'s first interval to the end
    /// of its last; nil without samples.
    public func span(_ id: UInt32) -> Double? {
        guard let ring = rings[id], let first = ring.first, let last = ring.last else { return nil }
        return last.time - first.time + first.seconds
    }
}

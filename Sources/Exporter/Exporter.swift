// Exporter turns what bpfnav knows about the machine's BPF objects into
// Prometheus series for `bpfnav serve`: one collection reads programs, maps,
// links, attachments and holders within a time budget and renders them in the
// Prometheus text format (with swift-prometheus); concurrent scrapes share the
// collection in flight (SharedCollection). No HTTP here: that is bpfnav-serve.

import Glibc
import ObjectModel

/// What a collection reads, and how long it may take.
public struct ExporterConfiguration: Sendable {
    /// Seconds one collection may take; past it, the collection returns what
    /// it has and says so (`bpfnav_scrape_truncated`).
    public var budget: Double
    /// Map types (bpftool's names: "hash", "lru_hash", …) whose entries are
    /// counted by walking them, at any size. Empty: none. Types without
    /// entries to walk (`MapEntryCount.refusal`), which `bpfnav serve`'s
    /// option check refuses, are left out here.
    public var countEntries: Set<String>
    /// Maps of the hash-like types (`countedWhenSmall`) holding at most this
    /// many entries (max_entries) are counted too: a batch or two each.
    /// 0: none.
    public var countUpTo: Int
    /// bpfnav's own programs, maps and links as well (hidden by default, as
    /// in the browser).
    public var includeOwn: Bool

    public init(budget: Double = 5, countEntries: Set<String> = [], countUpTo: Int = 0, includeOwn: Bool = false) {
        self.budget = budget
        self.countEntries = countEntries.filter { MapEntryCount.refusal(typeName: $0) == nil }
        self.countUpTo = countUpTo
        self.includeOwn = includeOwn
    }
}

extension ExporterConfiguration {
    /// Types whose entry count says something max_entries does not (an
    /// array always holds max_entries), counted when small (`countUpTo`).
    public static let countedWhenSmall: Set<String> = [
        "hash", "lru_hash", "percpu_hash", "lru_percpu_hash", "lpm_trie", "hash_of_maps", "sockhash", "devmap_hash",
    ]

    /// Whether a collection counts the entries of a map.
    func counts(type: String, maxEntries: UInt32) -> Bool {
        countEntries.contains(type) || (Self.countedWhenSmall.contains(type) && Int(maxEntries) <= countUpTo)
    }
}

/// One rendered collection.
public struct Exposition: Sendable {
    /// The Prometheus text exposition format, version 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
    public let body: [UInt8]
    /// Whether the budget ended the collection before it read everything.
    public let truncated: Bool
    /// Errors met while collecting (each also counted in the body).
    public let errors: Int

    public init(body: [UInt8], truncated: Bool, errors: Int) {
        self.body = body
        self.truncated = truncated
        self.errors = errors
    }
}

/// Collections shared by concurrent scrapes: a scrape that arrives while a
/// collection runs waits for that one instead of starting its own, so 200
/// scrapes at once cost one collection, not 200.
public final class SharedCollection: @unchecked Sendable {
    public typealias Collect = @Sendable (_ budget: Double) -> Exposition

    private let collect: Collect
    private let defaultBudget: Double
    private var lock = pthread_mutex_t()
    private var waiting: [@Sendable (Exposition) -> Void] = []
    private var running = false
    private var count = 0

    /// Collections through `collect` (the real one reads the kernel; tests
    /// give their own), `budget` seconds each unless a scrape asks for less.
    public init(defaultBudget: Double, collect: @escaping Collect) {
        self.collect = collect
        self.defaultBudget = defaultBudget
        pthread_mutex_init(&lock, nil)
    }

    deinit { pthread_mutex_destroy(&lock) }

    /// How many collections have run (started) so far.
    public var collections: Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return count
    }

    /// Calls `done` with the next collection to finish: the one in flight if
    /// there is one, else a new one started on a thread of its own (`done`
    /// runs on that thread). `timeout` (seconds, e.g. Prometheus's
    /// X-Prometheus-Scrape-Timeout-Seconds) shortens the budget of a
    /// collection this call starts.
    public func scrape(timeout: Double? = nil, _ done: @escaping @Sendable (Exposition) -> Void) {
        pthread_mutex_lock(&lock)
        waiting.append(done)
        if running {
            pthread_mutex_unlock(&lock)
            return
        }
        running = true
        count += 1
        pthread_mutex_unlock(&lock)
        let budget = min(defaultBudget, timeout ?? defaultBudget)
        startThread { [self] in
            let result = collect(budget)
            pthread_mutex_lock(&lock)
            let callers = waiting
            waiting = []
            running = false
            pthread_mutex_unlock(&lock)
            for caller in callers { caller(result) }
        }
    }

    /// A detached thread for `body` (a collection blocks in syscalls: it must
    /// not hold an event loop or a thread of the Swift concurrency pool).
    private func startThread(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc != 0 {
            // No thread to be had (EAGAIN): collect on the caller's.
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        } else {
            pthread_detach(thread)
        }
    }
}

import Synchronization

/// What the exporter's process has done so far: counters that outlive one
/// collection.
public enum CollectionCounters {
    private struct State {
        var collections = 0
        var errors: [String: Int] = [:]
    }

    private static let state = Mutex(State())

    /// Counts a collection as it starts; returns the count with it.
    static func started() -> Int {
        state.withLock {
            $0.collections += 1
            return $0.collections
        }
    }

    /// Adds a collection's errors; returns the totals so far.
    static func add(errors: [String: Int]) -> [String: Int] {
        state.withLock { state in
            for (operation, count) in errors { state.errors[operation, default: 0] += count }
            return state.errors
        }
    }

    /// Collections started by this process (`bpfnav_collections_total`).
    public static var collections: Int { state.withLock { $0.collections } }
}

/// The scrape's own series.
enum ScrapeSeries {
    /// The operations a collection does, each with an error counter from
    /// the start (0 until one fails).
    static let operations = ["programs", "maps", "links", "attachments", "holders", "btf", "count_entries"]

    static let duration = SeriesWriter.Family.gauge(
        "bpfnav_scrape_duration_seconds", "How long this scrape's collection took, reading and rendering, in seconds.")
    static let truncated = SeriesWriter.Family.gauge(
        "bpfnav_scrape_truncated", "1 when the scrape's time budget ran out before it read everything (the series it has are right, some are missing), else 0.")
    static let phases = SeriesWriter.Family.gauge(
        "bpfnav_scrape_phase_duration_seconds",
        "How long each phase of this scrape's collection took (programs, maps, links, pins, attachments, holders, btf, count_entries), in seconds.")
    static let errors = SeriesWriter.Family.counter(
        "bpfnav_scrape_errors_total", "Errors met while collecting, since the exporter started, by operation.")
    static let collections = SeriesWriter.Family.counter(
        "bpfnav_collections_total", "Collections the exporter has run since it started (concurrent scrapes share one).")

    /// `totals`: errors per operation so far; `collections`: collections so far.
    static func write(duration seconds: Double, phases times: [String: Double], truncated cut: Bool,
                      errorTotals totals: [String: Int], collections count: Int, into writer: inout SeriesWriter) {
        writer.write(duration, seconds)
        writer.write(phases, times.sorted { $0.key < $1.key }.map { ([("phase", $0.key)], $0.value) })
        writer.write(truncated, cut ? 1 : 0)
        let names = operations + totals.keys.filter { !operations.contains($0) }.sorted()
        writer.write(errors, names.map { ([("operation", $0)], Double(totals[$0] ?? 0)) })
        writer.write(collections, Double(count))
    }
}

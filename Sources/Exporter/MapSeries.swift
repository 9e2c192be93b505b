import BPFKit
import ObjectModel

/// A map as the exporter shows it.
public struct MapSample: Sendable, Equatable {
    public var id: UInt32
    public var name: String
    /// bpftool's type name ("hash", "array", …).
    public var type: String
    public var keyBytes: UInt32
    public var valueBytes: UInt32
    public var maxEntries: UInt32
    /// nil when the kernel's fdinfo does not say.
    public var memlockBytes: UInt64?
    /// Entries counted by walking the map; nil when not counted (its type
    /// was not asked for, or the count could not be finished).
    public var entries: Int?

    public init(id: UInt32, name: String, type: String, keyBytes: UInt32 = 0, valueBytes: UInt32 = 0,
                maxEntries: UInt32 = 0, memlockBytes: UInt64? = nil, entries: Int? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.keyBytes = keyBytes
        self.valueBytes = valueBytes
        self.maxEntries = maxEntries
        self.memlockBytes = memlockBytes
        self.entries = entries
    }

    public init(_ entry: MapEntry) {
        let info = entry.info
        self.init(id: info.id, name: info.name, type: info.typeName, keyBytes: info.keySize,
                  valueBytes: info.valueSize, maxEntries: info.maxEntries, memlockBytes: info.bytesMemlock)
    }
}

enum MapSeries {
    static let info = SeriesWriter.Family.gauge(
        "bpf_map_info", "A BPF map: its id, name, type, and key and value sizes in bytes (value 1).")
    static let maxEntries = SeriesWriter.Family.gauge(
        "bpf_map_max_entries", "The map's max_entries: the most entries it can hold.")
    static let memlock = SeriesWriter.Family.gauge(
        "bpf_map_memlock_bytes", "Memory the map is charged for, in bytes (fdinfo memlock).")
    static let entries = SeriesWriter.Family.gauge(
        "bpf_map_entries",
        "Entries in the map, counted by walking it: hash-like maps of at most --count-up-to entries (default 4096), and maps of the types given to --count-entries.")
    static let uncounted = SeriesWriter.Family.gauge(
        "bpfnav_scrape_uncounted_maps",
        "Maps whose entries were to be counted but were not in this scrape, by reason (budget: the scrape's time ran out; error).")

    static func write(_ maps: [MapSample], uncounted counts: [String: Int], into writer: inout SeriesWriter) {
        func each(_ value: (MapSample) -> Double?) -> [(SeriesWriter.Labels, Double)] {
            SeriesWriter.perID(maps, id: \.id, value)
        }
        writer.write(info, maps.map { m in
            ([("id", "\(m.id)"), ("name", m.name), ("type", m.type), ("key_bytes", "\(m.keyBytes)"),
              ("value_bytes", "\(m.valueBytes)")], 1)
        })
        writer.write(maxEntries, each { Double($0.maxEntries) })
        writer.write(memlock, each { $0.memlockBytes.map { Double($0) } })
        writer.write(entries, each { $0.entries.map { Double($0) } })
        writer.write(uncounted, ["budget", "error"].map { ([("reason", $0)], Double(counts[$0] ?? 0)) })
    }
}

import Prometheus

/// Writes metric families in the Prometheus text format through
/// swift-prometheus, one family at a time: each family gets a registry of
/// its own, so the families come out in the order they are written (a
/// registry emits its families in hash order), each with its `# HELP` and
/// `# TYPE`. swift-prometheus escapes label values (backslash, double quote,
/// line feed); Swift strings are valid UTF-8, so what the kernel hands over
/// as bytes is decoded (invalid sequences become U+FFFD) before it gets here.
///
/// A family with no series is left out: no `# HELP` without a sample.
///
/// A registry copies its family's series table for every series added (the
/// family is an immutable value swapped in under its lock), which makes one
/// family of n series cost n²: a family is written in chunks of
/// `chunkSize` series, a registry each, and the chunks after the first lose
/// their `# HELP` and `# TYPE` lines, so that 500 maps cost 500 × 16, not 500².
struct SeriesWriter {
    static let chunkSize = 16

    enum Kind { case gauge, counter }

    struct Family {
        let name: String
        let help: String
        let kind: Kind

        static func gauge(_ name: String, _ help: String) -> Family { Family(name: name, help: help, kind: .gauge) }
        static func counter(_ name: String, _ help: String) -> Family { Family(name: name, help: help, kind: .counter) }
    }

    typealias Labels = [(String, String)]

    private(set) var buffer: [UInt8] = []

    init(capacity: Int = 1 << 16) {
        buffer.reserveCapacity(capacity)
    }

    /// `family`'s series: labels and value each, every label set once
    /// (callers merge their duplicates: see `AttachmentSeries`).
    mutating func write(_ family: Family, _ series: [(Labels, Double)]) {
        guard !series.isEmpty else { return }
        let descriptor = MetricNameDescriptor(metricName: family.name, unitName: "", helpText: family.help)
        // The chunks after the first lose their `# HELP` anyway: without
        // one, a registry does not validate and compare the text at every
        // series (a tenth of the rendering).
        let bare = MetricNameDescriptor(metricName: family.name, unitName: "", helpText: "")
        var start = 0
        var text: [UInt8] = []
        while start < series.count {
            let chunk = series[start..<min(start + Self.chunkSize, series.count)]
            if start == 0 {
                Self.registry(family, descriptor, chunk).emit(into: &buffer)
            } else {
                text.removeAll(keepingCapacity: true)
                Self.registry(family, bare, chunk).emit(into: &text)
                buffer.append(contentsOf: Self.samples(text))
            }
            start += Self.chunkSize
        }
    }

    /// The text after the `# HELP` and `# TYPE` lines of one family.
    static func samples(_ text: [UInt8]) -> ArraySlice<UInt8> {
        var rest = text[...]
        while rest.first == UInt8(ascii: "#"), let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            rest = rest[(newline + 1)...]
        }
        return rest
    }

    /// A registry holding `series` of `family`.
    private static func registry(_ family: Family, _ descriptor: MetricNameDescriptor,
                                 _ series: ArraySlice<(Labels, Double)>) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        for (labels, value) in series {
            switch family.kind {
            case .gauge:
                let gauge = labels.isEmpty ? registry.makeGauge(descriptor: descriptor)
                    : registry.makeGauge(descriptor: descriptor, labels: labels)
                gauge.increment(by: value)
            case .counter:
                let counter = labels.isEmpty ? registry.makeCounter(descriptor: descriptor)
                    : registry.makeCounter(descriptor: descriptor, labels: labels)
                // Whole numbers stay integers in the text ("12", not "12.0").
                if value.rounded() == value, value < 9.0e18 {
                    counter.increment(by: Int64(value))
                } else {
                    counter.increment(by: value)
                }
            }
        }
        return registry
    }

    /// One series per object, labelled with its id, for the objects that
    /// have a value (nil: no series, never a made-up 0).
    static func perID<Object>(_ objects: [Object], id: (Object) -> UInt32,
                              _ value: (Object) -> Double?) -> [(Labels, Double)] {
        objects.compactMap { object in value(object).map { ([("id", "\(id(object))")], $0) } }
    }

    /// One series without labels.
    mutating func write(_ family: Family, _ value: Double) {
        write(family, [([], value)])
    }
}

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
struct SeriesWriter {
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

    /// `family`'s series: labels and value each. Series with the same labels
    /// add up (two identical attachments are 2).
    mutating func write(_ family: Family, _ series: [(Labels, Double)]) {
        guard !series.isEmpty else { return }
        let registry = PrometheusCollectorRegistry()
        let descriptor = MetricNameDescriptor(metricName: family.name, unitName: "", helpText: family.help)
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
        registry.emit(into: &buffer)
    }

    /// One series without labels.
    mutating func write(_ family: Family, _ value: Double) {
        write(family, [([], value)])
    }
}

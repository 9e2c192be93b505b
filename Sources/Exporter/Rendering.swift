/// Renders a snapshot in the Prometheus text format: programs and their
/// attachments, maps, links, counts, then the scrape's own series.
public enum ExpositionRenderer {
    /// The scrape's own numbers, taken as the last families are written so
    /// that the duration covers the rendering too.
    public struct Scrape {
        public var duration: () -> Double
        public var errorTotals: [String: Int]
        public var collections: Int

        public init(duration: @escaping () -> Double, errorTotals: [String: Int], collections: Int) {
            self.duration = duration
            self.errorTotals = errorTotals
            self.collections = collections
        }
    }

    public static func render(_ snapshot: ExporterSnapshot, scrape: Scrape) -> [UInt8] {
        // About 150 bytes a series; a few series per object.
        let objects = snapshot.programs.count + snapshot.maps.count + snapshot.links.count
        var writer = SeriesWriter(capacity: 4096 + objects * 600)
        ProgramSeries.write(snapshot.programs, into: &writer)
        AttachmentSeries.write(snapshot.attachments, into: &writer)
        MapSeries.write(snapshot.maps, uncounted: snapshot.uncountedMaps, into: &writer)
        LinkSeries.write(snapshot.links, into: &writer)
        HolderSeries.write(snapshot, into: &writer)
        ScrapeSeries.write(duration: scrape.duration(), phases: snapshot.phaseDurations, truncated: snapshot.truncated, errorTotals: scrape.errorTotals,
                           collections: scrape.collections, into: &writer)
        return writer.buffer
    }
}

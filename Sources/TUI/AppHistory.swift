import BrowserModel

/// Run-time statistics from the start, and a program page's charts of its
/// history over the session.
extension App {
    /// Asks the source for statistics before the first snapshot (both go
    /// through the lists' lane, in order). A kernel that refuses (no
    /// CAP_SYS_ADMIN) is said once in the footer; the browser goes on
    /// without them.
    func enableRunStatsAtStart() {
        let source = self.source
        jobs.submit(.lists, { source.setRunStats(true) }) { [weak self] failure in
            guard let self else { return }
            if let failure {
                self.sayRefusal("\(failure): run-time stats stay off")
            } else {
                self.runStats = true
                self.needsDraw = true
            }
        }
    }

    /// Says `text` in the footer once the first snapshot is in, along with
    /// its notices (a process without CAP_SYS_ADMIN has some), which would
    /// otherwise take the footer's place at once.
    func sayRefusal(_ text: String) {
        guard snapshot != nil else {
            // A job on the lists' lane ends after the snapshot under way.
            jobs.submit(.lists, {}) { [weak self] in self?.sayRefusal(text) }
            return
        }
        if let status, status.isError, clock() < status.until {
            say(text + "; " + status.text, error: true)
        } else {
            say(text, error: true)
        }
    }

    /// Marks the lines the charts add to a document, so that they are
    /// replaced, not added again, at every frame.
    static let historyKey = "history"

    static func isHistoryLine(_ line: BrowserLine) -> Bool {
        line.key == historyKey && (line.kind == .heading || line.kind == .code || line.kind == .text)
    }

    /// A program's page gets its charts, drawn for `width` cells: redrawn
    /// at each frame from the history as it is then, keeping the page's
    /// position.
    func showHistory(_ page: Page, width: Int) {
        // Only a new snapshot, another width or statistics turned on or off
        // change the charts: a key press redraws without rebuilding them.
        if let drawn = page.chartsDrawn, drawn.refresh == lastRefresh, drawn.width == width,
           drawn.runStats == runStats { return }
        page.chartsDrawn = (lastRefresh, width, runStats)
        chartWidth = width
        let document = page.document.document
        let updated = withHistory(document, for: page.target)
        if updated != document { page.document.replace(with: updated) }
    }

    /// `document` with the charts of its program before its first heading
    /// (after the fields), in place of those it had. Every document that
    /// replaces a program's page goes through here: the lines below the
    /// charts keep their positions, and so does the cursor.
    func withHistory(_ document: BrowserDocument, for target: BrowserTarget?) -> BrowserDocument {
        guard case .object(let object)? = target, object.kind == .program else { return document }
        var lines = document.lines.filter { !Self.isHistoryLine($0) }
        let charts = historyLines(object.id, width: chartWidth)
        lines.insert(contentsOf: charts, at: lines.firstIndex { $0.kind == .heading } ?? lines.count)
        var updated = document
        updated.lines = lines
        return updated
    }

    /// The "History" section of program `id`'s page: a chart each of
    /// events/s, time per run and CPU%, side by side when `width` allows;
    /// a line saying why there is none yet.
    func historyLines(_ id: UInt32, width: Int) -> [BrowserLine] {
        let samples = history.samples(id)
        let listed = snapshot?.program(id) != nil
        guard !samples.isEmpty || listed else { return [] }
        var lines = [BrowserLine(kind: .heading, key: Self.historyKey, text: "History (this session; CPU%: one CPU busy is 100%)")]
        guard !samples.isEmpty else {
            let why = runStats
                ? "collecting: the first interval ends at the next refresh (\(refreshText))"
                : "run-time stats are off: S turns them on, and events/s, time per run and CPU% are charted from then"
            lines.append(BrowserLine(kind: .text, key: Self.historyKey, text: why))
            return lines
        }
        let span = history.span(id)
        let series: [(String, [Double], Chart.Unit)] = [
            ("events/s", samples.map(\.eventsPerSecond), .perSecond),
            ("time per run", samples.map { $0.averageRunNs ?? .nan }, .nanoseconds),
            ("CPU%", samples.map(\.cpuPercent), .percent),
        ]
        let gap = 3
        let across = width >= 3 * 44 + 2 * gap ? 3 : width >= 2 * 44 + gap ? 2 : 1
        let chartWidth = max(1, (width - (across - 1) * gap) / across)
        let blocks = series.map { title, values, unit in
            [TextWidth.fit(Self.chartTitle(title, values, unit), chartWidth)]
                + Chart.render(values: values, width: chartWidth, height: 5, unit: unit, span: span)
        }
        var start = 0
        while start < blocks.count {
            let row = blocks[start..<min(blocks.count, start + across)]
            for index in blocks[start].indices {
                let text = row.map { $0[index] }.joined(separator: String(repeating: " ", count: gap))
                lines.append(BrowserLine(kind: .code, key: Self.historyKey, text: text))
            }
            start += across
        }
        if !runStats {
            lines.append(BrowserLine(kind: .text, key: Self.historyKey, text: "run-time stats are off: S turns them on again"))
        }
        return lines
    }

    /// "events/s  now 12/s · avg 10/s · max 20/s".
    static func chartTitle(_ title: String, _ values: [Double], _ unit: Chart.Unit) -> String {
        let finite = values.filter(\.isFinite)
        guard let max = finite.max() else { return title + "  no runs" }
        let mean = finite.reduce(0, +) / Double(finite.count)
        // A last interval without runs has no time per run: "now -".
        let now = values.last ?? .nan
        return "\(title)  now \(unit.format(now)) · avg \(unit.format(mean)) · max \(unit.format(max))"
    }
}

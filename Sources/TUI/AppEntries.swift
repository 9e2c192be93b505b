import BrowserModel

/// A map page's entries: opening the map, reading the pages in view, and
/// the walk to the end (`End`), all on the content lane.
extension App {
    /// Wraps a map reader so that its result can cross to the main thread.
    struct Opened: Sendable {
        var reader: (any BrowserMapReader)?
        var error: String?
    }

    enum PageResult: Sendable {
        case page(BrowserMapPage)
        case failed(Int, String)
    }

    func openEntries(_ page: Page, _ id: UInt32, reusing state: EntriesState? = nil) {
        let entries = state ?? EntriesState(mapID: id)
        page.entries = entries
        let source = self.source
        jobs.submit(.content, {
            do {
                return Opened(reader: try source.openMap(id: id))
            } catch {
                return Opened(error: App.message(error))
            }
        }) { [weak self, weak entries] opened in
            guard let self, let entries else { return }
            entries.reader = opened.reader
            entries.error = opened.error
            self.loadVisibleEntries()
            self.needsDraw = true
        }
    }

    /// Reads the pages of the rows in view, and a page beyond.
    func loadVisibleEntries() {
        guard let entries = stack.last?.entries, let reader = entries.reader, entries.error == nil,
              !entries.readingThrough else { return }
        let height = heights[.entries] ?? 20
        entries.scroll(height: height)
        let window = entries.top..<(entries.top + height + height / 2 + 1)
        for index in entries.pagesNeeded(for: window) {
            readPage(index, entries, reader)
        }
    }

    /// Reads page `index` on the content lane and keeps it; a page read
    /// before gives the rates of the counters that grew since.
    func readPage(_ index: Int, _ entries: EntriesState, _ reader: any BrowserMapReader) {
        entries.requested.insert(index)
        jobs.submit(.content, {
            do {
                return PageResult.page(try reader.page(index))
            } catch {
                return PageResult.failed(index, App.message(error))
            }
        }) { [weak self, weak entries] result in
            guard let self, let entries else { return }
            let now = self.clock()
            switch result {
            case .page(let page):
                if let before = entries.pages[page.index], let then = entries.readAt[page.index], now > then {
                    EntriesTable.rates(from: before, to: page.entries, seconds: now - then, into: &entries.rates)
                }
                entries.store(page)
                entries.readAt[page.index] = now
            case .failed(let index, let message):
                entries.requested.remove(index)
                entries.error = message
            }
            self.needsDraw = true
        }
    }

    struct ThroughResult: Sendable {
        var counts: [Int]
        var complete: Bool
        var error: String?
    }

    /// End: walks the rest of the map (positions only), then shows its end.
    func readThroughEntries(_ entries: EntriesState) {
        guard let reader = entries.reader, !entries.readingThrough else { return }
        guard !entries.complete, entries.sorted == nil else {
            entries.move(to: entries.rowCount - 1)
            return
        }
        entries.readingThrough = true
        let progress = entries.progress
        jobs.submit(.content, {
            do {
                let counts = try reader.readThrough { counted in
                    progress.counted.store(counted, ordering: .relaxed)
                    return !progress.cancelled.load(ordering: .relaxed)
                }
                return ThroughResult(counts: counts, complete: reader.isComplete)
            } catch {
                return ThroughResult(counts: [], complete: false, error: App.message(error))
            }
        }) { [weak self, weak entries] result in
            guard let self, let entries else { return }
            entries.readingThrough = false
            if let error = result.error {
                entries.error = error
            } else {
                entries.storeCounts(result.counts, complete: result.complete)
                entries.move(to: entries.rowCount - 1)
            }
            self.loadVisibleEntries()
            self.needsDraw = true
        }
    }
}

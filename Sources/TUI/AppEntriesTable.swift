import BrowserModel

/// The entries pane's own keys: `/` search with `n`/`N`, `=` key lookup,
/// `s`/`<`/`>`/`i` sort by a column, `c` per-CPU rows. Searching and
/// sorting walk the map on the content lane; Esc stops them.
extension App {
    /// Handles the pane's commands; false for keys that are not its own.
    func entriesCommand(_ key: Key, _ entries: EntriesState) -> Bool {
        switch key {
        case .char("n"):
            repeatSearch(entries, forward: true)
        case .char("N"):
            repeatSearch(entries, forward: false)
        case .char("="):
            entries.prompt = EntriesPrompt(kind: .lookup)
        case .char("c"):
            guard entries.cpus > 1 else {
                say("c shows per-CPU values one row per CPU: this map's values are not per CPU")
                return true
            }
            entries.toggleExpanded()
            loadVisibleEntries()
        case .char("s"), .char(">"):
            sortEntries(entries, by: 1)
        case .char("<"):
            sortEntries(entries, by: -1)
        case .char("i"):
            guard var sorted = entries.sorted else {
                say("i reverses a sort: s chooses the column first")
                return true
            }
            sorted.descending.toggle()
            applySort(entries, sorted)
        default:
            return false
        }
        return true
    }

    /// Keys while the pane's prompt is open.
    func entriesPromptKey(_ key: Key, _ entries: EntriesState) {
        guard var prompt = entries.prompt else { return }
        switch key {
        case .escape:
            entries.prompt = nil
        case .enter:
            entries.prompt = nil
            let text = prompt.text
            guard !text.isEmpty else { return }
            switch prompt.kind {
            case .search:
                entries.query = text
                search(entries, forward: true, includingCursor: true)
            case .lookup:
                lookUp(text, entries)
            }
        case .backspace, .delete:
            if !prompt.text.isEmpty { prompt.text.removeLast() }
            entries.prompt = prompt
        case .char(let c):
            prompt.text.append(c)
            entries.prompt = prompt
        default:
            break
        }
    }

    func startEntriesSearch(_ entries: EntriesState) {
        entries.prompt = EntriesPrompt(kind: .search)
    }

    /// Esc during a search or a read for sorting: stops it. True when there was one.
    func stopEntriesWalk() -> Bool {
        guard let entries = stack.last?.entries, let walk = entries.walk else { return false }
        walk.cancelled.store(true, ordering: .relaxed)
        return true
    }

    // MARK: Search

    func repeatSearch(_ entries: EntriesState, forward: Bool) {
        guard !entries.query.isEmpty else {
            say("n and N repeat a search: / searches the entries first")
            return
        }
        search(entries, forward: forward, includingCursor: false)
    }

    struct SearchResult: Sendable {
        /// Pages read in order: (index, entries, whether it was the last).
        var counts: [(Int, Int, Bool)] = []
        var match: (page: BrowserMapPage, offset: Int)?
        var wrapped = false
        var stopped = false
        var error: String?
    }

    /// Finds the next entry (or the previous, `forward` false) showing
    /// `entries.query`, from the cursor on (`includingCursor`: the cursor's
    /// entry too), wrapping around the map's end.
    func search(_ entries: EntriesState, forward: Bool, includingCursor: Bool) {
        guard entries.walk == nil else {
            say("a search is under way: Esc stops it")
            return
        }
        let needle = entries.query.lowercased()
        let hex = entries.hex
        let from = entries.cursorEntry
        if let sorted = entries.sorted {
            // Read whole already: searched here.
            let all = sorted.entries
            let order = forward ? Array(from..<all.count) + Array(0..<from) : Array((0...from).reversed()) + Array((from..<all.count).reversed())
            let found = order.first { index in
                (includingCursor || index != from) && EntriesTable.matches(all[index], needle, hex: hex)
            }
            finishSearch(entries, found: found, wrapped: found.map { forward ? $0 < from : $0 > from } ?? false)
            return
        }
        guard let reader = entries.reader, entries.error == nil, entries.count > 0,
              let startPage = entries.page(ofEntry: min(from, entries.known - 1)),
              let pageStart = entries.start(ofPage: startPage) else {
            say("nothing to search: the map has no entries read")
            return
        }
        let offset = from - pageStart
        let walk = EntriesWalk(label: "searching '\(Tables.safe(entries.query))'")
        entries.walk = walk
        needsDraw = true
        jobs.submit(.content, {
            App.searchPages(reader, needle: needle, hex: hex, startPage: startPage, offset: offset, forward: forward,
                            includingCursor: includingCursor, walk: walk)
        }) { [weak self, weak entries] result in
            guard let self, let entries else { return }
            entries.walk = nil
            for (index, count, isLast) in result.counts { entries.storeCount(index, count: count, isLast: isLast) }
            if let error = result.error {
                self.say(error, error: true)
            } else if result.stopped {
                self.say("search stopped")
            } else if let (page, offset) = result.match {
                entries.store(page)
                self.finishSearch(entries, found: (entries.start(ofPage: page.index) ?? 0) + offset, wrapped: result.wrapped)
            } else {
                self.finishSearch(entries, found: nil, wrapped: false)
            }
            self.loadVisibleEntries()
            self.needsDraw = true
        }
    }

    private func finishSearch(_ entries: EntriesState, found: Int?, wrapped: Bool) {
        guard let found else {
            say("'\(Tables.safe(entries.query))' is in no entry of map \(entries.mapID)", error: true)
            return
        }
        entries.move(to: found * entries.span)
        say("/\(Tables.safe(entries.query)): entry #\(found)" + (wrapped ? " (search wrapped around)" : "")
            + "  n next · N previous")
    }

    /// The walk itself, on the content lane: pages in order from
    /// `startPage` (forward to the end then from the top, or backward).
    static func searchPages(_ reader: any BrowserMapReader, needle: String, hex: Bool, startPage: Int, offset: Int,
                            forward: Bool, includingCursor: Bool, walk: EntriesWalk) -> SearchResult {
        var result = SearchResult()
        let matches = { (entry: BrowserMapEntry) in EntriesTable.matches(entry, needle, hex: hex) }
        do {
            if forward {
                var index = startPage
                while true {
                    let page = try reader.page(index)
                    result.counts.append((index, page.entries.count, page.isLast))
                    let atStart = index == startPage
                    let lower = atStart && !result.wrapped ? min(offset + (includingCursor ? 0 : 1), page.entries.count) : 0
                    let upper = atStart && result.wrapped ? min(offset + (includingCursor ? 1 : 0), page.entries.count) : page.entries.count
                    if lower < upper, let hit = page.entries[lower..<upper].firstIndex(where: matches) {
                        result.match = (page, hit)
                        return result
                    }
                    if atStart && result.wrapped { return result }
                    guard walk.step(page.entries.count) else {
                        result.stopped = true
                        return result
                    }
                    if page.isLast {
                        if result.wrapped { return result }
                        result.wrapped = true
                        index = 0
                    } else {
                        index += 1
                    }
                }
            }
            // Backward: this page and those before it, then from the end.
            for index in stride(from: startPage, through: 0, by: -1) {
                let page = try reader.page(index)
                result.counts.append((index, page.entries.count, page.isLast))
                let upper = index == startPage ? min(offset + (includingCursor ? 1 : 0), page.entries.count) : page.entries.count
                if upper > 0, let hit = page.entries[0..<upper].lastIndex(where: matches) {
                    result.match = (page, hit)
                    return result
                }
                guard walk.step(page.entries.count) else {
                    result.stopped = true
                    return result
                }
            }
            // Wrapped: the last match after the cursor.
            var index = startPage
            var last: (BrowserMapPage, Int)?
            while true {
                let page = try reader.page(index)
                result.counts.append((index, page.entries.count, page.isLast))
                let lower = index == startPage ? min(offset + 1, page.entries.count) : 0
                if lower < page.entries.count, let hit = page.entries[lower...].lastIndex(where: matches) {
                    last = (page, hit)
                }
                guard walk.step(page.entries.count) else {
                    result.stopped = true
                    return result
                }
                if page.isLast { break }
                index += 1
            }
            if let last {
                result.match = (last.0, last.1)
                result.wrapped = true
            }
        } catch {
            result.error = "search map entries: " + App.message(error)
        }
        return result
    }

    // MARK: Lookup

    enum LookupResult: Sendable {
        case found(BrowserMapEntry)
        case absent
        case failed(String)
    }

    /// `=`: the entry of one key, by one lookup.
    func lookUp(_ text: String, _ entries: EntriesState) {
        guard let reader = entries.reader else {
            say("the map is not open yet", error: true)
            return
        }
        jobs.submit(.content, {
            do {
                return try reader.lookup(text).map(LookupResult.found) ?? .absent
            } catch {
                return .failed(App.message(error))
            }
        }) { [weak self, weak entries] result in
            guard let self, let entries else { return }
            switch result {
            case .found(let entry):
                if let index = entries.loadedIndex(ofKey: entry.key) {
                    entries.move(to: index * entries.span)
                    self.say("key \(Tables.safe(text)): entry #\(index)")
                } else {
                    self.push(EntriesView.document(entry, title: "Map \(entries.mapID) key \(Tables.safe(text))"))
                }
            case .absent:
                self.say("map \(entries.mapID) has no entry with key \(Tables.safe(text))", error: true)
            case .failed(let message):
                self.say("key '\(Tables.safe(text))': \(message)", error: true)
            }
            self.needsDraw = true
        }
    }

    // MARK: Sort

    /// `s`/`>` the next column, `<` the one before, past the last back to
    /// the map's own order. The first sort reads the map whole (up to
    /// `EntriesSorted.limit` entries).
    func sortEntries(_ entries: EntriesState, by step: Int) {
        let sample = entries.entry(entries.cursorEntry) ?? entries.entry(0)
        let columns = EntriesTable.columns(sample, hex: entries.hex)
        guard !columns.isEmpty else { return }
        if var sorted = entries.sorted {
            let next = sorted.column + step
            guard next >= 0, next < columns.count else {
                entries.sorted = nil
                entries.move(to: 0)
                say("entries in the map's order")
                loadVisibleEntries()
                return
            }
            sorted.column = next
            // Numbers biggest first, as the lists sort them.
            sorted.descending = columns[next].numeric
            applySort(entries, sorted)
            return
        }
        let column = step > 0 ? 0 : columns.count - 1
        guard let reader = entries.reader, entries.walk == nil else { return }
        let walk = EntriesWalk(label: "reading the entries to sort them")
        entries.walk = walk
        struct Read: Sendable {
            var entries: [BrowserMapEntry]
            var whole: Bool
            var stopped: Bool
            var error: String?
        }
        jobs.submit(.content, {
            var read = Read(entries: [], whole: false, stopped: false)
            do {
                var index = 0
                while read.entries.count < EntriesSorted.limit {
                    let page = try reader.page(index)
                    read.entries += page.entries
                    if page.isLast {
                        read.whole = read.entries.count <= EntriesSorted.limit
                        break
                    }
                    guard walk.step(page.entries.count) else {
                        read.stopped = true
                        break
                    }
                    index += 1
                }
                read.entries = Array(read.entries.prefix(EntriesSorted.limit))
            } catch {
                read.error = "read map entries to sort: " + App.message(error)
            }
            return read
        }) { [weak self, weak entries] read in
            guard let self, let entries else { return }
            entries.walk = nil
            if let error = read.error {
                self.say(error, error: true)
            } else if read.stopped {
                self.say("sort stopped")
            } else {
                self.applySort(entries, EntriesSorted(entries: read.entries, whole: read.whole, column: column,
                                                      descending: columns[column].numeric))
            }
            self.needsDraw = true
        }
    }

    func applySort(_ entries: EntriesState, _ sorted: EntriesSorted) {
        var sorted = sorted
        let columns = EntriesTable.columns(sorted.entries.first, hex: entries.hex)
        guard sorted.column < columns.count else { return }
        sorted.entries = EntriesTable.sort(sorted.entries, by: columns[sorted.column], descending: sorted.descending)
        entries.sorted = sorted
        entries.move(to: 0)
        entries.top = 0
        let scope = sorted.whole ? "all \(sorted.entries.count) entries"
            : "the first \(sorted.entries.count) entries read (the map has more)"
        say("sorted by \(columns[sorted.column].title)\(sorted.descending ? " (descending)" : ""): \(scope)")
    }
}

/// Live entries: the pages in view read again at each refresh, and the
/// counters that grew between two reads shown with their rate.
extension App {
    func rereadVisibleEntries() {
        guard let entries = stack.last?.entries, let reader = entries.reader, entries.error == nil,
              entries.walk == nil, !entries.readingThrough else { return }
        for index in entries.pagesInView(height: heights[.entries] ?? 20) {
            readPage(index, entries, reader)
        }
    }
}

import BrowserModel
import Synchronization

/// A map's entries as far as they have been read: how many entries each
/// page holds (known for every page read, and for all after `End`), and
/// the entries of the pages read lately. Pages are read on demand, a few
/// beyond what is on screen, so a map of a million entries costs one page
/// to open.
final class EntriesState {
    let mapID: UInt32
    var reader: (any BrowserMapReader)?
    /// Why the map could not be opened or read.
    var error: String?
    /// Entries in pages 0…, for every page read.
    private(set) var counts: [Int] = []
    /// Where each page starts (running sums of `counts`).
    private(set) var starts: [Int] = []
    private(set) var known = 0
    /// Whether the last page has been read.
    var complete = false
    private(set) var pages: [Int: [BrowserMapEntry]] = [:]
    var requested: Set<Int> = []
    /// `End` on a map not read to its end: walking the remaining pages.
    var readingThrough = false
    let progress = Progress()
    var cursor = 0
    var top = 0
    var left = 0
    var hex = false
    /// Rows each entry takes: 1, or with per-CPU values expanded (`c`) its
    /// summed row and one row per CPU. `cursor` and `top` count rows.
    var span = 1
    /// The prompt being typed in the pane (`/` search, `=` key lookup).
    var prompt: EntriesPrompt?
    /// The last search (`n`/`N` repeat it), and the one under way.
    var query = ""
    /// A search or a read for sorting under way.
    var walk: EntriesWalk?
    /// The entries read whole and sorted (`s`), in place of the pages.
    var sorted: EntriesSorted?
    /// When each page in memory was read (the clock's seconds), and the
    /// per-second rates of counters seen in two reads, by key and column.
    var readAt: [Int: Double] = [:]
    var rates: [[UInt8]: [String: Double]] = [:]
    /// Whether entries come formatted through BTF; nil until some are read.
    private(set) var hasBTF: Bool?
    /// Pages kept in memory at most; the farthest from the cursor go first.
    static let pagesKept = 64

    init(mapID: UInt32) {
        self.mapID = mapID
    }

    /// Shared with a background walk: entries counted so far, and whether
    /// the page was closed (the walk stops).
    final class Progress: Sendable {
        let counted = Atomic<Int>(0)
        let cancelled = Atomic<Bool>(false)
    }

    /// Rows the pane has: every known entry, plus one "loading…" row while
    /// more may follow.
    var rowCount: Int {
        if let sorted { return sorted.entries.count * span }
        return known * span + (complete ? 0 : 1)
    }

    /// Entries shown: the sorted ones, or those whose pages are known.
    var count: Int { sorted?.entries.count ?? known }

    /// The entry under the cursor, and the one a row shows.
    var cursorEntry: Int { cursor / span }
    func entryIndex(ofRow row: Int) -> Int { row / span }

    /// Per-CPU values: how many CPUs (from the entries read), 1 otherwise.
    var cpus: Int {
        if let first = sorted?.entries.first { return first.values.count }
        return pages.values.first { !$0.isEmpty }?.first?.values.count ?? 1
    }

    /// `c`: one row per CPU under each entry, or back to one row each.
    func toggleExpanded() {
        let entry = cursorEntry
        span = span == 1 ? cpus + 1 : 1
        cursor = entry * span
        // Expanded: the entry's CPUs in view under it.
        top = span > 1 ? cursor : entryIndex(ofRow: top) * span
    }

    /// Records one page's size, read by a walk that keeps no entries
    /// (search), in order from a known page.
    func storeCount(_ index: Int, count: Int, isLast: Bool) {
        if index < counts.count {
            counts[index] = count
        } else if index == counts.count {
            counts.append(count)
        } else {
            return
        }
        if isLast {
            counts.removeSubrange((index + 1)...)
            complete = true
        }
        recount()
    }

    /// The position of the entry with `key` among those in memory.
    func loadedIndex(ofKey key: [UInt8]) -> Int? {
        if let sorted { return sorted.entries.firstIndex { $0.key == key } }
        for (page, entries) in pages where page < starts.count {
            if let offset = entries.firstIndex(where: { $0.key == key }) { return starts[page] + offset }
        }
        return nil
    }

    /// Pages in memory with rows in view.
    func pagesInView(height: Int) -> [Int] {
        guard sorted == nil, known > 0 else { return [] }
        let first = entryIndex(ofRow: top), last = min(known - 1, entryIndex(ofRow: top + max(0, height - 1)))
        guard first <= last, let from = page(ofEntry: first), let to = page(ofEntry: last) else { return [] }
        return (from...to).filter { pages[$0] != nil && !requested.contains($0) }
    }

    /// Where page `index` starts, when known.
    func start(ofPage index: Int) -> Int? { index < starts.count ? starts[index] : nil }

    func store(_ page: BrowserMapPage) {
        requested.remove(page.index)
        if page.index < counts.count {
            counts[page.index] = page.entries.count
        } else if page.index == counts.count {
            counts.append(page.entries.count)
        } else {
            return  // cannot happen: pages are read in order
        }
        if page.isLast {
            counts.removeSubrange((page.index + 1)...)
            complete = true
        }
        recount()
        if hasBTF == nil, let first = page.entries.first {
            hasBTF = first.formattedKey != nil || first.formattedValues != nil
        }
        pages[page.index] = page.entries
        evict()
    }

    /// After a walk to the end: every page's size.
    func storeCounts(_ all: [Int], complete: Bool) {
        counts = all
        self.complete = complete
        recount()
    }

    private func recount() {
        starts = []
        var sum = 0
        for count in counts {
            starts.append(sum)
            sum += count
        }
        known = sum
        cursor = min(cursor, max(0, rowCount - 1))
    }

    /// The page holding entry `index`, when its position is known.
    func page(ofEntry index: Int) -> Int? {
        guard index >= 0, index < known else { return nil }
        var low = 0, high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= index { low = mid } else { high = mid - 1 }
        }
        // Skip empty pages that start at the same entry.
        var page = low
        while page < counts.count - 1, counts[page] == 0 || starts[page] + counts[page] <= index { page += 1 }
        return page
    }

    func entry(_ index: Int) -> BrowserMapEntry? {
        if let sorted { return index >= 0 && index < sorted.entries.count ? sorted.entries[index] : nil }
        guard let page = page(ofEntry: index), let entries = pages[page] else { return nil }
        let offset = index - starts[page]
        return offset < entries.count ? entries[offset] : nil
    }

    /// Pages to read so that rows `range` can be shown: known pages not in
    /// memory, and the next unread page if the range reaches past what is known.
    func pagesNeeded(for rows: Range<Int>) -> [Int] {
        guard sorted == nil else { return [] }
        let range = rows.lowerBound / span..<((rows.upperBound + span - 1) / span)
        var needed: [Int] = []
        var seen: Set<Int> = []
        for index in range where index < known {
            guard let page = page(ofEntry: index), seen.insert(page).inserted else { continue }
            if pages[page] == nil, !requested.contains(page) { needed.append(page) }
        }
        if range.upperBound > known, !complete, !requested.contains(counts.count) {
            needed.append(counts.count)
        }
        return needed
    }

    /// Drops the pages farthest from the cursor beyond `pagesKept`.
    private func evict() {
        guard pages.count > Self.pagesKept else { return }
        let here = page(ofEntry: min(cursorEntry, max(0, known - 1))) ?? 0
        let far = pages.keys.sorted { abs($0 - here) > abs($1 - here) }
        for page in far.prefix(pages.count - Self.pagesKept) {
            pages.removeValue(forKey: page)
            readAt.removeValue(forKey: page)
        }
    }

    func move(to position: Int) {
        cursor = max(0, min(position, rowCount - 1))
    }

    func scroll(height: Int) {
        guard height > 0 else { return }
        if cursor < top { top = cursor }
        if cursor >= top + height { top = cursor - height + 1 }
        top = max(0, min(top, max(0, rowCount - height)))
    }
}

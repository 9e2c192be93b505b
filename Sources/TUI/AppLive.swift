import BrowserModel

/// The browser as a live instrument: at every automatic refresh the lists
/// and the page in view are read again (the page after the lists, from the
/// same snapshot, one load at a time), what changed is highlighted until
/// the next refresh (as `watch -d`), and `p` pauses it all.
struct LiveState {
    /// `p`: no automatic refresh (`r` still refreshes once).
    var paused = false
    /// An automatic refresh is under way: the page in view reloads when
    /// its snapshot has arrived.
    var reloadPageAfterRefresh = false
    /// The cells each list's last refresh changed: column indices by row.
    var changedCells: [BrowserSection: [BrowserTarget: Set<Int>]] = [:]
    /// The page in view at the last pump (nil: the lists).
    var pageInView: ObjectIdentifier?
}

extension App {
    /// After a snapshot replaced `previous`: notes the changed cells, and
    /// reloads the page in view when the refresh was an automatic one.
    func applied(_ previous: [BrowserSection: Table]) {
        for section in BrowserSection.allCases {
            live.changedCells[section] = App.changedCells(from: previous[section], to: table(section))
        }
        guard live.reloadPageAfterRefresh else { return }
        live.reloadPageAfterRefresh = false
        if let page = stack.last { load(page, quietly: true) }
    }

    /// A page seen again (Esc from the page above it) reloads at once, not
    /// at the next refresh: it was not kept up to date while covered.
    func reloadUncoveredPage() {
        let top = stack.last.map(ObjectIdentifier.init)
        guard top != live.pageInView else { return }
        live.pageInView = top
        guard let page = stack.last, page.loaded, !live.paused, refreshInterval > 0 else { return }
        load(page, quietly: true)
    }

    private func table(_ section: BrowserSection) -> Table {
        tables[section] ?? Table(columns: [], rows: [], emptyText: "")
    }

    /// For each row of `new` that `old` had too (the same target), the
    /// columns whose text differs. Nothing when the columns are not the
    /// same (run-time stats turned on add some).
    static func changedCells(from old: Table?, to new: Table) -> [BrowserTarget: Set<Int>] {
        guard let old, !old.rows.isEmpty, old.columns.map(\.title) == new.columns.map(\.title) else { return [:] }
        var before: [BrowserTarget: TableRow] = [:]
        for row in old.rows { before[row.target] = row }
        var changed: [BrowserTarget: Set<Int>] = [:]
        // A history moves at every refresh by design: marking it says nothing.
        let history = new.columns.firstIndex { $0.title == Tables.historyTitle }
        for row in new.rows {
            guard let was = before[row.target] else { continue }
            let columns = row.cells.indices.filter { column in
                guard column != history else { return false }
                return column >= was.cells.count || was.cells[column] != row.cells[column]
                    || was.flatCells?[column] != row.flatCells?[column]
            }
            if !columns.isEmpty { changed[row.target] = Set(columns) }
        }
        return changed
    }

    /// `p`: pauses the automatic refresh of lists and pages, or resumes it.
    func togglePause() {
        guard refreshInterval > 0 else {
            say("there is no automatic refresh to pause (-d 0 turned it off): r refreshes")
            return
        }
        live.paused.toggle()
        say(live.paused ? "automatic refresh paused: p resumes, r refreshes once"
                        : "automatic refresh every \(refreshText) again")
    }

    /// The header's "refresh 2s", or "paused" while `p` holds it.
    var refreshLabel: String { live.paused ? "paused" : "refresh \(refreshText)" }

    /// The same where the header is short: "2s", or "paused".
    var refreshShortLabel: String { live.paused ? "paused" : refreshText }
}

extension ListView {
    /// Redraws a row's changed cells (`columns`) highlighted: their text,
    /// not the padding around it.
    static func drawChanges(_ screen: Screen, _ rect: Rect, row: Int, cells: [String], columns: Set<Int>,
                            placed: [ColumnLayout.Placed], table: Table) {
        for column in placed where columns.contains(column.index) && column.index < cells.count {
            let fitted = TextWidth.fit(cells[column.index], column.width, align: table.columns[column.index].align)
            let lead = fitted.prefix { $0 == " " }.count
            let text = String(fitted.dropFirst(lead).reversed().drop { $0 == " " }.reversed())
            let col = rect.col + 1 + column.x + lead
            let room = rect.col + rect.cols - col
            guard !text.isEmpty, room > 0 else { continue }
            screen.draw(TextWidth.prefix(text, fitting: room).0, row: row, col: col, style: .changed)
        }
    }
}

extension DetailView {
    /// Redraws the changed parts (`ranges`, character offsets into
    /// `line.text`) of a line drawn at `row`: `start` cells of key come
    /// before the text, `left` cells are scrolled off, and `limit` cells of
    /// the pane are the line's (one less when it was cut with "…").
    static func drawChanges(_ screen: Screen, _ rect: Rect, row: Int, text: String, ranges: [Range<Int>],
                            start: Int, left: Int, limit: Int) {
        let characters = Array(text)
        for range in ranges {
            let lower = min(range.lowerBound, characters.count), upper = min(range.upperBound, characters.count)
            guard lower < upper else { continue }
            var part = String(characters[lower..<upper])
            // Cells from the start of the line (after the one-cell margin).
            var from = start + TextWidth.width(String(characters[..<lower]))
            if from < left {
                part = TextWidth.dropping(left - from, of: part)
                from = left
            }
            let col = 1 + from - left
            let room = limit - col
            guard room > 0, !part.isEmpty else { continue }
            screen.draw(TextWidth.prefix(part, fitting: room).0, row: row, col: rect.col + col, style: .changed)
        }
    }
}

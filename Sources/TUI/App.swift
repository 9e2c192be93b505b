// TUI is the interactive browser: a `Screen` (ncursesw, or in memory for
// tests), keys, the list, detail and map-entry views, and the event loop
// (`App`, driven by `Browser.run`). It sees only the browser's model
// (BrowserModel: `BrowserSource`, `BrowserSnapshot`, documents) and the
// formatting beneath it, and never calls BPFKit,
// Iterators or libbpf: LayeringTests checks that. What does not belong
// here: collecting data (BrowserModel's `LiveBrowserSource`) and formatting
// values that the command line prints too (Formatting, ObjectModel).

import BrowserModel
import Formatting
import Glibc

/// The browser's state and behaviour, apart from the terminal: keys go in
/// (`handle`), frames come out (`draw(on:)`), and data arrives from the
/// source through background jobs (`pump`). `Browser.run` drives it with a
/// real terminal; tests drive it with a `MemoryScreen` and a fake source.
public final class App {
    public enum Outcome: Equatable, Sendable {
        case keepGoing
        case quit
    }

    /// The parts of the screen that take keys.
    enum Pane: Equatable { case list, preview, document, entries }

    /// A content view pushed on top of the lists (Enter), popped by Esc.
    final class Page {
        /// What the page shows; nil for a page made here (a map entry).
        let target: BrowserTarget?
        var document: DocumentState
        var loading: Bool
        var entries: EntriesState?
        var focus: Pane = .document
        /// Loads of the document submitted and not yet back.
        var loadsInFlight = 0
        /// A whole document has arrived: reloads now mark what changed.
        var loaded = false
        /// The snapshot, width and statistics state the page's charts were
        /// last drawn for (AppHistory): they change with nothing else.
        var chartsDrawn: (refresh: Double?, width: Int, runStats: Bool)?

        init(target: BrowserTarget?, document: BrowserDocument, loading: Bool) {
            self.target = target
            self.document = DocumentState(document)
            self.loading = loading
        }

        var panes: [Pane] { entries == nil ? [.document] : [.document, .entries] }
    }

    let source: any BrowserSource
    let jobs: Jobs
    /// Seconds between automatic refreshes; 0 turns them off.
    public let refreshInterval: Double
    let clock: () -> Double

    private(set) var snapshot: BrowserSnapshot?
    var section: BrowserSection = .programs
    var tables: [BrowserSection: Table] = [:]
    var lists: [BrowserSection: ListState] = [:]
    var rootFocus: Pane = .list
    var preview = DocumentState(BrowserDocument(title: ""))
    var previewTarget: BrowserTarget?
    var stack: [Page] = []
    var showHelp = false
    /// Keys go to the filter of the focused pane.
    var editingFilter = false
    var status: (text: String, isError: Bool, until: Double)?
    var runStats = false
    var refreshing = false
    var lastRefresh: Double?
    var needsDraw = true
    /// The snapshot's notices last shown, so that each is said once.
    var shownNotices: [String] = []
    /// Rows each pane had at the last draw: how far PgUp/PgDn go.
    var heights: [Pane: Int] = [:]
    /// The preview's size (`z`), prompts and overlays, and where the last
    /// frame put things (for the mouse).
    var chrome = Chrome()
    /// Pause, changed cells, pages due for a reload (AppLive).
    var live = LiveState()
    /// What the lists hide (`O`, `K`, `b`) and the process tree (`t`).
    var listOptions = ListOptions()
    /// Every program's events/s, time per run and CPU% over the session.
    var history = ProgramHistory()
    /// Cells the charts on a program's page were last drawn in.
    var chartWidth = 100

    /// A browser over `source`, collecting on background threads; `start`
    /// opens on that object's list with the cursor on it (`bpfnav demo`
    /// opens on the demo's program).
    /// `runStats`: turn run-time statistics on at once (bpftop does), until
    /// `S` or the end.
    public convenience init(source: any BrowserSource, refreshInterval: Double, start: BrowserTarget? = nil,
                            runStats: Bool = true) {
        self.init(source: source, jobs: Jobs(mode: .threads), refreshInterval: refreshInterval,
                  clock: App.monotonicSeconds, start: start, runStats: runStats)
    }

    init(source: any BrowserSource, jobs: Jobs, refreshInterval: Double, clock: @escaping () -> Double,
         start: BrowserTarget? = nil, runStats: Bool = false) {
        self.source = source
        self.jobs = jobs
        self.refreshInterval = refreshInterval
        self.clock = clock
        for section in BrowserSection.allCases {
            lists[section] = ListState()
            tables[section] = Table(columns: [], rows: [], emptyText: "")
        }
        if let start, let section = App.section(of: start) {
            self.section = section
            // The list keeps the cursor on its selected row when rows arrive.
            lists[section]?.selected = start
        }
        if runStats { enableRunStatsAtStart() }
    }

    /// The list `target` is a row of; nil for a BTF object (none lists them).
    static func section(of target: BrowserTarget) -> BrowserSection? {
        switch target {
        case .object(let object):
            switch object.kind {
            case .program: .programs
            case .map: .maps
            case .link: .links
            case .btf: nil
            }
        case .pin: .pins
        case .task: .tasks
        case .place: .attachments
        }
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    // MARK: The event loop's side

    /// Hands finished background work to the views, starts a refresh when
    /// one is due and reads the map pages now in view. Call it often (the
    /// loop does, every key poll).
    public func pump() {
        if jobs.deliver() { needsDraw = true }
        let now = clock()
        if !refreshing, lastRefresh.map({ refreshInterval > 0 && !live.paused && now - $0 >= refreshInterval }) ?? true {
            refresh()
            live.reloadPageAfterRefresh = true
            rereadVisibleEntries()
        }
        if let status, now >= status.until {
            self.status = nil
            needsDraw = true
        }
        reloadUncoveredPage()
        loadVisibleEntries()
    }

    /// Whether something changed since the last frame.
    public var wantsDraw: Bool {
        if needsDraw { return true }
        // Progress of a walk to a map's end is shown as it goes.
        return stack.last?.entries.map { $0.readingThrough || $0.walk != nil } ?? false
    }

    /// Results and jobs still under way (the footer's "loading…").
    var isBusy: Bool { jobs.pending > 0 }

    // MARK: Lists

    func refresh() {
        refreshing = true
        let source = self.source
        jobs.submit(.lists, { source.snapshot() }) { [weak self] snapshot in
            self?.apply(snapshot)
        }
    }

    func apply(_ snapshot: BrowserSnapshot) {
        let previous = tables
        self.snapshot = snapshot
        refreshing = false
        lastRefresh = clock()
        runStats = snapshot.runStats
        history.record(snapshot, at: snapshot.time ?? clock())
        for section in BrowserSection.allCases {
            let table = listTable(section, snapshot)
            tables[section] = table
            lists[section]?.rebuild(table)
        }
        applied(previous)
        updatePreview(force: true)
        if snapshot.notices != shownNotices {
            shownNotices = snapshot.notices
            if !snapshot.notices.isEmpty { say(snapshot.notices.joined(separator: "; "), error: true) }
        }
        needsDraw = true
    }

    var table: Table { tables[section]! }

    var list: ListState {
        get { lists[section]! }
        set { lists[section] = newValue }
    }

    /// The preview follows the list's cursor.
    func updatePreview(force: Bool = false) {
        let target = list.row(table)?.target
        guard force || target != previewTarget else { return }
        let changed = target != previewTarget
        previewTarget = target
        guard let snapshot, let target else {
            preview = DocumentState(BrowserDocument(title: ""))
            return
        }
        let document = BrowserDocuments.preview(target, in: snapshot)
        if changed {
            preview = DocumentState(document)
        } else {
            preview.replace(with: document, markingChanges: true)
        }
    }

    func switchSection(_ new: BrowserSection) {
        closeAll()
        section = new
        rootFocus = chrome.previewMode == .zoomed ? .preview : .list
        editingFilter = false
        updatePreview()
    }

    // MARK: Pages

    /// Opens `target`: what the snapshot says at once, the rest (and the
    /// entries of a map) as it is read.
    func open(_ target: BrowserTarget) {
        editingFilter = false
        let snapshot = self.snapshot ?? BrowserSnapshot()
        let page = Page(target: target, document: BrowserDocuments.preview(target, in: snapshot), loading: true)
        stack.append(page)
        load(page)
    }

    /// Loads `page`'s document; `quietly` (the automatic refresh) says no
    /// "loading…" and does nothing while a load is still under way.
    func load(_ page: Page, quietly: Bool = false) {
        guard let target = page.target else { return }
        if quietly {
            guard page.loadsInFlight == 0 else { return }
        } else {
            page.loading = true
        }
        page.loadsInFlight += 1
        let source = self.source
        let snapshot = self.snapshot ?? BrowserSnapshot()
        jobs.submit(.content, { source.document(for: target, in: snapshot) }) { [weak self, weak page] document in
            guard let self, let page else { return }
            page.loadsInFlight -= 1
            if page.loadsInFlight == 0 { page.loading = false }
            page.document.replace(with: self.withHistory(document, for: target), markingChanges: page.loaded)
            page.loaded = true
            if let id = document.mapID, page.entries == nil { self.openEntries(page, id) }
            self.needsDraw = true
        }
        if case .object(let object) = target, object.kind == .map, page.entries == nil { openEntries(page, object.id) }
    }

    /// A page made here (no source), such as one map entry.
    func push(_ document: BrowserDocument) {
        stack.append(Page(target: nil, document: document, loading: false))
    }

    func pop() {
        guard let page = stack.popLast() else { return }
        page.entries?.progress.cancelled.store(true, ordering: .relaxed)
        page.entries?.walk?.cancelled.store(true, ordering: .relaxed)
        needsDraw = true
    }

    func closeAll() {
        while !stack.isEmpty { pop() }
    }

    /// Reloads the open page, or refreshes the lists.
    func reload() {
        if !refreshing { refresh() }
        guard let page = stack.last, page.target != nil else { return }
        if let old = page.entries {
            old.progress.cancelled.store(true, ordering: .relaxed)
            let entries = EntriesState(mapID: old.mapID)
            entries.hex = old.hex
            page.entries = nil
            openEntries(page, old.mapID, reusing: entries)
        }
        load(page)
    }

    // MARK: Run stats

    func toggleRunStats() {
        let wanted = !runStats
        let source = self.source
        jobs.submit(.lists, { source.setRunStats(wanted) }) { [weak self] failure in
            guard let self else { return }
            if let failure {
                self.say(failure, error: true)
            } else {
                self.runStats = wanted
                self.say(wanted ? "run-time stats on: the kernel counts every program run (S turns them off)"
                                : "run-time stats off")
                self.refresh()
            }
        }
    }

    // MARK: Messages

    /// Shows `text` in the footer for a few seconds.
    func say(_ text: String, error: Bool = false) {
        status = (text, error, clock() + (error ? 8 : 4))
        needsDraw = true
    }

    static func message(_ error: any Error) -> String {
        if let described = error as? CustomStringConvertible {
            return described.description.split(separator: "\n").joined(separator: " — ")
        }
        return "\(error)"
    }

    /// "2s", "0.5s", "off".
    var refreshText: String {
        guard refreshInterval > 0 else { return "off" }
        if refreshInterval == refreshInterval.rounded() { return "\(Int(refreshInterval))s" }
        return BrowserFormat.fixed(refreshInterval, digits: 1) + "s"
    }
}

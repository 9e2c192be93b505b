import BrowserModel

/// The frame: header, navigator, the lists or the open page, footer, and
/// the help over them.
///
///     bpfnav │ Linux 6.18.0 │ 12 programs · 30 maps · … │ refresh 2s │ stats off
///      1 Programs  2 Maps  3 Links  4 Pins  5 Tasks                 3/12
///      ID TYPE          NAME             …          (the list)
///      …
///      Program 42 bpfnav_task_rec                   (the preview)
///      …
///     Enter open  Tab pane  / filter  s sort  …                 loading…
extension App {
    /// Below this the frame cannot be laid out and a message says so.
    public static let minimumSize = ScreenSize(rows: 16, cols: 60)

    public func draw(on screen: Screen) {
        needsDraw = false
        screen.clear()
        let size = screen.size
        guard size.rows >= Self.minimumSize.rows, size.cols >= Self.minimumSize.cols else {
            drawTooSmall(screen, size)
            return
        }
        drawHeader(screen, cols: size.cols)
        drawNavigator(screen, cols: size.cols)
        let body = Rect(row: 2, col: 0, rows: size.rows - 3, cols: size.cols)
        if let page = stack.last {
            drawPage(page, screen, body)
        } else {
            drawRoot(screen, body)
        }
        drawFooter(screen, row: size.rows - 1, cols: size.cols)
        drawModal(screen, size)
        if showHelp { HelpView.draw(screen, refresh: refreshText) }
    }

    func drawTooSmall(_ screen: Screen, _ size: ScreenSize) {
        let lines = [
            "Terminal too small: \(size)",
            "bpfnav needs at least \(Self.minimumSize)",
            "Enlarge it, or press q to quit",
        ]
        let top = max(0, (size.rows - lines.count) / 2)
        for (offset, line) in lines.enumerated() {
            let text = TextWidth.truncate(line, size.cols)
            let col = max(0, (size.cols - TextWidth.width(text)) / 2)
            screen.draw(text, row: top + offset, col: col, style: offset == 0 ? .error : .normal)
        }
    }

    // MARK: Header and navigator

    func drawHeader(_ screen: Screen, cols: Int) {
        screen.draw(TextWidth.fit(headerText(cols: cols).text, cols), row: 0, col: 0, style: .header)
    }

    /// The header, as much of it as fits: the objects' counts go to the
    /// tabs when they do not fit here (`countsInHeader` false).
    func headerText(cols: Int) -> (text: String, countsInHeader: Bool) {
        let release = snapshot.map { Tables.safe($0.kernelRelease) } ?? "…"
        let shown = snapshot.map(visible)   // without what O, K and b hide
        let count = { (section: BrowserSection) in shown.map { String($0.count(section)) } ?? "…" }
        let stats = "stats " + (runStats ? "on" : "off")
        // The objects' counts (attachments are places, not objects: their tab says).
        let objects = BrowserSection.allCases.filter { $0 != .attachments }
        let long = objects.map { "\(count($0)) \($0.title.lowercased())" }.joined(separator: " · ")
        let variants = [
            (" bpfnav │ Linux \(release) │ \(long) │ \(refreshLabel) │ \(stats)", true),
            (" bpfnav │ \(release) │ \(long) │ \(refreshShortLabel) │ \(stats)", true),
            (" bpfnav │ Linux \(release) │ \(refreshLabel) │ \(stats)", false),
            (" bpfnav │ \(release) │ \(refreshLabel) │ \(stats)", false),
            (" bpfnav \(release) │ \(refreshShortLabel) │ \(stats)", false),
        ]
        if let fits = variants.first(where: { TextWidth.width($0.0) <= cols }) { return fits }
        // Narrower still: the release gives way, everything else stays.
        let rest = " │ \(refreshShortLabel) │ \(stats)"
        return (" " + TextWidth.truncate(release, max(1, cols - 1 - TextWidth.width(rest))) + rest, false)
    }

    func drawNavigator(_ screen: Screen, cols: Int) {
        screen.draw(String(repeating: " ", count: cols), row: 1, col: 0, style: .navigator)
        let position = Tables.safe(navigatorPosition)
        let tabs = self.tabs(cols: cols, reserving: TextWidth.width(position) + 2)
        chrome.tabs = tabs.map { ($0.section, $0.x..<($0.x + TextWidth.width($0.label))) }
        for tab in tabs {
            screen.draw(tab.label, row: 1, col: tab.x, style: tab.section == section ? .navigatorActive : .navigator)
        }
        let x = tabs.last.map { $0.x + TextWidth.width($0.label) } ?? 1
        let room = cols - x - 1
        if room > 4 {
            let text = TextWidth.truncate(position, room)
            screen.draw(text, row: 1, col: cols - 1 - TextWidth.width(text), style: .navigator)
        }
    }

    /// The tabs, numbered, as wide as there is room beside `reserving`
    /// cells: titles with their counts (when the header has none) and gaps;
    /// then no gaps; then the other tabs' counts go, then the open one's;
    /// then the last tabs (never the open one) shrink to their first letters.
    func tabs(cols: Int, reserving wanted: Int) -> [(section: BrowserSection, label: String, x: Int)] {
        let sections = BrowserSection.allCases
        var titles = sections.map(\.title)
        // Without what O, K and b hide, as in the header.
        let shown = headerText(cols: cols).countsInHeader ? nil : snapshot.map(visible)
        var counts = sections.map { section in shown.map { " \($0.count(section))" } ?? "" }
        var gap = 1
        func label(_ item: BrowserSection) -> String { " \(item.rawValue + 1) \(titles[item.rawValue])\(counts[item.rawValue]) " }
        func width() -> Int { sections.reduce(1) { $0 + TextWidth.width(label($1)) + gap } }
        if cols - width() - 1 < wanted { gap = 0 }
        // Counts on every tab, or on the open one, or none: never some.
        for keep in [Set(sections), [section], []] where cols - width() - 1 < wanted {
            for item in sections where !keep.contains(item) { counts[item.rawValue] = "" }
        }
        for item in sections.reversed() where item != section && cols - width() - 1 < wanted {
            titles[item.rawValue] = String(titles[item.rawValue].prefix(2))
        }
        var x = 1
        return sections.map { item in
            defer { x += TextWidth.width(label(item)) + gap }
            return (item, label(item), x)
        }
    }

    /// Where the cursor is in what has focus ("3/30"), after the filter.
    var navigatorPosition: String {
        var position = ""
        if let page = stack.last {
            let focusEntries = page.focus == .entries
            if focusEntries, let entries = page.entries {
                position = entries.position
            } else {
                position = "\(page.document.visible.isEmpty ? 0 : page.document.cursor + 1)/\(page.document.visible.count)"
            }
            if !page.document.filter.isEmpty && !focusEntries { position = "/\(page.document.filter)  " + position }
        } else if snapshot != nil {
            let state = list
            position = "\(state.visible.isEmpty ? 0 : state.cursor + 1)/\(state.visible.count)"
            if !state.filter.isEmpty { position = "/\(state.filter)  " + position }
            if let note = hiddenNote { position = note + "  " + position }
        }
        return position
    }

    // MARK: Body

    func drawRoot(_ screen: Screen, _ body: Rect) {
        // `z`: the list and the preview split the body, or one takes it all
        // (a hidden preview keeps its title line: what the cursor is on).
        let listRows = switch chrome.previewMode {
        case .split: max(5, body.rows * 11 / 20)
        case .hidden: body.rows - 1
        case .zoomed: 0
        }
        chrome.list = nil
        if listRows > 0 {
            let listRect = Rect(row: body.row, col: 0, rows: listRows, cols: body.cols)
            heights[.list] = listRows - 1
            var state = list
            let placed = ListView.draw(screen, listRect, table: table, state: &state, focused: rootFocus == .list,
                                       placeholder: placeholder(state), changed: live.changedCells[section] ?? [:])
            list = state
            chrome.list = (listRect, placed)
        }

        let titleRow = body.row + listRows
        let title = previewTarget == nil ? "" : preview.document.title
        drawTitle(screen, row: titleRow, cols: body.cols, title: title, hint: previewHint)
        let previewRect = Rect(row: titleRow + 1, col: 0, rows: body.rows - listRows - 1, cols: body.cols)
        heights[.preview] = previewRect.rows
        chrome.previewArea = previewRect
        if previewTarget != nil, previewRect.rows > 0 {
            DetailView.draw(screen, previewRect, state: &preview, focused: rootFocus == .preview)
        }
    }

    /// What the list says when it has no rows.
    func placeholder(_ state: ListState) -> (text: String, style: Style)? {
        guard let snapshot else { return ("loading…", .dim) }
        if let error = snapshot.errors[section] { return (Tables.safe(error), .error) }
        if table.rows.isEmpty { return (table.emptyText, .dim) }
        return ("nothing matches '\(Tables.safe(state.filter))' (Esc clears the filter)", .dim)
    }

    func drawPage(_ page: Page, _ screen: Screen, _ body: Rect) {
        showHistory(page, width: body.cols - 2)
        var trail = [section.title] + stack.map(\.document.document.title)
        var title = trail.joined(separator: " › ")
        // Too long: the end matters most.
        while TextWidth.width(title) > body.cols - 14, trail.count > 1 {
            trail.removeFirst()
            title = "… › " + trail.joined(separator: " › ")
        }
        drawTitle(screen, row: body.row, cols: body.cols, title: title, hint: page.loading ? "loading…" : "Esc: back")
        let rest = body.rows - 1
        chrome.entriesArea = nil
        guard let entries = page.entries else {
            let rect = Rect(row: body.row + 1, col: 0, rows: rest, cols: body.cols)
            heights[.document] = rect.rows
            DetailView.draw(screen, rect, state: &page.document, focused: true)
            return
        }
        let documentRows = max(3, min(page.document.visible.count, (rest - 1) * 2 / 5))
        let documentRect = Rect(row: body.row + 1, col: 0, rows: documentRows, cols: body.cols)
        heights[.document] = documentRows
        DetailView.draw(screen, documentRect, state: &page.document, focused: page.focus == .document)

        let entriesTitleRow = documentRect.row + documentRows
        drawTitle(screen, row: entriesTitleRow, cols: body.cols, title: entries.title, hint: entries.hint)
        let entriesRect = Rect(row: entriesTitleRow + 1, col: 0, rows: body.rows - 1 - documentRows - 1, cols: body.cols)
        heights[.entries] = entriesRect.rows - 1
        chrome.entriesArea = entriesRect
        EntriesView.draw(screen, entriesRect, state: entries, focused: page.focus == .entries)
    }

    /// A pane's title bar: the title left, a hint right.
    func drawTitle(_ screen: Screen, row: Int, cols: Int, title: String, hint: String) {
        let hintWidth = TextWidth.width(hint)
        let titleRoom = max(0, cols - hintWidth - 3)
        let left = " " + TextWidth.truncate(title, titleRoom)
        let gap = max(1, cols - TextWidth.width(left) - hintWidth - 1)
        screen.draw(TextWidth.fit(left + String(repeating: " ", count: gap) + hint, cols), row: row, col: 0, style: .title)
    }

    // MARK: Footer

    var isLoading: Bool {
        if snapshot == nil { return true }
        guard let page = stack.last else { return false }
        if page.loading { return true }
        guard let entries = page.entries else { return false }
        return entries.readingThrough || !entries.requested.isEmpty || (entries.reader == nil && entries.error == nil)
    }

    var hints: [(String, String)] {
        if editingFilter {
            let problem = TextFilter(currentFilter).problem.map { "  (\($0))" } ?? ""
            return [("", "Filter: " + Tables.safe(currentFilter) + "▏" + Tables.safe(problem)), ("Enter", "keep"), ("Esc", "clear")]
        }
        let end: [(String, String)] = [("r", "refresh"), ("p", live.paused ? "resume" : "pause"), ("S", "stats"),
                                       ("?", "help"), ("q", "quit")]
        switch focus {
        case .list:
            return [("Enter", "open"), ("Tab", "pane"), ("/", "filter"), ("s", "sort"), ("1-6", "view"), ("z", "preview")] + end
        case .preview:
            return [("Enter", "follow"), ("Esc", "list"), ("Tab", "pane"), ("1-6", "view")] + end
        case .document:
            let tab: [(String, String)] = (stack.last?.entries != nil) ? [("Tab", "entries")] : []
            return [("Enter", "follow"), ("Esc", "back")] + tab + [("/", "filter"), ("←→", "scroll")] + end
        case .entries:
            let hex = stack.last?.entries?.hex ?? false
            return [("Enter", "entry"), ("/", "search"), ("=", "key"), ("s", "sort"), ("x", hex ? "BTF" : "hex"),
                    ("End", "last"), ("Esc", "back"), ("Tab", "info")] + end
        }
    }

    func drawFooter(_ screen: Screen, row: Int, cols: Int) {
        screen.draw(String(repeating: " ", count: cols), row: row, col: 0, style: .footer)
        let all = hints
        let width = { (hint: (String, String)) in
            TextWidth.width(hint.0) + (hint.0.isEmpty ? 0 : 1) + TextWidth.width(hint.1) + 2
        }
        // "? help" and "q quit" always show; a message gets the rest of the
        // line if it needs it; other hints show while they fit.
        let essential = { (hint: (String, String)) in hint.0 == "?" || hint.0 == "q" || hint.0 == "" }
        var room = cols - 1 - all.filter(essential).map(width).reduce(0, +)
        var right = ""
        var rightStyle: Style = .footer
        if let status {
            right = Tables.safe(status.text)
            rightStyle = status.isError ? .error : .footer
        } else if isLoading {
            right = "loading…"
            rightStyle = .dim
        }
        right = TextWidth.truncate(right, max(0, room - 1))
        let rightWidth = TextWidth.width(right)
        room -= rightWidth + (rightWidth > 0 ? 1 : 0)
        var shown: [(String, String)] = []
        for hint in all {
            if essential(hint) {
                shown.append(hint)
            } else if width(hint) <= room {
                shown.append(hint)
                room -= width(hint)
            } else {
                room = 0
            }
        }
        var x = 0
        for (key, label) in shown {
            if !key.isEmpty {
                screen.draw(key, row: row, col: x, style: .footerKey)
                x += TextWidth.width(key) + 1
            }
            let text = TextWidth.truncate(label, max(0, cols - x))
            screen.draw(text, row: row, col: x, style: .footer)
            x += TextWidth.width(text) + 2
        }
        if rightWidth > 0 {
            screen.draw(right, row: row, col: cols - rightWidth - 1, style: rightStyle)
        }
    }
}

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
        let release = snapshot.map { Tables.safe($0.kernelRelease) } ?? "…"
        let shown = snapshot.map(visible)   // without what O, K and b hide
        let count = { (section: BrowserSection) in shown.map { String($0.count(section)) } ?? "…" }
        let stats = "stats " + (runStats ? "on" : "off")
        // The objects' counts (attachments are places, not objects: their tab says).
        let objects = BrowserSection.allCases.filter { $0 != .attachments }
        let long = objects.map { "\(count($0)) \($0.title.lowercased())" }.joined(separator: " · ")
        let short = "P\(count(.programs)) M\(count(.maps)) L\(count(.links)) Pi\(count(.pins)) T\(count(.tasks))"
        let variants = [
            " bpfnav │ Linux \(release) │ \(long) │ \(refreshLabel) │ \(stats)",
            " bpfnav │ \(release) │ \(long) │ \(refreshShortLabel) │ \(stats)",
            " bpfnav \(release) │ \(short) │ \(refreshLabel) │ \(stats)",
            " bpfnav \(release) │ \(short) │ \(refreshShortLabel) │ \(stats)",
        ]
        var text = variants.first { TextWidth.width($0) <= cols } ?? ""
        if text.isEmpty {
            // Narrower still: the release gives way, everything else stays.
            let rest = " │ \(short) │ \(refreshShortLabel) │ \(stats)"
            text = " " + TextWidth.truncate(release, max(1, cols - 1 - TextWidth.width(rest))) + rest
        }
        screen.draw(TextWidth.fit(text, cols), row: 0, col: 0, style: .header)
    }

    func drawNavigator(_ screen: Screen, cols: Int) {
        screen.draw(String(repeating: " ", count: cols), row: 1, col: 0, style: .navigator)
        let position = navigatorPosition
        // Tabs as wide as there is room: full titles with gaps; then no
        // gaps; then the last tabs (never the open one) by number and their
        // first letters, until the position fits beside them.
        var titles = BrowserSection.allCases.map(\.title)
        var gap = 1
        func width() -> Int {
            titles.enumerated().reduce(1) { $0 + TextWidth.width(" \($1.offset + 1) \($1.element) ") + gap }
        }
        let wanted = TextWidth.width(Tables.safe(position)) + 2
        if cols - width() - 1 < wanted { gap = 0 }
        for item in BrowserSection.allCases.reversed() where item != section && cols - width() - 1 < wanted {
            titles[item.rawValue] = String(titles[item.rawValue].prefix(2))
        }
        var x = 1
        for item in BrowserSection.allCases {
            let label = " \(item.rawValue + 1) \(titles[item.rawValue]) "
            screen.draw(label, row: 1, col: x, style: item == section ? .navigatorActive : .navigator)
            x += TextWidth.width(label) + gap
        }
        let room = cols - x - 1
        if room > 4 {
            let text = TextWidth.truncate(Tables.safe(position), room)
            screen.draw(text, row: 1, col: cols - 1 - TextWidth.width(text), style: .navigator)
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
        let listRows = max(5, body.rows * 11 / 20)
        let listRect = Rect(row: body.row, col: 0, rows: listRows, cols: body.cols)
        heights[.list] = listRows - 1
        var state = list
        ListView.draw(screen, listRect, table: table, state: &state, focused: rootFocus == .list,
                      placeholder: placeholder(state), changed: live.changedCells[section] ?? [:])
        list = state

        let titleRow = body.row + listRows
        let title = previewTarget == nil ? "" : preview.document.title
        drawTitle(screen, row: titleRow, cols: body.cols, title: title,
                  hint: previewTarget == nil ? "" : (rootFocus == .preview ? "Esc: back to the list" : "Enter opens · Tab here"))
        let previewRect = Rect(row: titleRow + 1, col: 0, rows: body.rows - listRows - 1, cols: body.cols)
        heights[.preview] = previewRect.rows
        if previewTarget != nil {
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
            return [("", "Filter: " + Tables.safe(currentFilter) + "▏"), ("Enter", "keep"), ("Esc", "clear")]
        }
        let end: [(String, String)] = [("r", "refresh"), ("p", live.paused ? "resume" : "pause"), ("S", "stats"),
                                       ("?", "help"), ("q", "quit")]
        switch focus {
        case .list:
            return [("Enter", "open"), ("Tab", "pane"), ("/", "filter"), ("s", "sort"), ("1-6", "view")] + end
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

import BrowserModel

/// What each key does (the `?` overlay lists them).
extension App {
    /// The pane with the keyboard.
    var focus: Pane { stack.last?.focus ?? rootFocus }

    public func handle(_ key: Key) -> Outcome {
        needsDraw = true
        if key == .resize { return .keepGoing }
        if showHelp {
            // Any key closes the help, q included: it never quits by surprise.
            showHelp = false
            return .keepGoing
        }
        if editingFilter {
            editFilter(key)
            return .keepGoing
        }
        if let entries = stack.last?.entries, entries.prompt != nil {
            entriesPromptKey(key, entries)
            return .keepGoing
        }
        if let modal = chrome.modal {
            modalKey(key, modal)
            if stack.isEmpty { updatePreview() }
            return .keepGoing
        }
        switch key {
        case .char("q"), .function(10):
            return .quit
        case .char("?"), .function(1):
            showHelp = true
        case .char("r"):
            reload()
        case .function(3), .function(4):
            startFilter()
        case .function(5):
            treeKey()
        case .function(6):
            openSortMenu()
        case .function(9):
            removeSelected()
        case .char(":"):
            chrome.modal = .prompt("")
        case .mouse(let event):
            click(event)
        case .char("S"):
            toggleRunStats()
        case .char("p"):
            togglePause()
        case .char(let c) where ("1"..."6").contains(c):
            switchSection(BrowserSection(rawValue: Int(String(c))! - 1)!)
        case .tab:
            cycleFocus(by: 1)
        case .backTab:
            cycleFocus(by: -1)
        case .escape, .backspace:
            back()
        case .char("/"):
            startFilter()
        case .char("x"):
            toggleHex()
        case .char("z"):
            cyclePreview()
        case .char("O"):
            toggleOwn()
        case .char("K"):
            toggleKernelThreads()
        case .char("b"):
            toggleBPFHolders()
        case .char("t"):
            toggleTree()
        default:
            paneKey(key)
        }
        if stack.isEmpty { updatePreview() }
        return .keepGoing
    }

    // MARK: Focus and going back

    func cycleFocus(by step: Int) {
        if let page = stack.last {
            let panes = page.panes
            let index = panes.firstIndex(of: page.focus) ?? 0
            page.focus = panes[((index + step) % panes.count + panes.count) % panes.count]
        } else if chrome.previewMode == .split {
            rootFocus = rootFocus == .list ? .preview : .list
        } else {
            say("one pane shown: z shows the list and the preview")
        }
    }

    /// Esc and Backspace: clear the filter, else close the page, else go
    /// back to the list.
    func back() {
        if let page = stack.last {
            if stopEntriesWalk() { return }
            if !page.document.filter.isEmpty {
                page.document.filter = ""
            } else {
                pop()
            }
            return
        }
        if rootFocus == .list, !list.filter.isEmpty {
            setListFilter("")
        } else if rootFocus == .preview {
            rootFocus = .list
            if chrome.previewMode == .zoomed { chrome.previewMode = .split }
        }
    }

    // MARK: Filter

    func startFilter() {
        if let page = stack.last {
            if page.focus == .entries, let entries = page.entries {
                startEntriesSearch(entries)
                return
            }
            guard page.focus == .document else {
                say("/ filters lists and documents; Tab to the document first")
                return
            }
        } else if chrome.previewMode != .zoomed {
            rootFocus = .list
        }
        editingFilter = true
    }

    var currentFilter: String {
        if let page = stack.last { return page.document.filter }
        return list.filter
    }

    func setFilter(_ text: String) {
        if let page = stack.last {
            page.document.filter = text
        } else {
            setListFilter(text)
        }
    }

    func setListFilter(_ text: String) {
        var state = list
        state.filter = text
        state.rebuild(table, resetScroll: true)
        list = state
        updatePreview()
    }

    func editFilter(_ key: Key) {
        switch key {
        case .enter, .tab:
            editingFilter = false
        case .escape:
            setFilter("")
            editingFilter = false
        case .backspace, .delete:
            var text = currentFilter
            if !text.isEmpty { text.removeLast() }
            setFilter(text)
        case .char(let c):
            setFilter(currentFilter + String(c))
        case .up, .down, .pageUp, .pageDown:
            paneKey(key)
        default:
            break
        }
        if stack.isEmpty { updatePreview() }
    }

    // MARK: Hex

    func toggleHex() {
        guard let entries = stack.last?.entries else {
            say("x shows map entries in hex or through BTF: open a map first")
            return
        }
        entries.hex.toggle()
    }

    // MARK: Movement in panes

    /// Rows a page key moves in `pane`.
    func pageSize(_ pane: Pane) -> Int { max(1, (heights[pane] ?? 10) - 1) }

    func paneKey(_ key: Key) {
        switch focus {
        case .list: listKey(key)
        case .preview: documentKey(key, &preview, pane: .preview)
        case .document:
            guard let page = stack.last else { return }
            documentKey(key, &page.document, pane: .document)
        case .entries:
            guard let entries = stack.last?.entries else { return }
            entriesKey(key, entries)
        }
    }

    /// The new cursor position for a movement key, nil for other keys.
    func movement(_ key: Key, cursor: Int, count: Int, page: Int) -> Int? {
        switch key {
        case .up, .char("k"): cursor - 1
        case .down, .char("j"): cursor + 1
        case .pageUp: cursor - page
        case .pageDown, .char(" "): cursor + page
        case .home, .char("g"): 0
        case .end, .char("G"): count - 1
        default: nil
        }
    }

    func listKey(_ key: Key) {
        var state = list
        let table = self.table
        if let position = movement(key, cursor: state.cursor, count: state.visible.count, page: pageSize(.list)) {
            state.move(to: position, table)
            list = state
            return
        }
        switch key {
        case .enter:
            if let row = state.row(table) { open(row.opens) }
        case .left, .char("h"):
            switchSection(BrowserSection(rawValue: (section.rawValue + 4) % 5)!)
        case .right, .char("l"):
            switchSection(BrowserSection(rawValue: (section.rawValue + 1) % 5)!)
        case .char("s"), .char(">"):
            state.cycleSort(table, by: 1)
            list = state
        case .char("<"):
            state.cycleSort(table, by: -1)
            list = state
        case .char("i"):
            if state.sortColumn != nil {
                state.descending.toggle()
                state.rebuild(table, resetScroll: true)
                list = state
            } else {
                say("i reverses a sort: s chooses the column first")
            }
        default:
            break
        }
    }

    func documentKey(_ key: Key, _ state: inout DocumentState, pane: Pane) {
        if documentLineKey(key, &state, pane: pane) { return }
        if let position = movement(key, cursor: state.cursor, count: state.visible.count, page: pageSize(pane)) {
            state.move(to: position)
            return
        }
        switch key {
        case .enter:
            if let target = state.line?.target { open(target) } else { followJump(&state) }
        case .left, .char("h"):
            state.left = max(0, state.left - 8)
        case .right, .char("l"):
            state.left += 8
        case .char("s"), .char("<"), .char(">"), .char("i"):
            say("sorting applies to the lists")
        default:
            break
        }
    }

    func entriesKey(_ key: Key, _ entries: EntriesState) {
        if entriesCommand(key, entries) { return }
        switch key {
        case .end, .char("G"):
            readThroughEntries(entries)
            return
        case .enter:
            if let entry = entries.entry(entries.cursorEntry) {
                push(EntriesView.document(entry, title: "Map \(entries.mapID) entry #\(entries.cursorEntry)"))
            }
            return
        case .left, .char("h"):
            entries.left = max(0, entries.left - 8)
            return
        case .right, .char("l"):
            entries.left += 8
            return
        default:
            break
        }
        if let position = movement(key, cursor: entries.cursor, count: entries.rowCount, page: pageSize(.entries)) {
            entries.move(to: position)
            loadVisibleEntries()
        }
    }
}

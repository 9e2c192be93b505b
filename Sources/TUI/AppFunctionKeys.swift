import BrowserModel
import ObjectModel

/// The F-keys as htop has them: F1 help, F3/F4 filter, F5 tree, F6 sort
/// menu, F9 remove (with a question first), F10 quit.
extension App {
    // MARK: F5

    /// F5, as htop: the view's tree, where it has one (Tasks: the process
    /// tree, as `t`); the Pins list is one already.
    func treeKey() {
        if section == .tasks, stack.isEmpty {
            toggleTree()
        } else if section == .pins, stack.isEmpty {
            say("the Pins list is a tree already (s sorts it flat); r refreshes")
        } else {
            say("no tree in this view (Tasks has one: 5, then F5); r refreshes")
        }
    }

    // MARK: F6

    func openSortMenu() {
        guard stack.isEmpty else {
            say("F6 sorts the lists: Esc goes back to them")
            return
        }
        guard !table.columns.isEmpty else { return }
        rootFocus = .list
        chrome.modal = .sortMenu(selected: list.sortColumn.map { $0 + 1 } ?? 0)
    }

    /// A key for each column: its first letter not taken (j and k move),
    /// else a digit; 0 is the source's order.
    static func sortLetters(_ titles: [String]) -> [Character] {
        var taken: Set<Character> = ["0", "j", "k"]
        var digits = Array("123456789")
        return titles.map { title in
            let letter = title.lowercased().first { $0.isLetter && $0.isASCII && !taken.contains($0) }
                ?? (digits.isEmpty ? " " : digits.removeFirst())
            taken.insert(letter)
            return letter
        }
    }

    func sortMenuKey(_ key: Key, selected: Int) {
        let count = table.columns.count + 1
        let letters = Self.sortLetters(table.columns.map(\.title))
        switch key {
        case .up, .char("k"):
            chrome.modal = .sortMenu(selected: max(0, selected - 1))
        case .down, .char("j"):
            chrome.modal = .sortMenu(selected: min(count - 1, selected + 1))
        case .home, .char("g"):
            chrome.modal = .sortMenu(selected: 0)
        case .end, .char("G"):
            chrome.modal = .sortMenu(selected: count - 1)
        case .enter:
            sort(by: selected == 0 ? nil : selected - 1)
        case .char("0"):
            sort(by: nil)
        case .char(let c) where letters.contains(Character(c.lowercased())):
            sort(by: letters.firstIndex(of: Character(c.lowercased()))!)
        case .escape, .function(6), .char("q"):
            chrome.modal = nil
        case .mouse(let event):
            // A click on an item picks it; elsewhere closes the menu.
            let box = sortMenuBox(chrome.size)
            let item = event.row - box.row - 2
            if event.kind == .press, (0..<count).contains(item), (box.col..<(box.col + box.cols)).contains(event.col) {
                sort(by: item == 0 ? nil : item - 1)
            } else if event.kind == .press {
                chrome.modal = nil
            }
        default:
            break
        }
    }

    /// Sorts the list by `column` (nil: the source's order) and closes the
    /// menu; the column sorted already is reversed.
    func sort(by column: Int?) {
        chrome.modal = nil
        var state = list
        if let column, column == state.sortColumn {
            state.descending.toggle()
        } else {
            state.sortColumn = column
            state.descending = column.map { table.columns[$0].descendingFirst } ?? false
        }
        state.rebuild(table, resetScroll: true)
        list = state
        let title = column.map { table.columns[$0].title } ?? ""
        say(column == nil ? "in the listed order" : "sorted by \(title) \(state.descending ? "▼" : "▲")")
    }

    /// Where the menu goes: over the list, below the header.
    func sortMenuBox(_ size: ScreenSize) -> Rect {
        let titles = table.columns.map(\.title)
        let width = min(size.cols - 2, max(38, (titles.map(TextWidth.width).max() ?? 0) + 12))
        let height = min(size.rows - 3, titles.count + 5)
        return Rect(row: 2, col: max(0, (size.cols - width) / 2), rows: height, cols: width)
    }

    func drawSortMenu(_ screen: Screen, _ size: ScreenSize, selected: Int) {
        let box = sortMenuBox(size)
        guard box.rows >= 4, box.cols >= 10 else { return }
        let letters = Self.sortLetters(table.columns.map(\.title))
        let state = list
        var items = [("0", "listed order" + (state.sortColumn == nil ? "  ●" : ""))]
        for (index, column) in table.columns.enumerated() {
            let mark = state.sortColumn == index ? (state.descending ? "  ▼" : "  ▲") : ""
            items.append((String(letters[index]), column.title + mark))
        }
        let inner = box.cols - 2
        let rule = String(repeating: "─", count: inner)
        screen.draw("┌" + TextWidth.clip("─ Sort \(section.title) by " + rule, inner) + "┐", row: box.row, col: box.col, style: .overlay)
        screen.draw("│" + String(repeating: " ", count: inner) + "│", row: box.row + 1, col: box.col, style: .overlay)
        let rows = box.rows - 4
        let first = max(0, min(selected - rows + 1, items.count - rows))
        for line in 0..<rows {
            let index = first + line
            let text = index < items.count ? "  " + items[index].0 + "  " + items[index].1 : ""
            screen.draw("│" + TextWidth.fit(text, inner) + "│", row: box.row + 2 + line, col: box.col,
                        style: index == selected ? .selected : .overlay)
        }
        screen.draw("│" + TextWidth.fit(" ↑↓ Enter, or a key; again reverses", inner) + "│", row: box.row + box.rows - 2,
                    col: box.col, style: .overlay)
        screen.draw("└" + TextWidth.clip("─ Esc closes " + rule, inner) + "┘", row: box.row + box.rows - 1, col: box.col,
                    style: .overlay)
    }

    // MARK: F9

    /// F9: unpin the selected pin, when bpfnav pinned it (its manifest
    /// proves it, as for `bpfnav unpin`), after a question. Nothing else in
    /// the browser removes anything.
    func removeSelected() {
        let target = stack.last?.target ?? (stack.isEmpty ? list.row(table)?.target : nil)
        guard case .pin(let path)? = target, let pin = snapshot?.pin(path), pin.kind != .directory else {
            say("F9 unpins bpfnav's own pins (Pins view, 4): nothing to remove here")
            return
        }
        let name = Tables.safe(path)
        switch pin.owner {
        case .iterator:
            chrome.modal = .confirm(question: "unpin \(name)? y/N", refusal: "kept \(name)") { [weak self] in
                self?.unpin(path)
            }
        case .foreign:
            say("F9 would unpin \(name), but bpfnav did not pin it: bpfnav leaves it alone")
        case .programCache, .featureCache, .demo, .manifest:
            say("\(name) is part of bpfnav's own \(pin.owner == .demo ? "demo" : "records and cache"): "
                + "'bpfnav unpin --all' removes it with the rest")
        }
    }

    func unpin(_ path: [UInt8]) {
        let source = self.source
        let name = Tables.safe(path)
        jobs.submit(.lists, { source.unpin(path) }) { [weak self] failure in
            guard let self else { return }
            if let failure {
                self.say(failure, error: true)
            } else {
                self.say("unpinned \(name)")
                if let page = self.stack.last, page.target == .pin(path) { self.pop() }
                self.refresh()
            }
        }
    }
}

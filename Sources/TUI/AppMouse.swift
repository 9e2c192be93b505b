import BrowserModel

/// The mouse: a click on a tab opens its view, on a column's title sorts
/// by it (again: reversed), on a row selects it, on the preview or a
/// document focuses it and puts the cursor on the line, on a map's entry
/// selects it; the wheel moves.
extension App {
    /// Lines the wheel moves.
    static let wheelStep = 3

    func click(_ event: MouseEvent) {
        if event.row == 1, event.kind == .press {
            if let tab = chrome.tabs.first(where: { $0.columns.contains(event.col) }) {
                switchSection(tab.section)
            }
            return
        }
        if let page = stack.last, let entries = page.entries, let area = chrome.entriesArea, contains(area, event) {
            // A map's entries: a click selects the row, the wheel moves.
            page.focus = .entries
            switch event.kind {
            case .wheelUp: entries.move(to: entries.cursor - Self.wheelStep)
            case .wheelDown: entries.move(to: entries.cursor + Self.wheelStep)
            case .press:
                // The first row holds the column titles.
                guard event.row > area.row else { return }
                let position = entries.top + event.row - area.row - 1
                if position < entries.rowCount { entries.move(to: position) }
            }
            loadVisibleEntries()
            return
        }
        if let page = stack.last {
            // A page's document starts below its title, the body's first row
            // (drawPage), and is as high as it was drawn.
            guard let rows = heights[.document] else { return }
            let area = Rect(row: 3, col: 0, rows: rows, cols: chrome.size.cols)
            guard contains(area, event) else { return }
            if page.entries != nil { page.focus = .document }
            pointer(event, in: area, &page.document)
            return
        }
        if let (rect, columns) = chrome.list, contains(rect, event) {
            rootFocus = .list
            var state = list
            switch event.kind {
            case .wheelUp, .wheelDown:
                state.move(to: state.cursor + (event.kind == .wheelUp ? -Self.wheelStep : Self.wheelStep), table)
            case .press where event.row == rect.row:
                // The list has one cell of margin on the left.
                let x = event.col - rect.col - 1
                if let column = columns.first(where: { x >= $0.x && x <= $0.x + $0.width }) {
                    list = state
                    sort(by: column.index)
                    return
                }
            case .press:
                let position = state.top + event.row - rect.row - 1
                if position < state.visible.count { state.move(to: position, table) }
            }
            list = state
        } else if let area = chrome.previewArea, event.row >= area.row - 1, event.row < area.row + area.rows {
            // The preview's title line belongs to it too.
            if chrome.previewMode == .split { rootFocus = .preview }
            if event.row >= area.row { pointer(event, in: area, &preview) }
        }
    }

    private func contains(_ rect: Rect, _ event: MouseEvent) -> Bool {
        event.row >= rect.row && event.row < rect.row + rect.rows && event.col >= rect.col && event.col < rect.col + rect.cols
    }

    /// A click puts the document's cursor on the line; the wheel moves it.
    private func pointer(_ event: MouseEvent, in area: Rect, _ state: inout DocumentState) {
        switch event.kind {
        case .wheelUp: state.move(to: state.cursor - Self.wheelStep)
        case .wheelDown: state.move(to: state.cursor + Self.wheelStep)
        case .press:
            let position = state.top + event.row - area.row
            if position < state.visible.count { state.move(to: position) }
        }
    }
}

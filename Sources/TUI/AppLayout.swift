import BrowserModel

/// How the lists share the body with their preview (`z` cycles).
enum PreviewMode: Equatable {
    /// The list above, the preview below.
    case split
    /// The list takes the body; the preview keeps one title line.
    case hidden
    /// The preview takes the body.
    case zoomed
}

/// What the frame around the views remembers: the preview's size, the
/// prompt and overlay open, and where the last frame put the tabs, the
/// list and the preview (a mouse click finds them there).
struct Chrome {
    var previewMode = PreviewMode.split
    /// What takes the keys before the views (F6, F9, `:`).
    var modal: Modal?
    var tabs: [(section: BrowserSection, columns: Range<Int>)] = []
    /// The list's rectangle and its columns (x from the list's left margin).
    var list: (rect: Rect, columns: [ColumnLayout.Placed])?
    var previewArea: Rect?
    /// A map page's entries pane (its column titles on the first row).
    var entriesArea: Rect?
    /// The screen's size at the last frame.
    var size = ScreenSize(rows: 24, cols: 80)
}

/// A menu, question or prompt over the views: keys go to it until it closes.
enum Modal {
    /// F6: the columns of the list, `selected` under the cursor (0 is the
    /// source's order).
    case sortMenu(selected: Int)
    /// "unpin PATH? y/N": `y` runs `action`, any other key keeps it.
    case confirm(question: String, refusal: String, action: () -> Void)
    /// `:` and what has been typed after it.
    case prompt(String)
}

extension App {
    /// Keys while a modal is open.
    func modalKey(_ key: Key, _ modal: Modal) {
        switch modal {
        case .sortMenu(let selected): sortMenuKey(key, selected: selected)
        case .confirm(_, let refusal, let action):
            chrome.modal = nil
            if key == .char("y") || key == .char("Y") {
                action()
            } else {
                say(refusal)
            }
        case .prompt(let text): promptKey(key, text: text)
        }
    }

    /// The modal over the frame: the sort menu over the list, a question
    /// or the prompt on the footer's line.
    func drawModal(_ screen: Screen, _ size: ScreenSize) {
        chrome.size = size
        switch chrome.modal {
        case .sortMenu(let selected)?:
            drawSortMenu(screen, size, selected: selected)
        case .confirm(let question, _, _)?:
            screen.draw(TextWidth.fit(" " + question, size.cols), row: size.rows - 1, col: 0, style: .error)
        case .prompt(let text)?:
            let line = ":" + Tables.safe(text) + "▏"
            // Tab's candidates and errors show here while the prompt is open.
            let hint = status.map { Tables.safe($0.text) } ?? "Tab completes · Enter jumps · Esc cancels"
            let room = max(0, size.cols - TextWidth.width(line) - 3)
            let right = TextWidth.truncate(hint, room)
            let shown = line + String(repeating: " ", count: room - TextWidth.width(right) + 1) + right
            screen.draw(TextWidth.fit(shown, size.cols), row: size.rows - 1, col: 0, style: .footer)
        case nil:
            break
        }
    }

    /// `z`: list and preview → list alone → preview alone → both again.
    func cyclePreview() {
        guard stack.isEmpty else {
            say("z hides or zooms the preview beside the lists; Esc goes back to them")
            return
        }
        switch chrome.previewMode {
        case .split:
            chrome.previewMode = .hidden
            rootFocus = .list
            say("preview hidden (z zooms it)")
        case .hidden:
            chrome.previewMode = .zoomed
            rootFocus = .preview
            say("preview zoomed (z or Esc: list and preview)")
        case .zoomed:
            chrome.previewMode = .split
            rootFocus = .list
            say("list and preview")
        }
    }

    /// The right end of the preview's title bar: what the keys do there.
    var previewHint: String {
        guard previewTarget != nil else { return chrome.previewMode == .split ? "" : "z: list and preview" }
        switch chrome.previewMode {
        case .split: return rootFocus == .preview ? "Esc: back to the list" : "Enter opens · Tab here"
        case .hidden: return "preview hidden · z zooms it"
        case .zoomed: return "zoomed · z: list and preview"
        }
    }
}

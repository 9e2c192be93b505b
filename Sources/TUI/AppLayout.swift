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
    var tabs: [(section: BrowserSection, columns: Range<Int>)] = []
    /// The list's rectangle and its columns (x from the list's left margin).
    var list: (rect: Rect, columns: [ColumnLayout.Placed])?
    var previewArea: Rect?
}

extension App {
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
            say("preview hidden: the list takes the screen (z zooms the preview)")
        case .hidden:
            chrome.previewMode = .zoomed
            rootFocus = .preview
            say("preview zoomed (z: list and preview again, Esc: the list)")
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

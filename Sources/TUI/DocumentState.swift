import BrowserModel

/// A document's position and filter. The cursor moves over every line
/// shown (`visible`); Enter follows the line's target when it has one.
struct DocumentState {
    private(set) var document: BrowserDocument
    var cursor = 0
    var top = 0
    /// Cells scrolled to the right.
    var left = 0
    var filter = "" {
        didSet { rebuild() }
    }
    private(set) var visible: [Int] = []

    init(_ document: BrowserDocument) {
        self.document = document
        rebuild()
    }

    /// What changed in the last reload, by line of `document`: character
    /// ranges of the line's text (shown highlighted until the next one).
    private(set) var changes: [Int: [Range<Int>]] = [:]

    /// Replaces the document (a fuller one, a reload), keeping the cursor on
    /// the same line and that line on the same row; `markingChanges` notes
    /// what changed since the document replaced.
    mutating func replace(with document: BrowserDocument, markingChanges: Bool = false) {
        let matches = LineMatching.match(self.document.lines, document.lines)
        let cursorLine = visible.isEmpty ? nil : visible[cursor]
        let row = cursor - top
        changes = markingChanges ? LineMatching.changes(self.document.lines, document.lines, matches) : [:]
        self.document = document
        rebuild()
        if let cursorLine, let line = matches.firstIndex(of: cursorLine), let position = visible.firstIndex(of: line) {
            cursor = position
            top = max(0, position - row)
        }
    }

    var line: BrowserLine? { visible.isEmpty ? nil : document.lines[visible[cursor]] }

    /// Matching lines, each under its section's heading.
    private mutating func rebuild() {
        let matcher = TextFilter(filter)
        if matcher.isEmpty {
            visible = Array(document.lines.indices)
        } else {
            visible = []
            var heading: Int?
            for (index, line) in document.lines.enumerated() {
                if line.kind == .heading {
                    heading = index
                    if matcher.matches(lowercased: line.text.lowercased()) {
                        visible.append(index)
                        heading = nil
                    }
                    continue
                }
                guard matcher.matches(lowercased: (line.key + " " + line.text).lowercased()) else { continue }
                if let pending = heading {
                    visible.append(pending)
                    heading = nil
                }
                visible.append(index)
            }
        }
        cursor = max(0, min(cursor, visible.count - 1))
    }

    mutating func move(to position: Int) {
        cursor = max(0, min(position, visible.count - 1))
    }

    mutating func scroll(height: Int) {
        guard height > 0 else { return }
        if cursor < top { top = cursor }
        if cursor >= top + height { top = cursor - height + 1 }
        top = max(0, min(top, max(0, visible.count - height)))
    }
}

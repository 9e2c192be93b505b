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

    /// Replaces the document (a fuller one, a reload), keeping the position.
    mutating func replace(with document: BrowserDocument) {
        self.document = document
        rebuild()
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

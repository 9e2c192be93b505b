import BrowserModel

/// The cursor of a document moves between the lines that open something
/// (as links on a page): ↑ ↓ j k skip the plain lines between them, and go
/// line by line past the last one so that the text after it stays in
/// reach. A document with nothing to open scrolls instead, with no cursor.
/// PgUp PgDn g G move by pages and to the ends, over every line.
extension DocumentState {
    /// Whether Enter on `line` opens something, or goes somewhere (an
    /// instruction's jump).
    static func opens(_ line: BrowserLine) -> Bool { line.target != nil || line.jump != nil }

    /// Whether any line shown opens something (else the document scrolls).
    var hasOpenableLines: Bool { visible.contains { Self.opens(document.lines[$0]) } }

    /// The position of the next line that opens something after (`step`
    /// 1) or before (-1) the cursor.
    func openable(from position: Int, step: Int) -> Int? {
        var next = position + step
        while next >= 0, next < visible.count {
            if Self.opens(document.lines[visible[next]]) { return next }
            next += step
        }
        return nil
    }

    /// ↑ ↓ j k: to the next line that opens something, else one line;
    /// with nothing to open, the text scrolls a line (`height` rows shown).
    mutating func step(_ step: Int, height: Int) {
        guard hasOpenableLines else {
            top = max(0, min(top + step, visible.count - max(1, height)))
            cursor = top
            return
        }
        move(to: openable(from: cursor, step: step) ?? cursor + step)
    }
}

extension App {
    /// The keys a document takes before the common movements: ↑ ↓ j k
    /// between openable lines, and Enter on a line that opens nothing.
    /// Returns whether the key was taken.
    func documentLineKey(_ key: Key, _ state: inout DocumentState, pane: Pane) -> Bool {
        switch key {
        case .up, .char("k"):
            state.step(-1, height: heights[pane] ?? 10)
        case .down, .char("j"):
            state.step(1, height: heights[pane] ?? 10)
        case .enter where state.line.map(DocumentState.opens) != true:
            if state.hasOpenableLines {
                say("Enter opens the lines marked › and follows jumps: j k move between them")
            } else {
                say("nothing on this page opens: Esc goes back")
            }
        default:
            return false
        }
        return true
    }
}

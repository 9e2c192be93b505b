import BrowserModel

// Enter on a jump in a program's instructions (`goto pc+5`, `call pc+12`)
// moves the cursor to the instruction it goes to: a jump within the
// document, not a page of its own.

extension DocumentState {
    /// Moves the cursor to the instruction the line under it jumps to;
    /// false when it is no jump or its target is filtered out.
    mutating func followJump() -> Bool {
        guard let target = line?.jump,
              let lineIndex = document.lines.firstIndex(where: { $0.instruction == target }),
              let position = visible.firstIndex(of: lineIndex) else { return false }
        move(to: position)
        return true
    }
}

extension App {
    /// Enter on a document line without a target: follow it if it is a jump.
    func followJump(_ state: inout DocumentState) {
        guard let target = state.line?.jump else { return }
        if !state.followJump() { say("instruction \(target) is filtered out: clear the filter to go there") }
    }
}

import BrowserModel

/// Which line of a reloaded document is which line of the one before, and
/// what changed in it: the cursor stays on its line, and changed values
/// are highlighted (as `watch -d` does).
///
/// A line is known by its kind, its key (a field's name) or what it opens,
/// and its section (the heading above it, digits left out: "Files (12)" is
/// "Files (13)" a moment later); lines alike in all of that (instructions,
/// iterator output) by their order within the section.
enum LineMatching {
    private struct Identity: Hashable {
        var kind: BrowserLine.Kind
        var key: String
        var target: BrowserTarget?
        var section: String
        var occurrence: Int
    }

    /// For each line of `new`, the index of the same line in `old`, if any.
    static func match(_ old: [BrowserLine], _ new: [BrowserLine]) -> [Int?] {
        var known: [Identity: Int] = [:]
        for (index, identity) in identities(old).enumerated() { known[identity] = index }
        return identities(new).map { known[$0] }
    }

    private static func identities(_ lines: [BrowserLine]) -> [Identity] {
        var seen: [Identity: Int] = [:]
        var section = ""
        return lines.map { line in
            var key = line.key
            if line.kind == .heading {
                section = withoutDigits(line.text)
                key = section
            }
            var identity = Identity(kind: line.kind, key: key, target: line.target,
                                    section: line.kind == .heading ? "" : section, occurrence: 0)
            let occurrence = seen[identity, default: 0]
            seen[identity] = occurrence + 1
            identity.occurrence = occurrence
            return identity
        }
    }

    private static func withoutDigits(_ text: String) -> String {
        String(text.unicodeScalars.filter { !("0"..."9").contains($0) })
    }

    /// The lines of `new` whose text differs from their match in `old`,
    /// with the ranges that changed (`changedRanges`).
    static func changes(_ old: [BrowserLine], _ new: [BrowserLine], _ matches: [Int?]) -> [Int: [Range<Int>]] {
        var changes: [Int: [Range<Int>]] = [:]
        for (index, match) in matches.enumerated() {
            guard let match, old[match].text != new[index].text else { continue }
            let ranges = changedRanges(old[match].text, new[index].text)
            if !ranges.isEmpty { changes[index] = ranges }
        }
        return changes
    }

    /// The words of `new` (as character offsets) that are not what they
    /// were in `old`. The same number of words: each word that differs
    /// ("408 runs, 12.5/s" → "563 runs, 12.5/s" marks "563"); else the
    /// span between the words both start and end with.
    static func changedRanges(_ old: String, _ new: String) -> [Range<Int>] {
        let before = words(old), after = words(new)
        if before.count == after.count {
            return after.indices.filter { before[$0].text != after[$0].text }.map { after[$0].range }
        }
        let common = min(before.count, after.count)
        var head = 0
        while head < common, before[head].text == after[head].text { head += 1 }
        var tail = 0
        while tail < common - head, before[before.count - 1 - tail].text == after[after.count - 1 - tail].text { tail += 1 }
        let changed = after[head..<(after.count - tail)]
        guard let first = changed.first, let last = changed.last else { return [] }
        return [first.range.lowerBound..<last.range.upperBound]
    }

    /// Runs of letters, digits and the marks inside numbers, times and
    /// names ("12.5", "10:42:01", "run_cnt", "3%"), with their offsets.
    static func words(_ text: String) -> [(text: Substring, range: Range<Int>)] {
        var words: [(text: Substring, range: Range<Int>)] = []
        var start: (index: String.Index, offset: Int)?
        var offset = 0
        var index = text.startIndex
        while index <= text.endIndex {
            let inWord = index < text.endIndex && isWordCharacter(text[index])
            if inWord, start == nil { start = (index, offset) }
            if !inWord, let begun = start {
                words.append((text[begun.index..<index], begun.offset..<offset))
                start = nil
            }
            guard index < text.endIndex else { break }
            index = text.index(after: index)
            offset += 1
        }
        return words
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "._-%:+'".contains(character)
    }
}

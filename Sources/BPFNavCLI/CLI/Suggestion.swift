/// "did you mean …?" for an unknown command or option.
enum Suggestion {
    /// The one name among `candidates` that `typed` was most likely meant
    /// to be, or nil when none is close or two are equally close.
    ///
    /// Close is a few edits (optimal string alignment distance: insert,
    /// delete, change, or swap two neighbours, ignoring case), fewer for a
    /// short word: none up to 2 characters, 1 up to 5, 2 beyond. Failing
    /// that, a word that begins exactly one name ("fe" for features).
    static func best(for typed: String, among candidates: [String]) -> String? {
        let word = Array(typed.lowercased())
        guard !word.isEmpty else { return nil }
        let allowed = min(2, word.count / 3)
        var best: String?
        var bestDistance = allowed + 1
        var tied = false
        for candidate in candidates {
            let distance = Suggestion.distance(word, Array(candidate.lowercased()))
            if distance < bestDistance {
                best = candidate
                bestDistance = distance
                tied = false
            } else if distance == bestDistance, best != nil, candidate != best {
                tied = true
            }
        }
        if let best, !tied { return best }
        if best != nil { return nil }
        let prefixed = candidates.filter { Array($0.lowercased()).starts(with: word) }
        return prefixed.count == 1 ? prefixed[0] : nil
    }

    /// Optimal string alignment distance: the edits that turn `a` into `b`,
    /// where an edit inserts, deletes or changes one character or swaps two
    /// neighbours (each substring edited once).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Three rows of the usual table: the one before last, the last, this one.
        var before = [Int](repeating: 0, count: b.count + 1)
        var last = Array(0...b.count)
        var row = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            row[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                row[j] = min(last[j] + 1, row[j - 1] + 1, last[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    row[j] = min(row[j], before[j - 2] + 1)
                }
            }
            (before, last, row) = (last, row, before)
        }
        return last[b.count]
    }
}

/// A filter as typed (`/`): a regular expression, case-insensitive
/// (`demo|task`, `^bpfnav_`, `sys_(enter|exit)`; `^` and `$` match at
/// each cell of a list's row), or the text itself as a
/// substring, as it always was; an invalid expression (`tp(`) matches as
/// text alone, and `problem` says so.
struct TextFilter {
    let text: String
    private let needle: String
    private let regex: Regex<AnyRegexOutput>?
    /// Why the text is matched as text although it looks like an expression.
    let problem: String?

    static let syntax = Set("\\^$.|?*+()[]{}")

    init(_ text: String) {
        self.text = text
        needle = text.lowercased()
        var regex: Regex<AnyRegexOutput>?
        var problem: String?
        if text.contains(where: Self.syntax.contains) {
            do {
                // A list's row is a line per cell: ^name matches a name.
                regex = try Regex(text).ignoresCase().anchorsMatchLineEndings()
            } catch {
                problem = "not a regular expression: matching '\(text)' as text"
            }
        }
        self.regex = regex
        self.problem = problem
    }

    var isEmpty: Bool { text.isEmpty }

    /// Whether `text` (lowercased already, as the lists keep it) matches.
    /// The text as typed matches too, so that text with parentheses or
    /// dots (`demo0 (netns x)`, `10.0.0.1`) still finds itself.
    func matches(lowercased text: String) -> Bool {
        if text.contains(needle) { return true }
        guard let regex else { return false }
        return (try? regex.firstMatch(in: text)) != nil
    }
}

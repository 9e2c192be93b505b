import Glibc

/// Colour in tables, as `ls` and bpftool's tables have it: headers bold,
/// the first column (the id, the pid) cyan. Only on a terminal, never with
/// NO_COLOR set (https://no-color.org); `--color=always|never|auto` says
/// otherwise.
enum Colour {
    enum Mode: String, CaseIterable {
        case auto, always, never
    }

    /// Whether this run colours its tables (decided once, in `CLI.run`).
    nonisolated(unsafe) static var enabled = false

    /// `--color`'s decision: `auto` colours a terminal unless NO_COLOR
    /// is set to anything but the empty string.
    static func decide(_ mode: Mode, isTerminal: Bool, noColor: String?) -> Bool {
        switch mode {
        case .always: true
        case .never: false
        case .auto: isTerminal && (noColor ?? "").isEmpty
        }
    }

    /// The mode of `--color=WHEN` / `--color WHEN` anywhere before `--`
    /// (auto when absent), and the arguments without it.
    static func extracting(from args: [String]) throws(UsageError) -> (args: [String], mode: Mode) {
        var mode = Mode.auto
        let rest = try CLI.withoutGlobals(args) { word, next throws(UsageError) -> Int in
            let value: String?
            let taken: Int
            if word == "--color" || word == "--colour" {
                value = next
                taken = 2
            } else if word.hasPrefix("--color=") || word.hasPrefix("--colour=") {
                value = String(word[word.index(after: word.firstIndex(of: "=")!)...])
                taken = 1
            } else {
                return 0
            }
            guard let value else { throw UsageError("--color needs a value (auto, always or never)") }
            guard let given = Mode(rawValue: value) else {
                throw UsageError("--color takes auto, always or never, not '\(value)'")
            }
            mode = given
            return taken
        }
        return (rest, mode)
    }

    static let bold = "\u{1b}[1m"
    static let cyan = "\u{1b}[36m"
    static let reset = "\u{1b}[0m"

    /// `text` in `style` when colour is on.
    static func paint(_ text: String, _ style: String) -> String {
        enabled && !text.isEmpty ? style + text + reset : text
    }
}

/// Help texts, generated from the command table.
enum Help {
    static func usage(_ spec: CommandSpec) -> String {
        var parts = ["bpfnav", spec.name]
        if let positionals = spec.positionals { parts.append("[\(positionals)…]") }
        for option in spec.options {
            parts.append(option.value.map { "[--\(option.name) \($0)]" } ?? "[--\(option.name)]")
        }
        return parts.joined(separator: " ")
    }

    static func text(_ spec: CommandSpec) -> String {
        var out = wrap(spec.abstract) + "\n\n" + wrap("USAGE: \(usage(spec))", indent: 7) + "\n"
        if !spec.discussion.isEmpty { out += "\n" + discussion(spec.discussion) + "\n" }
        if let positionals = spec.positionals {
            out += "\nARGUMENTS:\n" + row("<\(positionals)>", spec.positionalHelp)
        }
        out += "\nOPTIONS:\n"
        for option in spec.options {
            let left = option.value.map { "--\(option.name) <\($0)>" } ?? "--\(option.name)"
            out += row(left, option.help)
        }
        out += row("-h, --help", "Show this help.")
        out += "\nGLOBAL OPTIONS:\n" + globalOptions
        return out
    }

    /// An option every command takes: CLI.run takes them out first.
    struct GlobalOption {
        let short: String?
        let long: String
        /// The placeholder of its value, nil for a flag.
        let value: String?
        /// The values it takes, for completion.
        let choices: [String]
        let help: String

        var left: String {
            let long = value.map { "--\(self.long) <\($0)>" } ?? "--\(self.long)"
            return short.map { "-\($0), " + long } ?? long
        }
    }

    static let globals: [GlobalOption] = [
        GlobalOption(short: "v", long: "verbose", value: nil, choices: [], help: "With an error, print libbpf's messages too: a program the verifier refused gets its whole log (which is also saved to the file the error names)."),
        GlobalOption(short: "p", long: "pretty", value: nil, choices: [], help: "Pretty-printed JSON (implies --json), as bpftool -p."),
        GlobalOption(short: nil, long: "color", value: "WHEN", choices: Colour.Mode.allCases.map(\.rawValue),
                     help: "Colour in tables: auto (on a terminal, unless NO_COLOR is set), always or never."),
        GlobalOption(short: "V", long: "version", value: nil, choices: [], help: "Print bpfnav's version (bpfnav version)."),
    ]

    static let globalOptions = globals.map { row($0.left, $0.help) }.joined()

    static func overview(_ commands: [CommandSpec]) -> String {
        var out = """
        bpfnav: BPF programs, maps, pins and the kernel's view of processes, through
        BPF iterators.

        USAGE: bpfnav COMMAND [OPTIONS]

        COMMANDS:

        """
        for spec in commands { out += row(spec.name, spec.abstract) }
        out += "\nGLOBAL OPTIONS:\n" + globalOptions
        out += """

        Pinned iterators keep working while bpfnav is not running:
          bpfnav pin files --pid 1234      # pins /sys/fs/bpf/bpfnav/files-pid-1234
          cat /sys/fs/bpf/bpfnav/files-pid-1234
          bpfnav unpin --all

        See 'bpfnav COMMAND --help' for a command's options.

        """
        return out
    }

    /// `text` wrapped at 80 columns; continuation lines indented by `indent`
    /// (a line's own leading spaces are kept for its continuations too).
    static func wrap(_ text: String, indent: Int = 0) -> String {
        guard text.count > 80 else { return text }
        let leading = text.prefix { $0 == " " }.count
        let pad = String(repeating: " ", count: max(indent, leading))
        var lines: [String] = []
        var line = String(repeating: " ", count: leading)
        var empty = true
        for word in text.dropFirst(leading).split(separator: " ") {
            if !empty && line.count + 1 + word.count > 80 {
                lines.append(line)
                line = pad + word
            } else {
                line += (empty ? "" : " ") + word
            }
            empty = false
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// A command's discussion wrapped at 80 columns. Lines of prose run
    /// together into paragraphs (a blank line ends one); a line with a gap of
    /// two or more spaces is a row ("bpfnav map ID    what it does"), whose
    /// text wraps under its own column, and the more indented lines after it
    /// continue it.
    static func discussion(_ text: String) -> String {
        var out: [String] = []
        var prose: [Substring] = []
        var row: (left: String, column: Int, words: [Substring])?
        func finish() {
            if !prose.isEmpty { out.append(wrap(prose.joined(separator: " "))) }
            prose = []
            if let (left, column, words) = row { out.append(hanging(left, column: column, words)) }
            row = nil
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let leading = line.prefix { $0 == " " }.count
            let body = line.dropFirst(leading)
            if body.isEmpty {
                finish()
                out.append("")
            } else if let open = row, leading >= 8 {
                row = (open.left, open.column, open.words + body.split(separator: " "))
            } else if let gap = body.firstRange(of: "  ") {
                finish()
                let rest = body[gap.upperBound...].drop { $0 == " " }
                let left = String(line[..<gap.lowerBound])
                row = (left, line.distance(from: line.startIndex, to: rest.startIndex), rest.split(separator: " "))
            } else {
                if row != nil {
                    // Rows, then prose: a blank line between them.
                    finish()
                    out.append("")
                }
                prose += line.split(separator: " ")
            }
        }
        finish()
        return out.joined(separator: "\n")
    }

    /// `left`, then `words` from `column` on, wrapped at 80 columns under
    /// that column (on the next line when `left` reaches it).
    static func hanging(_ left: String, column: Int, _ words: [Substring]) -> String {
        let column = min(column, 40)
        var line = left.count + 2 <= column ? left + String(repeating: " ", count: column - left.count)
            : left + "\n" + String(repeating: " ", count: column)
        var width = column
        for (i, word) in words.enumerated() {
            if i > 0 && width + 1 + word.count > 80 {
                line += "\n" + String(repeating: " ", count: column)
                width = column
            } else if i > 0 {
                line += " "
                width += 1
            }
            line += word
            width += word.count
        }
        return line
    }

    /// "  left        help", help wrapped at 80 columns.
    static func row(_ left: String, _ help: String) -> String {
        let indent = 26
        var line = "  " + left
        line += line.count < indent ? String(repeating: " ", count: indent - line.count) : "\n" + String(repeating: " ", count: indent)
        var column = indent
        var first = true
        for word in help.split(separator: " ") {
            if !first && column + 1 + word.count > 80 {
                line += "\n" + String(repeating: " ", count: indent)
                column = indent
            } else if !first {
                line += " "
                column += 1
            }
            line += word
            column += word.count
            first = false
        }
        return line + "\n"
    }
}

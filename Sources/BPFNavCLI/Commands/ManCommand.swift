import Encoding

// `bpfnav man`: the manual page (roff, section 1), generated from the
// command table as the help texts are.

enum ManCommand {
    static let spec = CommandSpec(
        name: "man",
        abstract: "Print the manual page (roff, section 1; generated from the command table).",
        discussion: """
        bpfnav man > /usr/local/share/man/man1/bpfnav.1
        bpfnav man | man -l -
        './dev run' installs it with the completion scripts.
        """,
        run: { _ in Output.standardOutput.write(page(CLI.commands)) }
    )

    /// `text` as roff text: backslashes and hyphens escaped, what is not
    /// ASCII by code point, and no line that starts with a control character.
    static func escaped(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            default:
                for scalar in c.unicodeScalars {
                    if scalar.isASCII {
                        out.unicodeScalars.append(scalar)
                    } else {
                        // groff reads ASCII: others by code point (\[u2026] for …).
                        let hex = String(scalar.value, radix: 16, uppercase: true)
                        out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
                    }
                }
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    /// An option's tag: `\fB\-\-pid\fR \fIPID\fR`.
    static func tag(_ names: [String], value: String?) -> String {
        names.map { "\\fB\(escaped($0))\\fR" }.joined(separator: ", ") + (value.map { " \\fI\(escaped($0))\\fR" } ?? "")
    }

    /// A command's discussion: rows ("bpfnav map ID   what it does") as
    /// tagged paragraphs, prose filled by roff (Help.discussion's reading).
    static func discussion(_ text: String) -> String {
        var out: [String] = []
        var inRow = false
        var needParagraph = true
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let leading = line.prefix { $0 == " " }.count
            let body = line.dropFirst(leading)
            if body.isEmpty {
                needParagraph = true
                inRow = false
            } else if inRow, leading >= 8 {
                out.append(escaped(String(body)))
            } else if let gap = body.firstRange(of: "  ") {
                out += [".TP", escaped(String(body[..<gap.lowerBound])),
                        escaped(String(body[gap.upperBound...].drop { $0 == " " }))]
                inRow = true
                needParagraph = true
            } else {
                if needParagraph { out.append(".PP") }
                needParagraph = false
                inRow = false
                out.append(escaped(String(body)))
            }
        }
        return out.joined(separator: "\n")
    }

    static func page(_ commands: [CommandSpec]) -> String {
        var out = """
        .TH BPFNAV 1 "" "bpfnav \(Version.number)" "User Commands"
        .SH NAME
        bpfnav \\- BPF programs, maps, pins and the kernel's view of processes, through BPF iterators
        .SH SYNOPSIS
        .B bpfnav
        .RI [ COMMAND ]
        .RI [ OPTIONS ]
        .SH DESCRIPTION
        bpfnav lists the kernel's BPF programs, maps, links and pins, and the processes, open files and
        mappings BPF iterators see, as tables or JSON (with bpftool's field names).
        With no command on a terminal it opens a browser of all of them.
        .PP
        See
        .B bpfnav COMMAND \\-\\-help
        for a command's help; it says the same as this page.
        .SH COMMANDS

        """
        for spec in commands {
            out += ".SS \(escaped(spec.name))\n"
            out += ".B \(escaped(Help.usage(spec)))\n.PP\n\(escaped(spec.abstract))\n"
            if !spec.discussion.isEmpty { out += discussion(spec.discussion) + "\n" }
            if let positionals = spec.positionals {
                out += ".TP\n\\fI\(escaped(positionals))\\fR\n\(escaped(spec.positionalHelp))\n"
            }
            for option in spec.options {
                out += ".TP\n\(tag(["--" + option.name], value: option.value))\n\(escaped(option.help))\n"
            }
            out += ".TP\n\(tag(["-h", "--help"], value: nil))\nShow this help.\n"
        }
        out += ".SH GLOBAL OPTIONS\n"
        for option in Help.globals {
            let names = (option.short.map { ["-" + $0] } ?? []) + ["--" + option.long]
            out += ".TP\n\(tag(names, value: option.value))\n\(escaped(option.help))\n"
        }
        out += """
        .SH ENVIRONMENT
        .TP
        .B NO_COLOR
        When set (and not empty), tables are never coloured (https://no\\-color.org).
        .SH EXIT STATUS
        0 on success, 1 on an error, 64 for a wrong command line.
        .SH SEE ALSO
        .BR bpftool (8),
        .BR bpf (2)

        """
        return out
    }
}

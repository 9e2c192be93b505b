import BPFKit

/// bpfnav's command line, without a parsing library.
///
/// swift-argument-parser finds its options through reflection and dynamic
/// casts and brings FoundationEssentials along; measured here that cost
/// 2.5–3 ms of every run, more than a whole task listing takes. One-shot
/// commands are bpfnav's reason to exist, so the parser is this small table.

/// One option of a command.
struct OptionSpec: Sendable {
    /// Without the leading dashes: "pid".
    let name: String
    /// nil for a flag; the placeholder shown in help otherwise.
    let value: String?
    let help: String

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: nil, help: help)
    }

    static func option(_ name: String, _ value: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: value, help: help)
    }
}

/// One command: its options, positional arguments and what it does.
struct CommandSpec: Sendable {
    let name: String
    let abstract: String
    var discussion: String = ""
    var options: [OptionSpec] = []
    /// Placeholder for positional arguments ("KIND"), nil if none are taken.
    var positionals: String? = nil
    var positionalHelp: String = ""
    let run: @Sendable (Arguments) throws -> Void
}

/// A wrong command line: the message, and exit status 64 (EX_USAGE).
struct UsageError: Error {
    let message: String
    /// What to do, on a line of its own.
    var hint: String?
    /// The errno of a check that found the argument wrong (EINVAL for a
    /// pin name bpffs would refuse).
    var errno: Int32 = 0

    init(_ message: String) { self.message = message }

    /// A check's error on an argument, as a usage error: same words, same
    /// errno, exit status 64.
    init(_ error: BPFError) {
        message = error.message
        hint = error.hint
        errno = error.errno
    }
}

/// Runs a check of the user's words (a pin name); its failure is a usage
/// error.
func usage<T>(_ body: () throws(BPFError) -> T) throws(UsageError) -> T {
    do {
        return try body()
    } catch {
        throw UsageError(error)
    }
}

/// The parsed command line of one command.
struct Arguments {
    let command: String
    var flags: Set<String> = []
    var values: [String: String] = [:]
    var positionals: [String] = []

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func string(_ name: String) -> String? { values[name] }

    /// A positive decimal id (pid, tid, map id).
    func id(_ name: String) throws -> UInt32? {
        guard let text = values[name] else { return nil }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let value = UInt32(text), value > 0 else {
            throw UsageError("--\(name) takes a positive number, not '\(text)'")
        }
        return value
    }

    /// Fails if more than one of `names` was given.
    func exclusive(_ names: String...) throws {
        let given = names.filter { flags.contains($0) || values[$0] != nil }
        if given.count > 1 {
            throw UsageError(given.map { "--\($0)" }.joined(separator: " and ") + " cannot be used together")
        }
    }
}

enum Parser {
    /// Parses `args` (after the command name) against `spec`.
    static func parse(_ args: [String], for spec: CommandSpec) throws(UsageError) -> Arguments {
        var parsed = Arguments(command: spec.name)
        var index = 0
        var onlyPositionals = false
        while index < args.count {
            let arg = args[index]
            index += 1
            if onlyPositionals || !arg.hasPrefix("-") || arg == "-" {
                guard spec.positionals != nil else {
                    throw UsageError("'\(spec.name)' takes no arguments, but got '\(arg)'")
                }
                parsed.positionals.append(arg)
                continue
            }
            if arg == "--" {
                onlyPositionals = true
                continue
            }
            guard arg.hasPrefix("--") else {
                throw UsageError("unknown option '\(arg)' for '\(spec.name)'")
            }
            var name = String(arg.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw UsageError("unknown option '--\(name)' for '\(spec.name)'")
            }
            if option.value == nil {
                if inline != nil { throw UsageError("--\(name) takes no value") }
                parsed.flags.insert(name)
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard index < args.count else { throw UsageError("--\(name) needs a value (\(option.value!))") }
                value = args[index]
                index += 1
            }
            if parsed.values[name] != nil { throw UsageError("--\(name) was given twice") }
            parsed.values[name] = value
        }
        return parsed
    }
}

import BPFKit

/// bpfnav's command line, without a parsing library.
///
/// swift-argument-parser finds its options through reflection and dynamic
/// casts and brings FoundationEssentials along; measured here that cost
/// 2.5–3 ms of every run, more than a whole task listing takes. One-shot
/// commands are bpfnav's reason to exist, so the parser is this small table.

/// One option of a command, as help shows it and the parser matches it.
/// Commands declare options as typed keys (`Flag`, `Option`, in
/// Options.swift); this is what a key's declaration says about it.
struct OptionSpec: Sendable {
    /// Without the leading dashes: "pid".
    let name: String
    /// nil for a flag; the placeholder shown in help otherwise.
    let value: String?
    var help: String
}

/// One command: its options, positional arguments and what it does.
struct CommandSpec: Sendable {
    let name: String
    let abstract: String
    var discussion: String
    /// The options of `options:`, in their order (for help and the parser).
    var options: [OptionSpec]
    /// Placeholder for positional arguments ("KIND"), nil if none are taken.
    var positionals: String?
    var positionalHelp: String
    /// What shell completion offers for the positional arguments.
    var completes: Completes
    let run: @Sendable (Arguments) throws -> Void

    /// Shell completion of a command's positional arguments.
    enum Completes: Sendable, Equatable {
        case nothing
        /// These words ("tree", "show").
        case words([String])
        /// Paths (pins, files).
        case paths
    }

    init(name: String, abstract: String, discussion: String = "", options: [any OptionKey] = [],
         positionals: String? = nil, positionalHelp: String = "", completes: Completes = .nothing,
         run: @escaping @Sendable (Arguments) throws -> Void) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options.map(\.spec)
        self.positionals = positionals
        self.positionalHelp = positionalHelp
        self.completes = completes
        self.run = run
    }
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

/// The parsed command line of one command, read through the keys the
/// command declares: `args[.json]`, `try args[.pid]`.
struct Arguments {
    let command: String
    /// The command's options. Reading any other is a mistake in bpfnav
    /// (a key left out of `options:`), caught in debug builds: it would
    /// always read as absent.
    let declared: [OptionSpec]
    /// Names of the flags given.
    var flags: Set<String>
    /// Values of the options given, as typed, by name.
    var values: [String: String]
    var positionals: [String]

    init(_ spec: CommandSpec, flags: Set<String> = [], values: [String: String] = [:], positionals: [String] = []) {
        command = spec.name
        declared = spec.options
        self.flags = flags
        self.values = values
        self.positionals = positionals
    }

    /// Whether the command has `key` among its options.
    func declares(_ key: some OptionKey) -> Bool {
        let spec = key.spec
        return declared.contains { $0.name == spec.name && ($0.value == nil) == (spec.value == nil) }
    }

    private func assertDeclared(_ key: some OptionKey) {
        assert(declares(key), "'\(command)' reads --\(key.spec.name), which is not among its options")
    }

    /// Whether the flag was given.
    subscript(flag: Flag) -> Bool {
        assertDeclared(flag)
        return flags.contains(flag.spec.name)
    }

    /// The option's value, converted; nil if it was not given.
    subscript<Value>(option: Option<Value>) -> Value? {
        get throws(UsageError) {
            assertDeclared(option)
            guard let text = values[option.spec.name] else { return nil }
            return try option.convert(text)
        }
    }

    /// Whether the flag or option was given (its value unread).
    func given(_ key: some OptionKey) -> Bool {
        assertDeclared(key)
        let name = key.spec.name
        return key.spec.value == nil ? flags.contains(name) : values[name] != nil
    }

    /// Fails if more than one of `keys` was given.
    func exclusive(_ keys: any OptionKey...) throws(UsageError) {
        let present = keys.filter { given($0) }
        if present.count > 1 {
            throw UsageError(present.map { "--\($0.spec.name)" }.joined(separator: " and ") + " cannot be used together")
        }
    }
}

enum Parser {
    /// Parses `args` (after the command name) against `spec`.
    static func parse(_ args: [String], for spec: CommandSpec) throws(UsageError) -> Arguments {
        var parsed = Arguments(spec)
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
                // bpftool's habit: -j for --json, where the command has it.
                if let long = shortOptions[arg], spec.options.contains(where: { $0.name == long }) {
                    parsed.flags.insert(long)
                    continue
                }
                throw unknownOption(arg, String(arg.dropFirst()), spec)
            }
            var name = String(arg.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = spec.options.first(where: { $0.name == name }) else {
                throw unknownOption("--" + name, name, spec)
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

    /// One-letter spellings of flags, as bpftool has them (`-j`).
    static let shortOptions: [String: String] = ["-j": "json"]

    /// "unknown option", and the option of `spec` that `name` (the word
    /// without its dashes) was probably meant to be.
    static func unknownOption(_ word: String, _ name: String, _ spec: CommandSpec) -> UsageError {
        var error = UsageError("unknown option '\(word)' for '\(spec.name)'")
        if let meant = Suggestion.best(for: name, among: spec.options.map(\.name) + ["help"] + Help.globals.map(\.long)) {
            error.hint = "did you mean '--\(meant)'?"
        }
        return error
    }
}

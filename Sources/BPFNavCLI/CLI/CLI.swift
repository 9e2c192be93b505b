// BPFNavCLI is the command line: the command table and its small parser
// (CLI/: typed option keys, usage errors with exit status 64, did-you-mean,
// global -v), one file per command or family of commands (Commands/), and
// the table and JSON encoders with bpftool's field names (Encoding/). A
// command reads what ObjectModel and Iterators give it and prints it through
// the Encoding module's writers; it does not talk to the kernel itself. What
// does not belong here: kernel calls (BPFKit), the model of objects
// (ObjectModel), text formats shared with the browser (Formatting), the
// browser (TUI, BrowserModel).

import Glibc
import Encoding
import BPFKit
import Iterators

/// Leaves a command with this exit status (after it printed what it had to).
struct Exit: Error {
    let status: Int32
    init(_ status: Int32) { self.status = status }
}

public enum CLI {
    static let commands: [CommandSpec] = [
        TasksCommand.spec, FilesCommand.spec, VMAsCommand.spec, MapsCommand.spec,
        ProgsCommand.spec, LinksCommand.spec, ProgCommand.spec, MapCommand.spec, LinkCommand.spec,
        PinCommand.spec, UnpinCommand.spec, PinsCommand.spec, CatCommand.spec, DemoCommand.spec, BrowseCommand.spec,
        FeaturesCommand.spec, NetCommand.spec, CgroupCommand.spec, ServeCommand.spec, VersionCommand.spec,
        CompletionCommand.spec, ManCommand.spec,
    ]

    /// Runs the command line; returns the exit status.
    public static func run(_ args: [String]) -> Int32 {
        let (args, verbose) = extractingVerbose(args)
        let (rest, pretty) = extracting(["-p", "--pretty"], from: args)
        Output.standardOutput.pretty = nil
        do {
            let (words, mode) = try Colour.extracting(from: rest)
            Colour.enabled = Colour.decide(mode, isTerminal: isatty(1) != 0, noColor: getenv("NO_COLOR").map { String(cString: $0) })
            return run(words, verbose: verbose, pretty: pretty)
        } catch {
            Output.standardError.write("bpfnav: \(error.message)\nSee 'bpfnav --help'.\n")
            return 64
        }
    }

    /// `-v` and `--verbose` are global: taken from anywhere before `--`,
    /// except where they are an option's value (`--dir -v`).
    static func extractingVerbose(_ args: [String]) -> (args: [String], verbose: Bool) {
        let (rest, found) = extracting(["-v", "--verbose"], from: args)
        return (rest, found)
    }

    /// A global flag spelled one of `words`, taken from anywhere before
    /// `--`, except where it is an option's value (`--dir -v`).
    static func extracting(_ words: Set<String>, from args: [String]) -> (args: [String], found: Bool) {
        var found = false
        let rest = withoutGlobals(args) { word, _ in
            guard words.contains(word) else { return 0 }
            found = true
            return 1
        }
        return (rest, found)
    }

    /// `args` without the global options `take` recognises: it is given each
    /// word before `--` that is not an option's value, and the word after,
    /// and answers how many words the global option takes (0: not one).
    static func withoutGlobals<E: Error>(_ args: [String], take: (String, String?) throws(E) -> Int) throws(E) -> [String] {
        let takesValue = Set(commands.flatMap { $0.options.filter { $0.value != nil }.map { "--" + $0.name } } + ["-d"])
        var out: [String] = []
        var index = 0
        while index < args.count {
            let arg = args[index]
            if arg == "--" {
                out += args[index...]
                break
            }
            let taken = try take(arg, index + 1 < args.count ? args[index + 1] : nil)
            if taken > 0 {
                index += taken
                continue
            }
            out.append(arg)
            index += 1
            if takesValue.contains(arg), index < args.count {
                out.append(args[index])
                index += 1
            }
        }
        return out
    }

    static func run(_ args: [String], verbose: Bool, pretty: Bool = false) -> Int32 {
        // No arguments on a terminal: the browser; `bpfnav -d 5` too.
        if args.isEmpty, !pretty, BrowseCommand.hasTerminal { return run([BrowseCommand.spec.name], verbose: verbose) }
        if args.first == "--version" || args.first == "-V" {
            return run([VersionCommand.spec.name] + args.dropFirst(), verbose: verbose, pretty: pretty)
        }
        if let first = args.first, first.hasPrefix("-d") || first.hasPrefix("--delay") {
            return run([BrowseCommand.spec.name] + args, verbose: verbose)
        }
        guard let first = args.first, first != "-h", first != "--help" else {
            Output.standardOutput.write(Help.overview(commands))
            return finishOutput(0)
        }
        if first == "help" {
            guard args.count > 1 else { return run(["--help"], verbose: verbose) }
            return run([args[1], "--help"], verbose: verbose)
        }
        guard let spec = commands.first(where: { $0.name == first }) else {
            let names = commands.map(\.name)
            let meant = Suggestion.best(for: first, among: names + ["help"]).map { "  did you mean '\($0)'?\n" } ?? ""
            Output.standardError.write("bpfnav: unknown command '\(Escape.terminal(Array(first.utf8)))'\n\(meant)Commands: \(names.joined(separator: ", ")); see 'bpfnav --help'.\n")
            return 64
        }
        var rest = Array(args.dropFirst())
        if spec.name == BrowseCommand.spec.name { rest = BrowseCommand.expandingShortOptions(rest) }
        if pretty {
            // bpftool's -p: pretty-printed JSON, which it implies.
            guard spec.options.contains(where: { $0.name == "json" }) else {
                Output.standardError.write("bpfnav: '\(spec.name)' prints no JSON: -p/--pretty applies to commands with --json\nSee 'bpfnav \(spec.name) --help'.\n")
                return 64
            }
            let words = rest.prefix { $0 != "--" }
            if words.contains("--ndjson") {
                Output.standardError.write("bpfnav: -p/--pretty and --ndjson cannot be used together (NDJSON is one object per line)\nSee 'bpfnav \(spec.name) --help'.\n")
                return 64
            }
            if !words.contains("--json") && !words.contains("-j") { rest.insert("--json", at: 0) }
            Output.standardOutput.pretty = PrettyJSON()
        }
        let beforeDashes = rest.prefix { $0 != "--" }
        if beforeDashes.contains("-h") || beforeDashes.contains("--help") {
            Output.standardOutput.write(Help.text(spec))
            return finishOutput(0)
        }
        // Before parsing succeeds, a guess from the words; after, the flags
        // (`--pid --json` makes "--json" the pid, not the format).
        var json = beforeDashes.contains("--json") || beforeDashes.contains("--ndjson")
        do {
            let parsed = try Parser.parse(rest, for: spec)
            json = (parsed.declares(.json) && parsed[.json]) || (parsed.declares(.ndjson) && parsed[.ndjson])
            try spec.run(parsed)
            return finishOutput(0)
        } catch let exit as Exit {
            return finishOutput(exit.status)
        } catch let usage as UsageError {
            if json {
                writeJSONError(usage.message + (usage.hint.map { "\n  \($0)" } ?? ""),
                               errno: usage.errno == 0 ? nil : Errno.name(usage.errno), log: nil)
            } else {
                // Messages quote the user's words: escaped, like any text
                // bpfnav did not write itself.
                let hint = usage.hint.map { "  \(Escape.terminal(Array($0.utf8)))\n" } ?? ""
                Output.standardError.write("bpfnav: \(Escape.terminal(Array(usage.message.utf8)))\n\(hint)See 'bpfnav \(spec.name) --help'.\n")
            }
            return 64
        } catch {
            report(error, json: json, verbose: verbose)
            return finishOutput(1)
        }
    }

    /// Flushes standard output. A reader that went away (EPIPE) ends the
    /// command quietly, as it does for `cat`; any other failed write (a full
    /// disk, an I/O error) means the output is incomplete: exit 1 and say so.
    static func finishOutput(_ status: Int32) -> Int32 {
        let out = Output.standardOutput
        out.flush()
        guard out.failed != 0, out.failed != EPIPE else { return status }
        let code = out.failed
        let error = BPFError("write", "standard output", errno: code, hint: code == ENOSPC
            ? "the file system it goes to is full: what was written is incomplete"
            : "what was written is incomplete")
        Output.standardError.write("bpfnav: \(error)\n")
        return 1
    }

    /// One clear message on stderr, or with --json a JSON object on stdout,
    /// as bpftool -j does. libbpf's messages (the verifier's whole log among
    /// them) follow only with --verbose.
    static func report(_ error: any Error, json: Bool, verbose: Bool = false) {
        let (message, errnoName, log, logPath): (String, String?, String?, String?) = switch error {
        case let e as BPFError: (e.description, e.errnoName, e.log, e.logPath)
        case let e as IterReadError: (e.description, e.error.errnoName, nil, nil)
        case let e as RecordError: ("decode iterator records: \(e)", nil, nil, nil)
        default: ("\(error)", nil, nil, nil)
        }
        Output.standardOutput.flush()
        if json {
            writeJSONError(message, errno: errnoName, log: logPath)
        } else {
            // Messages name paths and objects that other users may have chosen
            // (a pin called ESC[2J): escaped like any text from the kernel, a
            // line at a time so that the hint keeps its own line.
            Output.standardError.write("bpfnav: " + Escape.terminalLines(message) + "\n")
        }
        // libbpf's own lines only on request: without --verbose they came
        // after the message (a warning about RLIMIT_MEMLOCK, a whole
        // verifier log when no file could hold it) and buried it.
        if let log, !verbose, logPath == nil, !json, (error as? BPFError)?.cause != nil,
           log.contains("-- BEGIN PROG LOAD LOG --") {
            // A verifier log no file could hold: say where to get it.
            Output.standardError.write("  the verifier's log: run again with --verbose\n")
        }
        if let log, !log.isEmpty, verbose {
            let text = Escape.terminalLines(log.hasSuffix("\n") ? String(log.dropLast()) : log)
            Output.standardError.write(text + "\n")
        }
    }

    /// `{"error": …, "errno": …, "log": PATH}`: `log` names the file that
    /// holds a refused program's whole verifier log.
    static func writeJSONError(_ message: String, errno: String?, log: String? = nil) {
        let out = Output.standardOutput
        out.append("{\"error\":")
        Escape.appendJSONString(Array(message.utf8), to: out)
        if let errno {
            out.append(",\"errno\":")
            Escape.appendJSONString(Array(errno.utf8), to: out)
        }
        if let log {
            out.append(",\"log\":")
            Escape.appendJSONString(Array(log.utf8), to: out)
        }
        out.append("}\n")
        out.flush()
    }
}

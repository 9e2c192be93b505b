import BPFKit
import Iterators

/// A flag or an option, as a command lists it in `options:` and reads it
/// from its `Arguments`.
///
/// Keys are declared once, as static members of this protocol constrained
/// to their type (`extension OptionKey where Self == Flag`), so that `.json`
/// names the same key in an `options:` list of mixed keys, in
/// `args.exclusive(.pid, .tid)` and in `args[.json]`. They are computed:
/// a key is a few string literals and a closure that captures nothing, built
/// where it is used.
protocol OptionKey: Sendable {
    var spec: OptionSpec { get }
}

/// An option without a value: `args[.json]` is whether it was given.
struct Flag: OptionKey {
    var spec: OptionSpec

    init(_ name: String, _ help: String) {
        spec = OptionSpec(name: name, value: nil, help: help)
    }

    /// The same flag, with a command's own help text.
    func with(help: String) -> Flag {
        var flag = self
        flag.spec.help = help
        return flag
    }
}

/// An option with a value: `try args[.pid]` is the value converted, or nil
/// if the option was not given. The conversion's error is the usage error.
struct Option<Value>: OptionKey {
    var spec: OptionSpec
    let convert: @Sendable (String) throws(UsageError) -> Value

    init(_ name: String, _ placeholder: String, _ help: String,
         convert: @escaping @Sendable (String) throws(UsageError) -> Value) {
        spec = OptionSpec(name: name, value: placeholder, help: help)
        self.convert = convert
    }

    /// The same option, with a command's own help text.
    func with(help: String) -> Option {
        var option = self
        option.spec.help = help
        return option
    }
}

extension Option where Value == String {
    /// An option whose value is taken as it is.
    init(_ name: String, _ placeholder: String, _ help: String) {
        self.init(name, placeholder, help) { $0 }
    }
}

/// A positive decimal id (pid, tid), for `option` ("--pid").
func positiveID(_ text: String, option: String) throws(UsageError) -> UInt32 {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
          let value = UInt32(text), value > 0 else {
        throw UsageError("\(option) takes a positive number, not '\(text)'")
    }
    return value
}

// MARK: - Options several commands share

extension OptionKey where Self == Flag {
    static var json: Flag { Flag("json", "Print one JSON array.") }
    static var ndjson: Flag { Flag("ndjson", "Print one JSON object per line, as records arrive.") }
    static var pids: Flag {
        Flag("pids", "Tables: show the processes holding each object (reads every fd table). JSON always has pids.")
    }
    static var mount: Flag { Flag("mount", "Mount a bpffs at /sys/fs/bpf first if none is mounted there.") }
    /// --shared: a --dir others can write to, used through bpfnav's own subdirectory.
    static var shared: Flag {
        Flag("shared", "DIR is shared (others can write to it, as bpffs's root): work only in bpfnav's own 0700 subdirectory bpfnav-UID of it.")
    }
}

extension OptionKey where Self == Option<UInt32> {
    static var pid: Option<UInt32> {
        Option("pid", "PID", "Only this process (all its threads; its fd table or address space once).") { text throws(UsageError) in
            try positiveID(text, option: "--pid")
        }
    }
    static var tid: Option<UInt32> {
        Option("tid", "TID", "Only this thread.") { text throws(UsageError) in try positiveID(text, option: "--tid") }
    }
}

extension OptionKey where Self == Option<String> {
    /// --dir, of the commands that work on bpfnav's pin directory.
    static var dir: Option<String> {
        Option("dir", "DIR", "The bpffs directory of bpfnav's pins (default: \(IterPins.defaultDirectory)).")
    }
}

/// --json and --ndjson.
let formatOptions: [any OptionKey] = [.json, .ndjson]

/// --pid and --tid: read together as `args.taskParams()`.
let taskFilterOptions: [any OptionKey] = [.pid, .tid]

extension Arguments {
    /// --pid or --tid (not both) as link parameters.
    func taskParams() throws(UsageError) -> IterParams {
        try exclusive(.pid, .tid)
        if let pid = try self[.pid] { return .pid(pid) }
        if let tid = try self[.tid] { return .tid(tid) }
        return .all
    }

    /// The pin directory of --dir and --shared.
    var pins: IterPins {
        get throws(UsageError) {
            IterPins(directory: try self[.dir] ?? IterPins.defaultDirectory, shared: self[.shared])
        }
    }
}

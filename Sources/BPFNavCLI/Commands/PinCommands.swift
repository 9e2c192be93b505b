import BPFKit
import Glibc
import Encoding
import Formatting
import ObjectModel
import Platform
import Iterators

enum PinCommand {
    static let spec = CommandSpec(
        name: "pin",
        abstract: "Attach iterators and pin them so that `cat` prints them while bpfnav is not running.",
        discussion: """
        KIND is one of: tasks (task), files (task_file), vmas (task_vma), maps (bpf_map).
        With no KIND, every kind this kernel supports is pinned (tasks, files and vmas
        with --pid or --tid), and what it lacks is named on stderr; naming a kind the
        kernel lacks fails with the version it needs (see bpfnav features).
        Pin names encode their parameters with '-' (bpffs names cannot contain '.'):
        tasks, files-pid-1234, vmas-tid-77. Existing pins of bpfnav's with the same
        name are replaced atomically; anything else there is left alone.
        """,
        options: [
            .pid.with(help: "Only this process: all its threads (tasks), its fd table (files), its address space (vmas)."),
            .tid,
            .name,
            .mount,
            .mode,
            .group,
            .dir,
            .shared,
        ],
        positionals: "KIND",
        positionalHelp: "Iterators to pin (default: all four, those this kernel supports).",
        completes: .words(IterKind.allCases.map(\.pinPrefix)),
        run: run
    )

    static func kinds(_ args: Arguments, taskParams: Bool) throws -> [IterKind] {
        if args.positionals.isEmpty {
            // --pid/--tid restrict task iterators; bpf_map takes neither.
            return taskParams ? IterKind.allCases.filter(\.takesTaskParams) : IterKind.allCases
        }
        var result: [IterKind] = []
        for argument in args.positionals {
            guard let kind = IterKind(argument: argument) else {
                throw UsageError("unknown kind '\(argument)': use tasks, files, vmas or maps")
            }
            if !result.contains(kind) { result.append(kind) }
        }
        return result
    }

    static func run(_ args: Arguments) throws {
        let params = try args.taskParams()
        let kinds = try kinds(args, taskParams: params != .all)
        let name = try args[.name]
        if name != nil, kinds.count != 1 {
            throw UsageError("--name needs exactly one KIND")
        }
        if let name { try usage { () throws(BPFError) in try PinName.validate(name) } }
        if params != .all, kinds.contains(.bpfMap) {
            throw UsageError("maps lists every BPF map: --pid and --tid apply to tasks, files and vmas only")
        }
        var specs = kinds.map { PinSpec(kind: $0, params: params, name: name) }
        if args[.mount] { try BPFFS.mountDefaultIfNeeded() }
        let access = PinAccess(mode: try args[.mode] ?? 0o600, group: try args[.group])
        let pins = try args.pins
        // With no KIND: what the kernel supports. `create` refuses a named
        // kind the kernel lacks, and holds all-or-nothing for the set.
        var leftOut: [(kind: IterKind, refusal: BPFError)] = []
        if args.positionals.isEmpty {
            // The checks that need no probe come first, so that a command
            // that cannot work does not even fill the feature cache.
            try pins.validate(specs, existing: false)
            let features = Features.current
            for spec in specs where features.lacks(spec.kind.feature) {
                leftOut.append((spec.kind, BPFError.unsupported(spec.kind.feature, release: features.release,
                                                                refused: features.refused(spec.kind.feature))))
            }
            specs.removeAll { features.lacks($0.kind.feature) }
            if specs.isEmpty, let first = leftOut.first { throw first.refusal }
        }
        let loader = IterLoader(cache: .standard)
        if params != .all, !specs.isEmpty {
            // What create checks first (the pid exists, is a process), then
            // whether the kernel's walk shows it at all: a pin that could
            // only ever print a header is refused, not made.
            try pins.validate(specs, existing: false)
            try TaskParams.requireVisible(params, loader: loader)
        }
        let created = try pins.create(specs, loader: loader, access: access)
        if access.sharesBeyondOwner {
            for pin in created where pin.kind == .taskFile || pin.kind == .taskVMA {
                // Paths of files and mappings can be other users' secrets.
                Output.standardError.write("bpfnav: warning: \(Escape.terminal(Array(pin.path.utf8))) is readable by \(access.mode & 0o004 != 0 ? "everyone" : "its group"): it shows other users' file paths\n")
            }
        }
        for pin in created {
            Output.standardOutput.write("\(pin.path)\n")
        }
        for (kind, refusal) in leftOut {
            // The refusal's own words, without the errno: nothing failed.
            Output.standardError.write("bpfnav: left out \(kind.pinPrefix): \(refusal.operation)\n")
        }
    }
}

extension OptionKey where Self == Option<String> {
    static var name: Option<String> { Option("name", "NAME", "Pin name instead of the default (one KIND only).") }
}

extension OptionKey where Self == Option<mode_t> {
    /// Permissions of new pins: read and write bits, the owner's both.
    static var mode: Option<mode_t> {
        Option("mode", "MODE", "Permissions of the new pins, octal (default 600: the owner only).") { text throws(UsageError) in
            // Octal digits only: mode_t(_:radix:) would take a sign ("+600").
            guard !text.isEmpty, text.utf8.count <= 4, text.utf8.allSatisfy({ (0x30...0x37).contains($0) }),
                  let value = mode_t(text, radix: 8), value & ~0o666 == 0 else {
                throw UsageError("--mode takes octal read/write bits such as 600, 640 or 644, not '\(text)'")
            }
            guard value & 0o600 == 0o600 else {
                throw UsageError("--mode must leave the owner read and write access (6xx)")
            }
            return value
        }
    }
}

extension OptionKey where Self == Option<gid_t> {
    /// The group of new pins, by name (/etc/group) or number.
    static var group: Option<gid_t> {
        Option("group", "GROUP", "Group of the new pins (a name in /etc/group, or a number), to share them with --mode 640.") { name throws(UsageError) in
            let digits = name.drop { $0 == "-" || $0 == "+" }
            if !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
                // A number: any gid the kernel takes, in /etc/group or not (a
                // directory service's). Not -1 (4294967295): chown reads it as
                // "leave the group as it is", so the pin would not be shared.
                guard name.first != "-", let number = UInt64(digits), number < UInt64(gid_t.max) else {
                    throw UsageError("--group \(name) is not a group id: ids go from 0 to \(gid_t.max - 1) (\(gid_t.max), which is -1, tells chown to leave the group unchanged)")
                }
                return gid_t(number)
            }
            guard let gid = GroupFile.id(named: name) else {
                throw UsageError("no group named '\(name)' in /etc/group (give a group from a directory service by number)")
            }
            return gid
        }
    }
}

extension OptionKey where Self == Flag {
    static var all: Flag { Flag("all", "Remove every pin of bpfnav's in the directory.") }
}

enum UnpinCommand {
    static let spec = CommandSpec(
        name: "unpin",
        abstract: "Remove pins bpfnav created. Anything else in bpffs is left alone.",
        discussion: """
        Only pins bpfnav can prove its own (recorded by id in the directory's manifest,
        bpfnav-manifest) are removed. --all also removes bpfnav's cache of loaded programs
        and its demo in the directory, and what killed bpfnav runs left there; the
        directory itself and its manifest stay.
        """,
        options: [
            .all,
            .dir,
            .shared,
        ],
        positionals: "NAME",
        positionalHelp: "Pins to remove, by name in the pin directory.",
        run: run
    )

    static func run(_ args: Arguments) throws {
        let all = args[.all]
        if all == !args.positionals.isEmpty {
            throw UsageError(all ? "give NAMEs or --all, not both" : "give the NAMEs to unpin, or --all")
        }
        for name in args.positionals { try usage { () throws(BPFError) in try PinName.validate(name) } }
        let pins = try args.pins
        // --all also removes the demo's network namespace: an absolute path.
        let removed = all ? try Demo(pins: pins).removeAll() : try pins.remove(args.positionals)
        for name in removed {
            Output.standardOutput.write("removed \(name.hasPrefix("/") ? name : pins.path(name))\n")
        }
    }
}

enum PinsCommand {
    static let spec = CommandSpec(
        name: "pins",
        abstract: "Everything pinned in bpffs: directories, programs, maps and links, bpfnav's own marked.",
        discussion: """
        Walks every mounted bpffs (from /proc/self/mountinfo), or only PATH. Each pin
        is opened (BPF_OBJ_GET) and shown with its kind, id and name; links with what
        they attach (iterators: target and pid/tid). OWNER is bpfnav for what bpfnav's
        manifest (bpfnav-manifest, in a directory only you or root can write) records:
        its iterator pins, program cache and demo, the only pins bpfnav replaces or
        removes. A program's name proves nothing.
        """,
        options: [
            .dir.with(help: "Same as PATH."),
            .json,
            .ndjson.with(help: "Print one JSON object per line."),
        ],
        positionals: "PATH",
        positionalHelp: "A bpffs directory (or one pin) to list; default: every mounted bpffs.",
        completes: .paths,
        run: run
    )

    static func run(_ args: Arguments) throws {
        let format = try DumpFormat(args)
        if args.positionals.count > 1 { throw UsageError("give at most one PATH") }
        let dir = try args[.dir]
        if !args.positionals.isEmpty, dir != nil { throw UsageError("give PATH or --dir, not both") }
        let path = args.positionals.first ?? dir
        let entries = try path.map { path throws(BPFError) in try PinWalk.walk(path) } ?? PinWalk.walkAll()
        ObjectCommands.printList(entries, format: format)
    }
}

enum CatCommand {
    static let spec = CommandSpec(
        name: "cat",
        abstract: "Print a pinned iterator: what `cat` of the pin shows, control bytes made visible.",
        discussion: "NAME is a pin in the pin directory, or a path (containing '/') to any pinned iterator. "
            + "Control bytes other than newline and tab, DEL, C1 controls and invalid UTF-8 are shown as \\xNN, "
            + "so a pin made by anyone cannot send the terminal an escape sequence.",
        options: [.dir, .shared],
        positionals: "NAME",
        positionalHelp: "A pin name or path.",
        completes: .paths,
        run: run
    )

    static func run(_ args: Arguments) throws {
        guard args.positionals.count == 1, let name = args.positionals.first else {
            throw UsageError("give exactly one pin NAME")
        }
        let path = name.contains("/") ? name : try args.pins.path(name)
        if !name.contains("/") { try usage { () throws(BPFError) in try PinName.validate(name) } }
        // Only pinned iterators: a directory or a file elsewhere is not one.
        var st = stat()
        if lstat(path, &st) == 0 {
            if st.st_mode & S_IFMT == S_IFDIR {
                throw BPFError("open pinned iterator", path, errno: EISDIR,
                               hint: "a directory: name a pin in it (bpfnav pins \(path) lists them)")
            }
            if !BPFFS.isBPFFS(path) {
                throw BPFError("open pinned iterator", path, errno: EINVAL,
                               hint: "not on a bpffs, so not a pinned iterator: use cat for other files")
            }
        }
        let reader = try openIterator(path)
        // A pinned map with BTF opens too, as bpffs's own dump of it.
        if let refusal = notAnIterator(path, errno: EINVAL) { throw refusal }
        let out = Output.standardOutput
        // Any pin, bpfnav's or not: a foreign iterator's output may carry
        // escape sequences (bpfnav's own text is escaped in the kernel
        // already and passes unchanged).
        var filter = TerminalFilter()
        do {
            try reader.forEachChunk { chunk in
                try filter.filter(chunk) { bytes in
                    out.write(bytes: bytes)
                    try out.check()
                }
            }
            try filter.finish { bytes in
                out.write(bytes: bytes)
                try out.check()
            }
        } catch is OutputClosed {
            return
        }
    }
}

/// The pinned iterator at `path`, opened for reading. A pinned map or
/// program opens as nothing cat can show (EIO): the error says what it is.
func openIterator(_ path: String) throws(BPFError) -> IterReader {
    do {
        return try IterReader(pinnedAt: path)
    } catch {
        if let refusal = notAnIterator(path, errno: error.errno) { throw refusal }
        // bpffs opens a pinned link only when it is an iterator.
        guard error.errno == EIO else { throw error }
        throw BPFError("open pinned iterator", path, errno: EIO,
                       hint: "a pinned link that is not an iterator: bpfnav pins \(path) shows what it attaches")
    }
}

/// The error for a pinned map or program given to cat, nil for anything
/// else. BPF_OBJ_GET wants read and write access: a pin shared read-only
/// is not looked at.
func notAnIterator(_ path: String, errno code: Int32) -> BPFError? {
    let kind = pinnedKind(path)
    guard kind == .map || kind == .program else { return nil }
    return BPFError("open pinned iterator", path, errno: code, hint: kind == .map
        ? "a pinned map, not an iterator: bpfnav map dump \(path) prints its entries"
        : "a pinned program, not an iterator: bpfnav pins \(path) shows which")
}

/// What is pinned at `path`, when BPF_OBJ_GET opens it.
func pinnedKind(_ path: String) -> BPFObjectKind? {
    guard let pinned = try? PinnedObject(path: path) else { return nil }
    return pinned.kind
}

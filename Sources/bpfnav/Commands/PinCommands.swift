import BPFKit
import Iterators

enum PinCommand {
    static let spec = CommandSpec(
        name: "pin",
        abstract: "Attach iterators and pin them so that `cat` prints them while bpfnav is not running.",
        discussion: """
        KIND is one of: tasks (task), files (task_file), vmas (task_vma), maps (bpf_map).
        With no KIND, all four are pinned (tasks, files and vmas with --pid or --tid).
        Pin names encode their parameters with '-' (bpffs names cannot contain '.'):
        tasks, files-pid-1234, vmas-tid-77. Existing pins of bpfnav's with the same
        name are replaced atomically; anything else there is left alone.
        """,
        options: [
            .option("pid", "PID", "Only this process: all its threads (tasks), its fd table (files), its address space (vmas)."),
            .option("tid", "TID", "Only this thread."),
            .option("name", "NAME", "Pin name instead of the default (one KIND only)."),
            .flag("mount", "Mount a bpffs at /sys/fs/bpf first if none is mounted there."),
            dirOption,
        ],
        positionals: "KIND",
        positionalHelp: "Iterators to pin (default: all four).",
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
        try args.exclusive("pid", "tid")
        let params = try taskParams(args)
        let kinds = try kinds(args, taskParams: params != .all)
        let name = args.string("name")
        if name != nil, kinds.count != 1 {
            throw UsageError("--name needs exactly one KIND")
        }
        if params != .all, kinds.contains(.bpfMap) {
            throw UsageError("maps lists every BPF map: --pid and --tid apply to tasks, files and vmas only")
        }
        let specs = kinds.map { PinSpec(kind: $0, params: params, name: name) }
        if args.flag("mount") { try BPFFS.mountDefaultIfNeeded() }
        let created = try args.pins.create(specs, loader: IterLoader(cache: .standard))
        for pin in created {
            Output.standardOutput.write("\(pin.path)\n")
        }
    }
}

/// --pid / --tid as link parameters.
func taskParams(_ args: Arguments) throws -> IterParams {
    if let pid = try args.id("pid") { return .pid(pid) }
    if let tid = try args.id("tid") { return .tid(tid) }
    return .all
}

enum UnpinCommand {
    static let spec = CommandSpec(
        name: "unpin",
        abstract: "Remove pins bpfnav created. Anything else in bpffs is left alone.",
        discussion: "--all also removes bpfnav's cache of loaded programs in the directory.",
        options: [
            .flag("all", "Remove every pin of bpfnav's in the directory."),
            dirOption,
        ],
        positionals: "NAME",
        positionalHelp: "Pins to remove, by name in the pin directory.",
        run: run
    )

    static func run(_ args: Arguments) throws {
        let all = args.flag("all")
        if all == !args.positionals.isEmpty {
            throw UsageError(all ? "give NAMEs or --all, not both" : "give the NAMEs to unpin, or --all")
        }
        let pins = args.pins
        let removed = all ? try pins.removeAll() : try pins.remove(args.positionals)
        for name in removed {
            Output.standardOutput.write("removed \(pins.path(name))\n")
        }
    }
}

enum PinsCommand {
    static let spec = CommandSpec(
        name: "pins",
        abstract: "List bpfnav's pins with their kind and parameters.",
        options: [dirOption],
        run: run
    )

    static func run(_ args: Arguments) throws {
        let pins = args.pins
        try BPFFS.requireBPFFS(for: pins.directory)
        Output.standardOutput.write(PinTable.render(try pins.list()))
    }
}

enum CatCommand {
    static let spec = CommandSpec(
        name: "cat",
        abstract: "Print a pinned iterator: the same bytes `cat` of the pin shows.",
        discussion: "NAME is a pin in the pin directory, or a path (containing '/') to any pinned iterator.",
        options: [dirOption],
        positionals: "NAME",
        positionalHelp: "A pin name or path.",
        run: run
    )

    static func run(_ args: Arguments) throws {
        guard args.positionals.count == 1, let name = args.positionals.first else {
            throw UsageError("give exactly one pin NAME")
        }
        let path = name.contains("/") ? name : args.pins.path(name)
        if !name.contains("/") { try PinName.validate(name) }
        let reader = try IterReader(pinnedAt: path)
        let out = Output.standardOutput
        do {
            try reader.forEachChunk { chunk in
                out.write(bytes: chunk)
                try out.check()
            }
        } catch is OutputClosed {
            return
        }
    }
}

/// The `bpfnav pins` table.
enum PinTable {
    static func render(_ pins: [OwnPin]) -> String {
        let header = ["NAME", "KIND", "TARGET", "PARAMS", "LINK", "PROG"]
        let rows = pins.map { pin -> [String] in
            let params: String = switch pin.params {
            case .all, .mapFD: "-"
            case .pid(let pid): "pid \(pid)"
            case .tid(let tid): "tid \(tid)"
            }
            return [Escape.terminal(Array(pin.name.utf8)), pin.kind.pinPrefix, pin.kind.target, params,
                    "\(pin.linkID)", "\(pin.programID)"]
        }
        return Table.render(header: header, rows: rows)
    }
}

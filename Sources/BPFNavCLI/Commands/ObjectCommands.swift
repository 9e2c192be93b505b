import BPFKit
import Encoding
import Formatting
import ObjectModel
import Glibc
import Iterators

// `bpfnav progs|maps|links` and `bpfnav prog|map|link ID`: the kernel's BPF
// objects by id (BPF_*_GET_NEXT_ID, then each object's info), with
// bpftool's JSON. Every object carries `pinned` (the paths it is pinned at
// in every mounted bpffs) and `pids` (the processes holding an fd to it,
// from bpfnav's task_file iterator).

enum ProgsCommand {
    static let spec = CommandSpec(
        name: "progs",
        abstract: "Every loaded BPF program (JSON as `bpftool prog show -j`).",
        discussion: """
        PINNED lists the paths a program is pinned at in every mounted bpffs; PIDS
        (with --pids) the processes holding an fd to it. NAME is completed from BTF
        when the kernel's 15 bytes cut it, as bpftool does.
        """,
        options: formatOptions + [.pids],
        run: run
    )

    static func run(_ args: Arguments) throws {
        // Where each program runs: in JSON (tables have no column for it).
        try ObjectCommands.list(args, Objects.programs, attachments: { $0 != .table })
    }
}

enum LinksCommand {
    static let spec = CommandSpec(
        name: "links",
        abstract: "Every BPF link (JSON as `bpftool link show -j`).",
        discussion: "ATTACHED says what the link attaches the program to, per link type.",
        options: formatOptions + [.pids],
        run: run
    )

    static func run(_ args: Arguments) throws {
        // Devices named in their own namespace, cgroups by path.
        try ObjectCommands.list(args, Objects.links, attachments: { _ in true })
    }
}

/// The rows of `bpfnav maps` (MapsCommand runs it).
enum MapList {
    static func run(_ args: Arguments) throws {
        try ObjectCommands.list(args, Objects.maps)
    }
}

enum ProgCommand {
    static let spec = CommandSpec(
        name: "prog",
        abstract: "One BPF program by id, with where it is pinned and who holds it.",
        options: [
            .json.with(help: "Print one JSON object (as `bpftool prog show id ID -j`)."),
            .xlated,
            .linum,
        ],
        positionals: "ID",
        positionalHelp: "The program's id (see 'bpfnav progs') or pinned path; several print one after the other (a JSON array). bpftool's 'show id ID' and 'show pinned PATH' are taken too.",
        completes: .words(["show", "id", "pinned"]),
        run: run
    )

    static func run(_ args: Arguments) throws {
        let ids = try ObjectCommands.objectIDs(args, kind: .program)
        if args[.xlated] {
            guard ids.count == 1 else { throw UsageError("--xlated prints one program: give one ID") }
            try printInstructions(ids[0], json: args[.json], linum: args[.linum])
            return
        }
        if args[.linum] { throw UsageError("--linum applies to --xlated") }
        try ObjectCommands.show(ids, json: args[.json], attachments: true, { id throws(BPFError) in try Objects.program(id: id) })
    }
}

extension OptionKey where Self == Flag {
    static var xlated: Flag {
        Flag("xlated", "Print the translated instructions, as `bpftool prog dump xlated` does: each function's signature and the C source lines of the program's line info before the instructions they start.")
    }
    static var linum: Flag {
        Flag("linum", "With --xlated: each source line's file, line and column, as `bpftool prog dump xlated linum`.")
    }
}

extension ProgCommand {
    /// `prog ID --xlated`: one line per instruction, or with --json one
    /// object per instruction ({"pc", "code", "insn"}).
    static func printInstructions(_ id: UInt32, json: Bool, linum: Bool) throws {
        writeInstructions(try ProgramInstructions.lines(programID: id), json: json, linum: linum, out: .standardOutput)
    }

    /// `lines` as `prog ID --xlated` prints them: with the function
    /// signatures and source lines of the program's BTF before their
    /// instructions, as bpftool does (with `linum`, their file, line and
    /// column).
    static func writeInstructions(_ lines: [XlatedLine], json: Bool, linum: Bool = false, out: Output) {
        if !json {
            for text in Xlated.plainText(lines, linum: linum) {
                out.write(text)
                out.append(byte: 0x0a)
            }
            return
        }
        out.append(byte: UInt8(ascii: "["))
        for (i, line) in lines.enumerated() {
            out.append(i == 0 ? "\n{\"pc\":" : ",\n{\"pc\":")
            out.append(UInt64(line.index))
            out.append(",\"code\":\"0x")
            out.append(hex: UInt64(line.opcode), width: 2)
            out.append("\",\"insn\":")
            Escape.appendJSONString(Array(line.text.utf8), to: out)
            if let function = line.function {
                out.append(",\"proto\":")
                Escape.appendJSONString(Array(function.utf8), to: out)
            }
            if let source = line.source {
                out.append(",\"src\":")
                Escape.appendJSONString(Array(source.text.utf8), to: out)
                if linum {
                    out.append(",\"file\":")
                    Escape.appendJSONString(Array(source.file.utf8), to: out)
                    out.append(",\"line_num\":")
                    out.append(UInt64(source.line))
                    out.append(",\"line_col\":")
                    out.append(UInt64(source.column))
                }
            }
            if let target = line.jumpTarget {
                out.append(",\"target\":")
                out.append(UInt64(target))
            }
            out.append(byte: UInt8(ascii: "}"))
        }
        out.append(lines.isEmpty ? "]\n" : "\n]\n")
    }
}

enum MapCommand {
    static let spec = CommandSpec(
        name: "map",
        abstract: "One BPF map by id, with where it is pinned and who holds it; `map dump` lists its entries.",
        discussion: """
        bpfnav map ID…                  the map's details (--json as `bpftool map show id ID -j`)
        bpfnav map dump ID|PIN          its entries: key and value bytes, and values formatted
                                        through the map's BTF (--json as `bpftool map dump -j`)
        Entries are read with batch lookups (thousands per syscall) where the map type allows,
        else key by key. Ring buffers, perf event arrays, bloom filters, queues, stacks and local
        storage maps have no entries to list and say so.
        """,
        options: [
            .json.with(help: "Print JSON (one object; for dump, one array of entries)."),
            .ndjson.with(help: "dump: one entry per line, as read."),
            .limit,
        ],
        positionals: "ID",
        positionalHelp: "The map's id (see 'bpfnav maps') or pinned path; several print one after the other (a JSON array). Or: dump ID|PIN. bpftool's 'show id ID', 'show pinned PATH' and 'dump id ID' are taken too.",
        completes: .words(["dump", "show", "id", "pinned"]),
        run: run
    )

    static func run(_ args: Arguments) throws {
        if args.positionals.first == "dump" {
            // bpftool's `map dump id N` and `map dump pinned PATH` too.
            let target = ObjectCommands.bpftoolForms(Array(args.positionals.dropFirst()))
            guard target.count == 1 else {
                throw UsageError("give the map to dump: bpfnav map dump ID|PIN")
            }
            try MapDumpCommand.run(target: target[0], args)
            return
        }
        if args[.ndjson] || args.given(.limit) {
            throw UsageError("--ndjson and --limit apply to 'bpfnav map dump'")
        }
        try ObjectCommands.show(try ObjectCommands.objectIDs(args, kind: .map), json: args[.json]) { id throws(BPFError) in try Objects.map(id: id) }
    }
}

enum LinkCommand {
    static let spec = CommandSpec(
        name: "link",
        abstract: "One BPF link by id: what it attaches, where it is pinned, who holds it.",
        options: [.json.with(help: "Print one JSON object (as `bpftool link show id ID -j`).")],
        positionals: "ID",
        positionalHelp: "The link's id (see 'bpfnav links') or pinned path; several print one after the other (a JSON array). bpftool's 'show id ID' and 'show pinned PATH' are taken too.",
        completes: .words(["show", "id", "pinned"]),
        run: run
    )

    static func run(_ args: Arguments) throws {
        try ObjectCommands.show(try ObjectCommands.objectIDs(args, kind: .link), json: args[.json], attachments: true,
                                { id throws(BPFError) in try Objects.link(id: id) })
    }
}

enum ObjectCommands {
    /// Pins and holders for the objects. Holders come from bpfnav's
    /// iterators; when they cannot be read the listing goes on without and
    /// says so on stderr.
    static func references(holders: Bool = true, attachments: Bool = false, links: [LinkEntry]? = nil) -> ObjectReferences {
        let refs = ObjectReferences.collect(pins: true, holders: holders, attachments: attachments, links: links)
        if let error = refs.holdersError {
            Output.standardError.write("bpfnav: warning: pids unavailable: \(Escape.terminalLines("\(error)"))\n")
        }
        for error in refs.attachments?.errors ?? [] {
            Output.standardError.write("bpfnav: warning: attachments: \(Escape.terminalLines(error))\n")
        }
        return refs
    }

    /// Holders cost a pass over every fd table (tens of ms on a busy
    /// machine): JSON always has them, tables with --pids.
    static func wantsPids(_ args: Arguments, _ format: DumpFormat) -> Bool {
        format != .table || args[.pids]
    }

    /// bpftool's spellings of objects, as bpfnav's: `show id N`, `list id N`,
    /// `id N` and `pinned PATH` are `N` and `PATH` (`id 1 id 2`: `1 2`).
    static func bpftoolForms(_ positionals: [String]) -> [String] {
        var words = positionals
        if let first = words.first, first == "show" || first == "list" { words.removeFirst() }
        var out: [String] = []
        var index = 0
        while index < words.count {
            if (words[index] == "id" || words[index] == "pinned"), index + 1 < words.count { index += 1 }
            out.append(words[index])
            index += 1
        }
        return out
    }

    /// The objects of `prog|map|link ID|PIN…` (or bpftool's `show id ID`,
    /// `show pinned PATH`): ids as given, pins (a word with a '/') by the
    /// id of what is pinned there, which must be of `kind`.
    static func objectIDs(_ args: Arguments, kind: BPFObjectKind) throws -> [UInt32] {
        let words = bpftoolForms(args.positionals)
        guard !words.isEmpty else {
            var error = UsageError("give the \(kind.name)'s ID")
            // bpftool's `prog show` lists them all: bpfnav's list is its own command.
            error.hint = "'bpfnav \(kind.shortName)s' lists every one"
            throw error
        }
        return try words.map { text throws -> UInt32 in
            if text.contains("/") {
                try MapDump.requirePin(text)
                let pinned = try PinnedObject(path: text)
                guard pinned.kind == kind else {
                    throw BPFError("show \(kind.name)", text, errno: EINVAL,
                                   hint: "that pin is a \(pinned.kindName), not a \(kind.name)")
                }
                return try ObjectIdentity.id(of: pinned.fd.raw, kind: kind)
            }
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let id = UInt32(text), id > 0 else {
                throw UsageError("ID takes a positive number or a pinned path, not '\(Escape.terminal(Array(text.utf8)))'")
            }
            return id
        }
    }

    /// `prog|map|link ID…`: one object as "key  value" lines or one JSON
    /// object; several as blocks separated by a blank line, or one JSON
    /// array of them.
    static func show<Entry: ReferencedEntry & Presentable>(
        _ ids: [UInt32], json: Bool, attachments: Bool = false, _ object: (UInt32) throws(BPFError) -> Entry
    ) throws {
        // The objects first: an id that does not exist costs no fd-table pass.
        var entries = try ids.map { id throws -> Entry in try object(id) }
        let refs = references(attachments: attachments)
        for i in entries.indices { refs.apply(to: &entries[i]) }
        if entries.count == 1 {
            printOne(entries[0], json: json)
        } else if json {
            printList(entries, format: .json)
        } else {
            let out = Output.standardOutput
            for (i, entry) in entries.enumerated() {
                if i > 0 { out.append(byte: 0x0a) }
                printOne(entry, json: false, out: out)
            }
        }
    }

    /// `progs`, `maps`, `links`: the objects, then where they are pinned and
    /// (for JSON, or with --pids) who holds them, printed in `args`' format.
    static func list<Entry: ReferencedEntry & Presentable>(
        _ args: Arguments, _ objects: (ObjectReferences?) throws(BPFError) -> [Entry],
        attachments: (DumpFormat) -> Bool = { _ in false }
    ) throws {
        let format = try DumpFormat(args)
        let pids = wantsPids(args, format)
        // The objects first: a listing that fails costs no fd-table pass.
        var entries = try objects(nil)
        // `links` has listed the links the attachments are found from: not twice.
        let refs = references(holders: pids, attachments: attachments(format), links: entries as? [LinkEntry])
        for i in entries.indices { refs.apply(to: &entries[i]) }
        printList(entries, format: format, pids: pids)
    }

    /// Objects as a table (their presentation's CLI columns), one JSON
    /// array or NDJSON (its JSON fields).
    static func printList<Entry: Presentable>(_ entries: [Entry], format: DumpFormat, pids: Bool = true,
                                              out: Output = .standardOutput) {
        let presentation = Entry.presentation
        printList(entries, format: format, header: presentation.header(.cli), cells: { presentation.cells($0, .cli) },
                  json: ObjectJSON.object, pids: pids, out: out)
    }

    /// A list as a table, one JSON array or NDJSON.
    /// A table without --pids has no PIDS column.
    static func printList<Entry>(_ entries: [Entry], format: DumpFormat, header: [String],
                                 cells: (Entry) -> [String], json: (Entry, Output) -> Void, pids: Bool = true,
                                 out: Output = .standardOutput) {
        switch format {
        case .table:
            var header = header
            var rows = entries.map(cells)
            if !pids, let column = header.firstIndex(of: "PIDS") {
                header.remove(at: column)
                rows = rows.map { row in
                    var row = row
                    if column < row.count { row.remove(at: column) }
                    return row
                }
            }
            out.write(Table.render(header: header, rows: rows))
        case .json:
            if entries.isEmpty {
                out.append("[]\n")
                break
            }
            for (i, entry) in entries.enumerated() {
                out.append(i == 0 ? "[\n" : ",\n")
                json(entry, out)
                out.flushIfFull()
            }
            out.append("\n]\n")
        case .ndjson:
            for entry in entries {
                json(entry, out)
                out.append(byte: 0x0a)
                out.flushIfFull()
            }
        }
        out.flush()
    }

    /// One object as JSON, or as "key  value" lines.
    static func printOne<Entry: Presentable>(_ entry: Entry, json: Bool, out: Output = .standardOutput) {
        printOne(entry, json: json, writeJSON: ObjectJSON.object, out: out) { Entry.presentation.fields(entry, .cli) }
    }

    static func printOne<Entry>(_ entry: Entry, json: Bool, writeJSON: (Entry, Output) -> Void,
                                out: Output = .standardOutput, pairs: () -> [(String, String)]) {
        if json {
            writeJSON(entry, out)
            out.append(byte: 0x0a)
        } else {
            out.write(keyValues(pairs()))
        }
        out.flush()
    }

    static func keyValues(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        var result = ""
        for (key, value) in pairs {
            result += key + String(repeating: " ", count: width - key.count + 2) + value + "\n"
        }
        return result
    }
}

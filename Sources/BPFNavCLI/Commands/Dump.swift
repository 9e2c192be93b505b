import Encoding
import BPFKit
import Glibc
import Iterators

/// How a dump is printed.
enum DumpFormat {
    case table, json, ndjson

    init(_ args: Arguments) throws {
        try args.exclusive(.json, .ndjson)
        self = args[.json] ? .json : args[.ndjson] ? .ndjson : .table
    }
}

/// The framing of a streamed dump: table rows, a JSON array that parses
/// whatever happens, or NDJSON; whole records only, through one output
/// buffer.
struct RecordStream {
    let format: DumpFormat
    let out: Output
    /// `[` before the first record (bpftool's map dump) rather than with it.
    let bracketFirst: Bool
    /// The table's column headings: written with the first row, or at the
    /// end of an empty table, so that a failure to start prints only the error.
    let header: StaticString?
    private(set) var count = 0

    init(_ format: DumpFormat, out: Output = .standardOutput, bracketFirst: Bool = false,
         header: StaticString? = nil) {
        self.format = format
        self.out = out
        self.bracketFirst = bracketFirst
        self.header = header
        if format == .json, bracketFirst { out.append(byte: UInt8(ascii: "[")) }
    }

    /// One record: `json` writes it for JSON and NDJSON, `lines` as whole
    /// lines of a table (each ending in a newline).
    mutating func append(json: (Output) -> Void, lines: (Output) -> Void) throws {
        switch format {
        case .table:
            if count == 0 { writeHeader() }
            lines(out)
        case .json:
            out.append(count > 0 ? ",\n" : bracketFirst ? "\n" : "[\n")
            json(out)
        case .ndjson:
            json(out)
            out.append(byte: 0x0a)
        }
        count += 1
        out.flushIfFull()
        try out.check()
    }

    /// What closes the JSON array now; nil for a table and NDJSON.
    var closing: StaticString? {
        guard format == .json else { return nil }
        return count > 0 ? "\n]\n" : bracketFirst ? "]\n" : "[]\n"
    }

    private func writeHeader() {
        guard let header else { return }
        if Colour.enabled {
            out.write(Colour.paint(header.description, Colour.bold))
        } else {
            out.append(header)
        }
        out.append(byte: 0x0a)
    }

    /// The end of a whole stream.
    func finish() throws {
        if format == .table, count == 0 { writeHeader() }
        if let closing { out.append(closing) }
        out.flush()
        try out.check()
    }

    /// The end of a stream cut short by a signal.
    func interrupted(_ signal: Interrupted, _ what: String, items: String) -> Exit {
        signal.end(out, closing: closing, what, count: count, items: items)
    }

    /// The end of a stream cut short by `error`: what was read stays usable,
    /// the JSON array closed before the error goes to stderr. Nothing written
    /// yet, the error is the document (CLI.report), as with bpftool -j.
    func failed(_ error: any Error) -> any Error {
        guard format == .json, bracketFirst || count > 0, let closing else { return error }
        out.append(closing)
        out.flush()
        CLI.report(error, json: false)
        return Exit(1)
    }
}

/// Streams one iterator's records to stdout as a table, a JSON array or
/// NDJSON. Memory stays one read buffer plus one output buffer, whatever the
/// number of records.
struct Dump<Record: IterRecord> {
    let kind: IterKind
    let params: IterParams
    let format: DumpFormat
    /// Column headings of the table.
    let header: StaticString
    let writeRow: (Record, Output) -> Void
    let writeJSON: (Record, Output) -> Void

    func run() throws {
        var stream = RecordStream(format, header: header)
        Interrupt.install()
        do {
            try TaskParams.validate(params, for: kind)
            let loader = IterLoader(cache: ProgramCache.standard)
            try loader.forEachRecord(Record.self, kind, params: params) { record in
                try Interrupt.check()
                try stream.append(json: { writeJSON(record, $0) }, lines: { out in
                    writeRow(record, out)
                    out.append(byte: 0x0a)
                })
            }
            // Nothing at all for a pid or tid /proc lists: the kernel's walk
            // may not show that task (see requireVisible), and then no
            // iterator ever will. Checked only now, so that a dump that
            // shows something pays nothing for it.
            if stream.count == 0 { try TaskParams.requireVisible(params, loader: loader) }
            try stream.finish()
        } catch is OutputClosed {
            // The reader went away (`| head`): nothing more to say.
            return
        } catch let interrupted as Interrupted {
            throw stream.interrupted(interrupted, "dump \(kind.target) iterator", items: "records")
        } catch {
            throw stream.failed(error)
        }
    }
}


extension Dump {
    /// The command that dumps a per-task iterator (tasks, files, vmas): all
    /// tasks or one by --pid/--tid, as a table, JSON or NDJSON.
    static func command(_ name: String, abstract: String, discussion: String = "", kind: IterKind,
                        header: StaticString, row: @escaping @Sendable (Record, Output) -> Void,
                        json: @escaping @Sendable (Record, Output) -> Void) -> CommandSpec {
        CommandSpec(name: name, abstract: abstract, discussion: discussion,
                    options: taskFilterOptions + formatOptions) { args in
            try Dump(kind: kind, params: try args.taskParams(), format: DumpFormat(args),
                     header: header, writeRow: row, writeJSON: json).run()
        }
    }
}

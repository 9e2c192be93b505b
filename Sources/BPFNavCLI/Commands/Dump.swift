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
        let out = Output.standardOutput
        var count = 0
        Interrupt.install()
        do {
            try TaskParams.validate(params, for: kind)
            let loader = IterLoader(cache: ProgramCache.standard)
            // The table's header comes with the first row (or at the end),
            // so that a failure to load prints only the error.
            func writeHeader() {
                out.append(header)
                out.append(byte: 0x0a)
            }
            try loader.forEachRecord(Record.self, kind, params: params) { record in
                try Interrupt.check()
                switch format {
                case .table:
                    if count == 0 { writeHeader() }
                    writeRow(record, out)
                    out.append(byte: 0x0a)
                case .json:
                    out.append(count == 0 ? "[\n" : ",\n")
                    writeJSON(record, out)
                case .ndjson:
                    writeJSON(record, out)
                    out.append(byte: 0x0a)
                }
                count += 1
                out.flushIfFull()
                try out.check()
            }
            // Nothing at all for a pid or tid /proc lists: the kernel's walk
            // may not show that task (see requireVisible), and then no
            // iterator ever will. Checked only now, so that a dump that
            // shows something pays nothing for it.
            if count == 0 { try TaskParams.requireVisible(params, loader: loader) }
            if format == .json { out.append(count == 0 ? "[]\n" : "\n]\n") }
            if format == .table, count == 0 { writeHeader() }
            out.flush()
            try out.check()
        } catch is OutputClosed {
            // The reader went away (`| head`): nothing more to say.
            return
        } catch let interrupted as Interrupted {
            // Whole records only, and a JSON array that parses.
            throw interrupted.end(out, closing: format == .json ? (count == 0 ? "[]\n" : "\n]\n") : nil,
                                  "dump \(kind.target) iterator", count: count, items: "records")
        } catch {
            // What was read stays valid JSON: the array is closed and the
            // error goes to stderr. Before any record, the error is the
            // document (CLI.report), as with bpftool -j.
            guard format == .json, count > 0 else { throw error }
            out.append("\n]\n")
            CLI.report(error, json: false)
            throw Exit(1)
        }
    }
}


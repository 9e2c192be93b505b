import ArgumentParser
import BPFKit
import Glibc
import Iterators

/// How a dump is printed.
enum DumpFormat {
    case table, json, ndjson
}

struct FormatOptions: ParsableArguments {
    @Flag(help: "Print one JSON array.")
    var json = false

    @Flag(help: "Print one JSON object per line, as records arrive.")
    var ndjson = false

    func validate() throws {
        if json && ndjson { throw ValidationError("--json and --ndjson cannot be used together") }
    }

    var format: DumpFormat { json ? .json : ndjson ? .ndjson : .table }
}

struct TaskFilterOptions: ParsableArguments {
    @Option(help: "Only this process (all its threads; its fd table or address space once).")
    var pid: UInt32?

    @Option(help: "Only this thread.")
    var tid: UInt32?

    func validate() throws {
        if pid != nil, tid != nil { throw ValidationError("--pid and --tid cannot be used together") }
    }

    var params: IterParams {
        if let pid { return .pid(pid) }
        if let tid { return .tid(tid) }
        return .all
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
        do {
            try TaskParams.validate(params, for: kind)
            let loader = IterLoader(cache: ProgramCache.standard)
            if format == .table {
                out.append(header)
                out.append(byte: 0x0a)
            }
            try loader.forEachRecord(Record.self, kind, params: params) { record in
                switch format {
                case .table:
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
            if format == .json { out.append(count == 0 ? "[]\n" : "\n]\n") }
            out.flush()
            try out.check()
        } catch is OutputClosed {
            // The reader went away (`| head`): nothing more to say.
            throw ExitCode(0)
        } catch {
            // What was read stays valid JSON: the array is closed and the
            // error goes to stderr. Before any record, the error is the
            // document, as with bpftool -j.
            if format == .json, count > 0 {
                out.append("\n]\n")
                out.flush()
                try reportDumpError(error, format: .table)
            }
            out.flush()
            try reportDumpError(error, format: format)
        }
    }
}

/// Prints an error as bpfnav does everywhere, or as a JSON object on stdout
/// (as bpftool does with -j), and exits 1.
func reportDumpError(_ error: any Error, format: DumpFormat) throws -> Never {
    let (message, errnoName): (String, String?) = switch error {
    case let e as BPFError: (e.description, e.errnoName)
    case let e as IterReadError: (e.description, e.error.errnoName)
    case let e as RecordError: ("decode iterator records: \(e)", nil)
    default: ("\(error)", nil)
    }
    if format == .table {
        Output.standardError.write("bpfnav: \(message)\n")
    } else {
        let out = Output.standardOutput
        out.append("{\"error\":")
        Escape.appendJSONString(Array(message.utf8), to: out)
        if let errnoName {
            out.append(",\"errno\":")
            Escape.appendJSONString(Array(errnoName.utf8), to: out)
        }
        out.append("}\n")
        out.flush()
    }
    throw ExitCode(1)
}

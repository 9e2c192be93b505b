import BPFKit
import Encoding
import Formatting
import Iterators

/// The properties bpfnav's parsers must keep on any input, as functions of
/// raw bytes. The libFuzzer harnesses in fuzz/ call them (`fuzz/run`), and
/// FuzzRegressionTests replays the saved corpus and every input that once
/// failed through them in the normal test run. Each returns nil, or what
/// went wrong; a crash is a failure too.
@_spi(Fuzzing) public enum FuzzChecks {
    /// Iterator record streams: the first byte picks the record kind and the
    /// read size, the rest is the stream. Decoding in chunks must agree with
    /// decoding at once, and every record must encode as a table row with no
    /// raw control byte, and as JSON.
    public static func records(_ input: UnsafeRawBufferPointer) -> String? {
        guard let selector = input.first else { return nil }
        let stream = Array(input.dropFirst())
        let chunk = Int(selector >> 2) + 1
        switch selector & 3 {
        case 0: return records(TaskRecord.self, stream, chunk: chunk, row: TasksCommand.row, json: TasksCommand.json)
        case 1: return records(FileRecord.self, stream, chunk: chunk, row: FilesCommand.row, json: FilesCommand.json)
        case 2: return records(VMARecord.self, stream, chunk: chunk, row: VMAsCommand.row, json: VMAsCommand.json)
        default: return records(MapRecord.self, stream, chunk: chunk, row: MapsCommand.row, json: MapsCommand.json)
        }
    }

    private static func records<R: IterRecord & Equatable>(_: R.Type, _ stream: [UInt8], chunk: Int,
                                                           row: (R, Output) -> Void,
                                                           json: (R, Output) -> Void) -> String? {
        var whole: [R] = []
        var wholeError: String?
        do {
            whole = try RecordDecoder<R>.decodeAll(stream)
        } catch {
            wholeError = "\(error)"
        }
        var pieces: [R] = []
        var piecesError: String?
        var decoder = RecordDecoder<R>()
        do {
            var at = 0
            while at < stream.count {
                try decoder.feed(Array(stream[at..<min(at + chunk, stream.count)])) { pieces.append($0) }
                at += chunk
            }
            try decoder.finish()
        } catch {
            piecesError = "\(error)"
        }
        if piecesError != wholeError {
            return "\(R.self): in \(chunk)-byte reads \(piecesError ?? "no error"), at once \(wholeError ?? "no error")"
        }
        if wholeError == nil, pieces != whole { return "\(R.self): chunked and whole decoding differ" }

        let out = Output(fd: -1, bufferLimit: .max)
        for record in pieces {
            let start = out.count
            row(record, out)
            if out.buffer[start...].contains(where: { $0 < 0x20 || $0 == 0x7f }) {
                return "\(R.self): a raw control byte in a table row"
            }
            let jsonStart = out.count
            json(record, out)
            if out.buffer[jsonStart...].contains(where: { $0 < 0x20 }) {
                return "\(R.self): a raw control byte in JSON"
            }
        }
        return nil
    }

    /// BTF: the first two bytes say how much of the rest is the BTF blob;
    /// what follows it is a value, formatted as each type in turn (as
    /// `map dump` does).
    public static func btf(_ input: UnsafeRawBufferPointer) -> String? {
        guard input.count > 2 else { return nil }
        let rest = Array(input.dropFirst(2))
        let split = min(rest.count, Int(input[0]) | Int(input[1]) << 8)
        guard let btf = try? BTF(data: Array(rest[..<split])) else { return nil }
        // Up to 512 bytes of value: the formatter's work grows with it, and
        // a fuzzer that runs 100 inputs a second finds little.
        let value = Array(rest[split...].prefix(512))
        for id in 0...UInt32(min(btf.count + 1, 16)) {
            _ = btf.type(id)
            _ = btf.name(id)
            _ = btf.resolve(id)
            _ = btf.size(id)
            _ = btf.describe(id)
            _ = btf.kind(id)
            let json = BTFFormatter.json(BTFFormatter.format(value, type: id, btf: btf))
            if json.utf8.contains(where: { $0 < 0x20 }) { return "type \(id): a raw control byte in JSON" }
            _ = BTFFormatter.format(value, type: id, btf: btf, style: .typed)
        }
        _ = btf.find(named: "int")
        return nil
    }

    /// Translated program images: decoded, re-encoded to the same bytes, and
    /// printed one line per instruction (two slots for a 64-bit load).
    public static func xlated(_ input: UnsafeRawBufferPointer) -> String? {
        let raw = Array(input)
        guard let insns = try? Xlated.decode(raw) else {
            return raw.count % 8 == 0 ? "\(raw.count / 8) whole instructions were rejected" : nil
        }
        if Xlated.encode(insns) != raw { return "decode and encode do not round-trip" }
        let resolver = XlatedResolver(helperName: { $0 % 3 == 0 ? nil : "helper\($0)" },
                                      kfuncName: { $0 % 2 == 0 ? nil : "kfunc\($0)" })
        var expected = 0
        for line in Xlated.format(insns, resolver: resolver) {
            if line.index != expected { return "line for instruction \(line.index), expected \(expected)" }
            if line.text.isEmpty { return "instruction \(line.index): an empty line" }
            if !line.rendered.hasSuffix(") " + line.text) { return "instruction \(line.index): rendered line does not end with its text" }
            if line.text.utf8.contains(where: { $0 < 0x20 }) { return "instruction \(line.index): a control byte" }
            expected += line.opcode == 0x18 ? 2 : 1
        }
        if expected < insns.count || expected > insns.count + 1 { return "\(expected) slots printed for \(insns.count)" }
        return nil
    }

    /// Command lines (arguments separated by NUL bytes) against every
    /// command's options, and the same bytes through both escapers.
    public static func arguments(_ input: UnsafeRawBufferPointer) -> String? {
        let bytes = Array(input)
        let args = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        for spec in CLI.commands {
            let first = try? Parser.parse(args, for: spec)
            let second = try? Parser.parse(args, for: spec)
            if first?.positionals != second?.positionals || first?.values != second?.values || first?.flags != second?.flags {
                return "\(spec.name): parsing the same arguments twice differs"
            }
            guard let parsed = first else { continue }
            for name in parsed.values.keys where !spec.options.contains(where: { $0.name == name && $0.value != nil }) {
                return "\(spec.name): a value for --\(name), which takes none or does not exist"
            }
            for name in parsed.flags where !spec.options.contains(where: { $0.name == name && $0.value == nil }) {
                return "\(spec.name): a flag --\(name) it does not have"
            }
            if parsed.declares(.pid) { _ = try? parsed[.pid] }
            if parsed.declares(.tid) { _ = try? parsed[.tid] }
        }

        // Nothing that moves the cursor, changes colours or reorders text
        // reaches the terminal.
        let terminal = Escape.terminal(bytes)
        for scalar in terminal.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v) { return "control U+\(String(v, radix: 16)) for the terminal" }
            if (0x202a...0x202e).contains(v) || (0x2066...0x2069).contains(v) { return "bidi control U+\(String(v, radix: 16)) for the terminal" }
        }
        let out = Output(fd: -1, bufferLimit: .max)
        Escape.appendJSONString(bytes, to: out)
        let json = out.buffer
        if json.count < 2 || json.first != UInt8(ascii: "\"") || json.last != UInt8(ascii: "\"") { return "JSON string not quoted" }
        if json.contains(where: { $0 < 0x20 }) { return "a raw control byte in a JSON string" }

        // That JSON shown on a terminal (map dump's "= key: value" lines).
        if let unsafe = terminalUnsafe(Escape.terminalJSON(String(decoding: json, as: UTF8.self)), allowing: []) {
            return "terminalJSON: \(unsafe)"
        }

        // bpfnav cat's filter: the same promise for any pin's bytes (lines
        // and tabs kept), valid UTF-8, and the same output however the
        // stream is cut into reads.
        let filtered = TerminalFilter.filtered(bytes)
        if Array(String(decoding: filtered, as: UTF8.self).utf8) != filtered { return "TerminalFilter: invalid UTF-8 out" }
        if let unsafe = terminalUnsafe(String(decoding: filtered, as: UTF8.self), allowing: [0x0a, 0x09]) {
            return "TerminalFilter: \(unsafe)"
        }
        var filter = TerminalFilter()
        var pieces: [UInt8] = []
        let cuts = [0, bytes.count / 3, bytes.count * 2 / 3, bytes.count]
        for (from, to) in zip(cuts, cuts.dropFirst()) {
            filter.filter(Array(bytes[from..<to])) { pieces += $0 }
        }
        filter.finish { pieces += $0 }
        if pieces != filtered { return "TerminalFilter: the output depends on how the input was cut" }
        return nil
    }

    /// The first scalar of `text` a terminal would act on, described.
    private static func terminalUnsafe(_ text: String, allowing allowed: Set<UInt32>) -> String? {
        for scalar in text.unicodeScalars where !allowed.contains(scalar.value) {
            let v = scalar.value
            if v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v) { return "control U+\(String(v, radix: 16)) for the terminal" }
            if (0x202a...0x202e).contains(v) || (0x2066...0x2069).contains(v) { return "bidi control U+\(String(v, radix: 16)) for the terminal" }
        }
        return nil
    }
}

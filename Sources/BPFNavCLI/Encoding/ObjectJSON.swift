import BPFKit
import Encoding
import Formatting
import ObjectModel
import Platform
import Glibc

/// Programs, maps, links and pins as JSON, with bpftool's field names and
/// shapes (`bpftool prog|map|link show -j`), so jq scripts carry over.
///
/// Differences, all additions: `pinned` and `pids` are always present
/// (bpftool prints them only when non-empty), `name` is always present,
/// programs carry `verified_insns`, tracepoint links `format`. A field the
/// running kernel did not return (an older kernel's shorter info struct) is
/// left out, as bpftool leaves out what it does not have.
enum ObjectJSON {
    // MARK: - Any presentable object

    /// `entry` as one JSON object: its presentation's fields in order,
    /// those without a value left out.
    static func object<Entry: Presentable>(_ entry: Entry, _ out: Output) {
        out.append(byte: UInt8(ascii: "{"))
        var first = true
        for field in Entry.presentation.json {
            guard let value = field.value(entry) else { continue }
            if case .fields(let fields) = value {
                for (name, value) in fields {
                    guard let value else { continue }
                    key(name, first: &first, out)
                    self.value(value, out)
                }
                continue
            }
            key(field.key, first: &first, out)
            self.value(value, out)
        }
        out.append(byte: UInt8(ascii: "}"))
    }


    /// `"key":`, after a comma unless it is the object's first.
    @inline(__always)
    static func key(_ key: StaticString, first: inout Bool, _ out: Output) {
        if first { first = false } else { out.append(byte: 0x2c) }
        out.append(byte: 0x22); out.append(key); out.append(byte: 0x22); out.append(byte: 0x3a)
    }

    static func value(_ value: JSONValue, _ out: Output) {
        switch value {
        case .string(let text): string(text, out)
        case .bytes(let bytes): Escape.appendJSONString(bytes, to: out)
        case .unsigned(let number): out.append(number)
        case .signed(let number): out.append(number)
        case .bool(let flag): bool(flag, out)
        case .ids(let ids):
            out.append(byte: UInt8(ascii: "["))
            for (i, id) in ids.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                out.append(id)
            }
            out.append(byte: UInt8(ascii: "]"))
        case .byteStrings(let strings):
            out.append(byte: UInt8(ascii: "["))
            for (i, bytes) in strings.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                Escape.appendJSONString(bytes, to: out)
            }
            out.append(byte: UInt8(ascii: "]"))
        case .holders(let holders):
            out.append(byte: UInt8(ascii: "["))
            for (i, holder) in holders.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                out.append("{\"pid\":"); out.append(holder.pid)
                out.append(",\"comm\":"); Escape.appendJSONString(holder.comm, to: out)
                out.append(byte: UInt8(ascii: "}"))
            }
            out.append(byte: UInt8(ascii: "]"))
        case .json(let text): out.write(text)
        case .array(let values):
            out.append(byte: UInt8(ascii: "["))
            for (i, element) in values.enumerated() {
                if i > 0 { out.append(byte: 0x2c) }
                self.value(element, out)
            }
            out.append(byte: UInt8(ascii: "]"))
        case .object(let fields):
            out.append(byte: UInt8(ascii: "{"))
            var first = true
            for (name, element) in fields {
                guard let element else { continue }
                if first { first = false } else { out.append(byte: 0x2c) }
                string(name, out); out.append(byte: 0x3a)
                self.value(element, out)
            }
            out.append(byte: UInt8(ascii: "}"))
        case .fields:
            break  // written by `fields`, into the enclosing object
        }
    }

    // MARK: - Links

    /// The per-type fields of a link, each starting with a comma.
    static func linkDetails(_ details: LinkDetails, programType: UInt32?, tracepointFormat: TracepointFormat?,
                            _ out: Output) {
        for (key, value) in LinkEntry.jsonFields(details, programType: programType, tracepointFormat: tracepointFormat) {
            guard let value else { continue }
            out.append(byte: 0x2c); out.append(byte: 0x22); out.append(key); out.append(byte: 0x22)
            out.append(byte: 0x3a)
            self.value(value, out)
        }
    }

    // MARK: - Pieces

    static func string(_ text: String, _ out: Output) {
        Escape.appendJSONString(Array(text.utf8), to: out)
    }

    static func bool(_ value: Bool, _ out: Output) {
        if value { out.append("true") } else { out.append("false") }
    }
}


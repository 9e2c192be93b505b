import BPFKit
import Encoding
import Formatting
import ObjectModel
import Platform
import Glibc
import Iterators

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

    // MARK: - Pins

    /// One entry of `bpfnav pins`.
    static func pin(_ e: PinEntry, _ out: Output) {
        out.append("{\"path\":"); Escape.appendJSONString(e.path, to: out)
        out.append(",\"kind\":"); string(e.kind.name, out)
        switch e.kind {
        case .directory:
            if e.errno != 0 {
                out.append(",\"errno\":"); string(Errno.name(e.errno), out)
                out.append(",\"error\":"); string(Errno.describe(e.errno), out)
            }
        case .object(.program):
            if let p = e.program {
                out.append(",\"id\":"); out.append(p.id)
                out.append(",\"type\":"); string(p.typeName, out)
                out.append(",\"name\":"); string(p.name, out)
                out.append(",\"tag\":"); string(p.tag, out)
            }
        case .object(.map):
            if let m = e.map {
                out.append(",\"id\":"); out.append(m.id)
                out.append(",\"type\":"); string(m.typeName, out)
                out.append(",\"name\":"); string(m.name, out)
            }
        case .object(.link):
            if let l = e.link {
                out.append(",\"id\":"); out.append(l.id)
                out.append(",\"type\":"); string(l.typeName, out)
                out.append(",\"prog_id\":"); out.append(l.programID)
                if let name = e.linkProgramName {
                    out.append(",\"prog_name\":"); string(name, out)
                }
                linkDetails(l.details, programType: nil, tracepointFormat: nil, out)
            }
        case .symlink:
            out.append(",\"target\":"); Escape.appendJSONString(e.symlinkTarget ?? [], to: out)
        case .other, .object(.btf):
            break
        case .unreadable:
            out.append(",\"errno\":"); string(Errno.name(e.errno), out)
            out.append(",\"error\":"); string(Errno.describe(e.errno), out)
        }
        if e.kind != .directory {
            out.append(",\"owner\":"); string(e.owner.isBPFNav ? "bpfnav" : "foreign", out)
        }
        switch e.owner {
        case .foreign:
            break
        case .iterator(let kind, let format, let params):
            out.append(",\"bpfnav\":{\"kind\":"); string(kind.pinPrefix, out)
            out.append(",\"target\":"); string(kind.target, out)
            out.append(",\"format\":"); string(formatName(format), out)
            switch params {
            case .pid(let pid): out.append(",\"pid\":"); out.append(pid)
            case .tid(let tid): out.append(",\"tid\":"); out.append(tid)
            case .all, .mapFD: break
            }
            out.append("}")
        case .programCache(let kind, let format):
            out.append(",\"bpfnav\":{\"kind\":"); string(kind.pinPrefix, out)
            out.append(",\"target\":"); string(kind.target, out)
            out.append(",\"format\":"); string(formatName(format), out)
            out.append(",\"cache\":true}")
        case .demo:
            out.append(",\"bpfnav\":{\"demo\":true}")
        case .featureCache:
            out.append(",\"bpfnav\":{\"features\":true,\"cache\":true}")
        case .manifest:
            out.append(",\"bpfnav\":{\"manifest\":true}")
        }
        out.append("}")
    }

    // MARK: - Pieces

    static func formatName(_ format: IterFormat) -> String {
        switch format {
        case .text: "text"
        case .records: "records"
        case .bpfObjects: "bpf_objects"
        }
    }

    static func string(_ text: String, _ out: Output) {
        Escape.appendJSONString(Array(text.utf8), to: out)
    }

    static func bool(_ value: Bool, _ out: Output) {
        if value { out.append("true") } else { out.append("false") }
    }
}


import BPFKit
import Encoding
import Formatting
import ObjectModel
import Glibc

extension OptionKey where Self == Option<Int> {
    /// `map dump --limit N`.
    static var limit: Option<Int> {
        Option("limit", "N", "dump: stop after N entries.") { text throws(UsageError) in
            try entryCount(text, option: "--limit")
        }
    }
}

/// A number of entries given to `option`: digits only, 0 or more.
func entryCount(_ text: String, option: String) throws(UsageError) -> Int {
    guard let n = Int(text), n >= 0, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
        throw UsageError("\(option) takes a number of entries, not '\(text)'")
    }
    return n
}

/// `bpfnav map dump ID|PIN`: a map's entries, in bpftool's JSON shape.
enum MapDumpCommand {
    static func run(target: String, _ args: Arguments) throws {
        let format = try DumpFormat(args)
        let limit = try args[.limit]
        let dump = try MapDump(target: target)
        let contents = dump.contents
        var stream = RecordStream(format, bracketFirst: true)
        Interrupt.install()
        do {
            try contents.forEach(limit: limit) { key, value in
                try Interrupt.check()
                try stream.append(json: { writeJSON(dump, contents, key, value, $0) },
                                  lines: { writeRow(dump, contents, key, value, $0) })
            }
            if format == .table {
                stream.out.write("Found \(stream.count) element\(stream.count == 1 ? "" : "s")\n")
            }
            try stream.finish()
        } catch is OutputClosed {
            return
        } catch let interrupted as Interrupted {
            // Whole entries only, and a JSON array that parses.
            throw stream.interrupted(interrupted, "dump map \(target)", items: "entries")
        } catch {
            // What was read stays usable: the JSON array is closed first.
            throw stream.failed(error)
        }
    }

    /// bpftool's entry: hex byte arrays, `values[{cpu,value}]` for per-CPU
    /// maps, and `formatted` through BTF.
    static func writeJSON(_ dump: borrowing MapDump, _ contents: MapContents,
                          _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ out: Output) {
        let info = dump.info
        out.append("{\"key\":")
        appendHexArray(key, out)
        if !info.isPerCPU {
            out.append(",\"value\":")
            appendHexArray(value, out)
            var first = false
            for (key, target) in dump.targets(value) {
                ObjectJSON.key(key, first: &first, out)
                ObjectJSON.value(target, out)
            }
        } else {
            out.append(",")
            appendPerCPU(info, contents, value, out) { appendHexArray($0, out) }
        }
        if dump.btf != nil {
            out.append(",\"formatted\":{")
            var first = true
            if let k = dump.formatKey(key) {
                out.append("\"key\":")
                out.write(BTFFormatter.json(k))
                first = false
            }
            if !first { out.append(byte: UInt8(ascii: ",")) }
            if !info.isPerCPU {
                out.append("\"value\":")
                out.write(dump.formatValue(value).map(BTFFormatter.json) ?? "null")
            } else {
                appendPerCPU(info, contents, value, out) { out.write(dump.formatValue($0).map(BTFFormatter.json) ?? "null") }
            }
            out.append(byte: UInt8(ascii: "}"))
        }
        out.append(byte: UInt8(ascii: "}"))
    }

    /// `"values":[{"cpu":0,"value":…},…]`: each CPU's slot of a per-CPU
    /// value (8-byte aligned in the kernel's buffer) through `writeOne`.
    static func appendPerCPU(_ info: MapInfo, _ contents: MapContents, _ value: UnsafeRawBufferPointer, _ out: Output,
                             _ writeOne: (UnsafeRawBufferPointer) -> Void) {
        out.append("\"values\":[")
        for cpu in 0..<contents.possibleCPUs {
            if cpu > 0 { out.append(byte: UInt8(ascii: ",")) }
            out.append("{\"cpu\":")
            out.append(UInt64(cpu))
            out.append(",\"value\":")
            writeOne(cpuSlot(info, value, cpu))
            out.append(byte: UInt8(ascii: "}"))
        }
        out.append(byte: UInt8(ascii: "]"))
    }

    /// One CPU's value in a per-CPU map's buffer.
    static func cpuSlot(_ info: MapInfo, _ value: UnsafeRawBufferPointer, _ cpu: Int) -> UnsafeRawBufferPointer {
        let start = cpu * info.valueSlot
        return UnsafeRawBufferPointer(rebasing: value[start..<(start + Int(info.valueSize))])
    }

    /// `["0x2a","0x00",…]`, as bpftool prints raw bytes. A million-entry
    /// dump writes tens of millions of these: each comes from a table.
    static func appendHexArray(_ bytes: UnsafeRawBufferPointer, _ out: Output) {
        out.append(byte: UInt8(ascii: "["))
        hexStrings.withUnsafeBytes { table in
            for (i, byte) in bytes.enumerated() {
                let start = Int(byte) * 7 + (i == 0 ? 1 : 0)
                out.append(bytes: UnsafeRawBufferPointer(rebasing: table[start..<(Int(byte) * 7 + 7)]))
            }
        }
        out.append(byte: UInt8(ascii: "]"))
    }

    /// `,"0x00"` … `,"0xff"`, seven bytes each.
    static let hexStrings: [UInt8] = (0..<256).flatMap { byte -> [UInt8] in
        let digits = Array("0123456789abcdef".utf8)
        return [UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "0"), UInt8(ascii: "x"),
                digits[byte >> 4], digits[byte & 0xf], UInt8(ascii: "\"")]
    }

    /// "key: 2a 00 00 00  value: …", plus the BTF view when there is one.
    static func writeRow(_ dump: borrowing MapDump, _ contents: MapContents,
                         _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ out: Output) {
        out.append("key: ")
        appendHexBytes(key, out)
        if dump.info.isPerCPU {
            for cpu in 0..<contents.possibleCPUs {
                out.write("\n  cpu \(cpu): ")
                appendHexBytes(cpuSlot(dump.info, value, cpu), out)
            }
        } else {
            out.append("  value: ")
            appendHexBytes(value, out)
            // "prog_id 12 prog_name foo", "ifindex 1": what the value names.
            for (key, target) in dump.targets(value) {
                out.append(byte: 0x20); out.append(byte: 0x20); out.append(key); out.append(byte: 0x20)
                switch target {
                case .string(let text): out.write(Escape.terminal(Array(text.utf8)))
                case .unsigned(let number): out.append(number)
                default: break
                }
            }
        }
        out.append(byte: 0x0a)
        if dump.btf != nil, !dump.info.isPerCPU {
            let k = dump.formatKey(key).map(BTFFormatter.json) ?? "-"
            let v = dump.formatValue(value).map(BTFFormatter.json) ?? "-"
            // Formatted values can hold strings from the map: escaped,
            // and still JSON.
            out.append("  = ")
            out.write(Escape.terminalJSON("\(k): \(v)"))
            out.append(byte: 0x0a)
        }
    }

    static func appendHexBytes(_ bytes: UnsafeRawBufferPointer, _ out: Output) {
        for (i, byte) in bytes.enumerated() {
            if i > 0 { out.append(byte: 0x20) }
            out.append(hex: UInt64(byte), width: 2)
        }
    }
}

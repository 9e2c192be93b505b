import Encoding
import BPFKit
import Iterators

enum VMAsCommand {
    static let spec = Dump<VMARecord>.command(
        "vmas",
        abstract: "Every memory mapping of every process, from the task_vma iterator (like /proc/PID/maps).",
        discussion: "With --pid or --tid, that process's address space only.",
        kind: .taskVMA, header: header, row: row, json: json)

    static let header: StaticString = "    PID START-END                         PERM   OFFSET DEV   INODE      PATH"

    static func row(_ v: VMARecord, _ out: Output) {
        out.append(padLeft: 7) { out.append(v.pid) }
        out.append(byte: 0x20)
        out.append(hex: v.start, width: 16)
        out.append(byte: UInt8(ascii: "-"))
        out.append(hex: v.end, width: 16)
        out.append(byte: 0x20)
        appendPerms(v.vmFlags, to: out)
        out.append(byte: 0x20)
        out.append(hex: v.pgoff, width: 8)
        out.append(byte: 0x20)
        appendDev(major: v.major, minor: v.minor, to: out)
        out.append(byte: 0x20)
        let path = v.displayPath
        if path.isEmpty && v.pathError == 0 {
            out.append(v.inode)
            return
        }
        out.append(padRight: 10) { out.append(v.inode) }
        out.append(byte: 0x20)
        if v.pathError != 0 {
            out.write("?(\(Errno.name(v.pathError)))")
        } else {
            // The name alone, never passed off as the path (as in the pin).
            if v.pathSource == .name { out.write("\u{2026}/") }
            Escape.appendTerminal(path, to: out)
        }
    }

    static func json(_ v: VMARecord, _ out: Output) {
        out.append("{\"pid\":"); out.append(v.pid)
        out.append(",\"start\":\""); out.append(hex: v.start, width: 8)
        out.append("\",\"end\":\""); out.append(hex: v.end, width: 8)
        out.append("\",\"perms\":\""); appendPerms(v.vmFlags, to: out)
        out.append("\",\"pgoff\":"); out.append(v.pgoff)
        out.append(",\"dev\":\""); appendDev(major: v.major, minor: v.minor, to: out)
        out.append("\",\"inode\":"); out.append(v.inode)
        out.append(",\"path\":"); Escape.appendJSONString(v.displayPath, to: out)
        if !v.path.isEmpty {
            out.append(",\"path_source\":\""); out.write(v.pathSource.label); out.append("\"")
        }
        if v.pathError != 0 {
            out.append(",\"path_error\":\""); out.write(Errno.name(v.pathError)); out.append("\"")
        }
        out.append("}")
    }
}

/// "r-xp" straight into the buffer (VMARecord.perms builds a String).
@inline(__always)
func appendPerms(_ flags: UInt64, to out: Output) {
    out.append(byte: flags & 0x1 != 0 ? UInt8(ascii: "r") : UInt8(ascii: "-"))
    out.append(byte: flags & 0x2 != 0 ? UInt8(ascii: "w") : UInt8(ascii: "-"))
    out.append(byte: flags & 0x4 != 0 ? UInt8(ascii: "x") : UInt8(ascii: "-"))
    out.append(byte: flags & 0x80 != 0 ? UInt8(ascii: "s") : UInt8(ascii: "p"))
}

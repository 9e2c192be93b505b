import Encoding
import BPFKit
import Iterators

enum FilesCommand {
    static let spec = Dump<FileRecord>.command(
        "files",
        abstract: "Every open file of every process, from the task_file iterator (like lsof).",
        discussion: "With --pid or --tid, the fd table of that process only. FLAGS is octal, as /proc/PID/fdinfo shows it.",
        kind: .taskFile, header: header, row: row, json: json)

    static let header: StaticString = "    PID    FD TYPE        FLAGS        POS      INODE PATH"

    static func row(_ f: FileRecord, _ out: Output) {
        out.append(padLeft: 7) { out.append(f.pid) }
        out.append(byte: 0x20)
        out.append(padLeft: 5) { out.append(f.fd) }
        out.append(byte: 0x20)
        out.append(padRight: 7) { out.append(f.typeName) }
        out.append(byte: 0x20)
        out.append(padLeft: 9) { out.append(octal: UInt64(f.flags)) }
        out.append(byte: 0x20)
        out.append(padLeft: 10) { out.append(f.pos) }
        out.append(byte: 0x20)
        out.append(padLeft: 10) { out.append(f.inode) }
        out.append(byte: 0x20)
        if f.pathError != 0 {
            out.write("?(\(Errno.name(f.pathError)))")
        } else {
            // The name alone, never passed off as the path (as in the pin).
            if f.pathSource == .name { out.write("\u{2026}/") }
            Escape.appendTerminal(f.path, to: out)
        }
    }

    static func json(_ f: FileRecord, _ out: Output) {
        out.append("{\"pid\":"); out.append(f.pid)
        out.append(",\"fd\":"); out.append(f.fd)
        out.append(",\"type\":\""); out.append(f.typeName)
        out.append("\",\"path\":"); Escape.appendJSONString(f.path, to: out)
        if f.pathError == 0 {
            out.append(",\"path_source\":\""); out.write(f.pathSource.label); out.append("\"")
        } else {
            out.append(",\"path_error\":\""); out.write(Errno.name(f.pathError)); out.append("\"")
        }
        out.append(",\"flags\":"); out.append(f.flags)
        out.append(",\"pos\":"); out.append(f.pos)
        out.append(",\"inode\":"); out.append(f.inode)
        out.append(",\"dev\":\""); appendDev(major: f.major, minor: f.minor, to: out)
        out.append("\",\"mode\":"); out.append(f.mode)
        if let object = f.bpfObject {
            out.append(",\"bpf\":{\"type\":\""); out.write(object.kind.shortName)
            out.append("\",\"id\":"); out.append(object.id); out.append("}")
        }
        out.append("}")
    }
}

/// "fe:00": major and minor in hex, as /proc/PID/maps shows them.
func appendDev(major: UInt32, minor: UInt32, to out: Output) {
    out.append(hex: UInt64(major), width: 2)
    out.append(byte: UInt8(ascii: ":"))
    out.append(hex: UInt64(minor), width: 2)
}

import Encoding
import Iterators

enum TasksCommand {
    static let spec = Dump<TaskRecord>.command(
        "tasks",
        abstract: "Every thread, from the task iterator (like ps -eLo pid,tid,ppid,uid,stat,comm).",
        kind: .task, header: header, row: row, json: json)

    static let header: StaticString = "    PID     TID    PPID    UID S COMM"

    static func row(_ t: TaskRecord, _ out: Output) {
        out.append(padLeft: 7) { out.append(t.pid) }
        out.append(byte: 0x20)
        out.append(padLeft: 7) { out.append(t.tid) }
        out.append(byte: 0x20)
        out.append(padLeft: 7) { out.append(t.ppid) }
        out.append(byte: 0x20)
        out.append(padLeft: 6) { out.append(t.uid) }
        out.append(byte: 0x20)
        out.append(byte: t.state.asciiValue ?? UInt8(ascii: "?"))
        out.append(byte: 0x20)
        Escape.appendTerminal(t.comm, to: out)
    }

    static func json(_ t: TaskRecord, _ out: Output) {
        out.append("{\"pid\":"); out.append(t.pid)
        out.append(",\"tid\":"); out.append(t.tid)
        out.append(",\"ppid\":"); out.append(t.ppid)
        out.append(",\"uid\":"); out.append(t.uid)
        out.append(",\"ruid\":"); out.append(t.ruid)
        out.append(",\"gid\":"); out.append(t.gid)
        out.append(",\"state\":\""); out.append(byte: t.state.asciiValue ?? UInt8(ascii: "?"))
        out.append("\",\"comm\":"); Escape.appendJSONString(t.comm, to: out)
        out.append(",\"kthread\":"); out.append(t.isKernelThread ? "true" : "false")
        out.append(",\"start_time_ns\":"); out.append(t.startTime)
        out.append("}")
    }
}

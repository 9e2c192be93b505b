import BPFKit
import Encoding
import Glibc
import ObjectModel

// `bpfnav cgroup tree [ROOT]` and `bpfnav cgroup show PATH`: the programs
// attached to cgroup v2 directories (BPF_PROG_QUERY for every cgroup attach
// type), with bpftool's JSON (`bpftool cgroup tree -j`, `bpftool cgroup show
// PATH -j`) plus bpfnav's `cgroup_id`, `link_id` (where a link attaches the
// program) and, with --effective, `inherited`.

enum CgroupCommand {
    static let spec = CommandSpec(
        name: "cgroup",
        abstract: "BPF programs attached to cgroups (v2): `cgroup tree [ROOT]`, `cgroup show PATH`.",
        discussion: """
        bpfnav cgroup tree [ROOT]       every cgroup under ROOT (default: the cgroup2 mount) that
                                        has programs (--json as `bpftool cgroup tree -j`)
        bpfnav cgroup show PATH         the programs of one cgroup (--json as
                                        `bpftool cgroup show PATH -j`)
        ATTACHFLAGS is how the program was attached (multi, override, or empty for exclusive).
        JSON adds cgroup_id and link_id (the link attaching the program; none for a legacy
        attachment); with --effective, inherited (attached to an ancestor). Cgroups that could
        not be read are named on stderr, and the exit status is then 1. Unlike bpftool, a cgroup
        without programs prints [] with --json.
        """,
        options: [
            .json.with(help: "Print JSON (tree: one object per cgroup; show: one per program)."),
            .effective,
        ],
        positionals: "tree|show",
        positionalHelp: "tree [ROOT], or show PATH.",
        completes: .words(["tree", "show"]),
        run: run
    )

    static func run(_ args: Arguments) throws {
        let words = args.positionals
        let effective = args[.effective]
        let snapshot: CgroupSnapshot
        let tree: Bool
        switch words.first {
        case "tree":
            guard words.count <= 2 else { throw UsageError("give at most one ROOT: bpfnav cgroup tree [ROOT]") }
            tree = true
            if words.count == 2 {
                snapshot = try CgroupSnapshot.collect(root: words[1], effective: effective)
            } else {
                snapshot = CgroupSnapshot.collect(effective: effective)
                if snapshot.root == nil {
                    throw BPFError("find the cgroup2 mount", "/proc/self/mountinfo", errno: ENOENT,
                                   hint: "cgroup v2 is not mounted")
                }
            }
        case "show":
            guard words.count == 2 else { throw UsageError("give one cgroup directory: bpfnav cgroup show PATH") }
            tree = false
            snapshot = try CgroupSnapshot.show(path: words[1], effective: effective)
        case nil:
            throw UsageError("give 'tree [ROOT]' or 'show PATH'")
        case let word?:
            throw UsageError("unknown cgroup command '\(word)': give 'tree [ROOT]' or 'show PATH'")
        }
        let out = Output.standardOutput
        switch (tree, args[.json]) {
        case (true, true): writeTreeJSON(snapshot, out: out)
        case (true, false): writeTreeText(snapshot, out: out)
        case (false, true): writeShowJSON(snapshot, out: out)
        case (false, false): writeShowText(snapshot, out: out)
        }
        out.flush()
        guard snapshot.errors.isEmpty else {
            for error in snapshot.errors {
                Output.standardError.write("bpfnav: " + Escape.terminalLines(error) + "\n")
            }
            throw Exit(1)
        }
    }

    // MARK: - bpftool's words

    /// bpftool's `attach_flags` (`CgroupAttachment.flagsName`).
    static func flagsName(_ flags: UInt32) -> String {
        CgroupAttachment.flagsName(flags)
    }

    /// libbpf's name of a cgroup attach type (as current bpftool prints
    /// it: "cgroup_inet_ingress"); nil for one it has no name for (bpftool
    /// prints the number).
    static func attachTypeName(_ type: UInt32) -> String? {
        let name = AttachType.name(type)
        return name.hasPrefix("attach_type_") ? nil : name
    }

    // MARK: - JSON

    /// `[{"cgroup": PATH, "programs": [...]}, ...]`, one cgroup a line.
    static func writeTreeJSON(_ snapshot: CgroupSnapshot, out: Output) {
        let groups = visibleGroups(snapshot)
        if groups.isEmpty {
            out.append("[]\n")
            return
        }
        for (i, group) in groups.enumerated() {
            out.append(i == 0 ? "[\n{\"cgroup\":" : ",\n{\"cgroup\":")
            Escape.appendJSONString(Array(group.path.utf8), to: out)
            out.append(",\"programs\":[")
            for (j, attachment) in group.attachments.enumerated() {
                if j > 0 { out.append(byte: UInt8(ascii: ",")) }
                writeProgramJSON(attachment, snapshot, out: out)
            }
            out.append("]}")
            out.flushIfFull()
        }
        out.append("\n]\n")
    }

    /// `[{program}, ...]`, one program a line.
    static func writeShowJSON(_ snapshot: CgroupSnapshot, out: Output) {
        let attachments = visibleGroups(snapshot).flatMap(\.attachments)
        if attachments.isEmpty {
            out.append("[]\n")
            return
        }
        for (i, attachment) in attachments.enumerated() {
            out.append(i == 0 ? "[\n" : ",\n")
            writeProgramJSON(attachment, snapshot, out: out)
        }
        out.append("\n]\n")
    }

    /// bpftool's program object (`attach_flags` only for attached
    /// programs), then bpfnav's fields.
    static func writeProgramJSON(_ attachment: CgroupAttachment, _ snapshot: CgroupSnapshot, out: Output) {
        let program = snapshot.programs[attachment.programID] ?? CgroupProgram(name: "")
        out.append("{\"id\":")
        out.append(attachment.programID)
        out.append(",\"attach_type\":")
        if let name = attachTypeName(attachment.attachType) {
            Escape.appendJSONString(Array(name.utf8), to: out)
        } else {
            out.append(attachment.attachType)
        }
        if !snapshot.effective {
            out.append(",\"attach_flags\":")
            Escape.appendJSONString(Array(flagsName(attachment.attachFlags).utf8), to: out)
        }
        out.append(",\"name\":")
        Escape.appendJSONString(Array(program.name.utf8), to: out)
        if let name = program.attachBTFName {
            out.append(",\"attach_btf_name\":")
            Escape.appendJSONString(Array(name.utf8), to: out)
        }
        out.append(",\"attach_btf_obj_id\":")
        out.append(program.attachBTFObjectID)
        out.append(",\"attach_btf_id\":")
        out.append(program.attachBTFID)
        out.append(",\"cgroup_id\":")
        out.append(attachment.cgroupID)
        if let link = attachment.linkID {
            out.append(",\"link_id\":")
            out.append(link)
        }
        if snapshot.effective {
            out.append(attachment.inherited ? ",\"inherited\":true" : ",\"inherited\":false")
        }
        out.append(byte: UInt8(ascii: "}"))
    }

    // MARK: - Text

    /// bpftool's `cgroup tree`: a header, then each cgroup's path and its
    /// programs, those below ROOT indented.
    static func writeTreeText(_ snapshot: CgroupSnapshot, out: Output) {
        out.write(snapshot.effective
            ? "CgroupPath\n" + pad("ID", 8) + " " + pad("AttachType", 15) + " " + pad("Name", 15) + "\n"
            : "CgroupPath\n" + pad("ID", 8) + " " + pad("AttachType", 15) + " " + pad("AttachFlags", 15) + " "
                + pad("Name", 15) + "\n")
        for group in visibleGroups(snapshot) {
            out.write(Escape.terminal(Array(group.path.utf8)) + "\n")
            let indent = group.path == snapshot.root ? "" : "    "
            for attachment in group.attachments {
                out.write(indent + programLine(attachment, snapshot))
            }
            out.flushIfFull()
        }
    }

    /// bpftool's `cgroup show`: nothing for a cgroup without programs,
    /// else a header and a line per program.
    static func writeShowText(_ snapshot: CgroupSnapshot, out: Output) {
        let attachments = visibleGroups(snapshot).flatMap(\.attachments)
        guard !attachments.isEmpty else { return }
        out.write(snapshot.effective
            ? pad("ID", 8) + " " + pad("AttachType", 15) + " " + pad("Name", 15) + "\n"
            : pad("ID", 8) + " " + pad("AttachType", 15) + " " + pad("AttachFlags", 15) + " " + pad("Name", 15) + "\n")
        for attachment in attachments {
            out.write(programLine(attachment, snapshot))
        }
    }

    /// One program as bpftool prints it: `%-8u %-15s %-15s %-15s` (id,
    /// attach type, flags unless effective, name), then the attach BTF.
    static func programLine(_ attachment: CgroupAttachment, _ snapshot: CgroupSnapshot) -> String {
        let program = snapshot.programs[attachment.programID] ?? CgroupProgram(name: "")
        var line = pad(String(attachment.programID), 8) + " "
        if let name = attachTypeName(attachment.attachType) {
            line += pad(name, 15)
        } else {
            line += "type " + pad(String(attachment.attachType), 10)
        }
        if !snapshot.effective { line += " " + pad(flagsName(attachment.attachFlags), 15) }
        line += " " + pad(Escape.terminal(Array(program.name.utf8)), 15)
        if let name = program.attachBTFName {
            line += " " + pad(name, 15)
        } else if program.attachBTFID != 0 {
            line += " attach_btf_obj_id=\(program.attachBTFObjectID) attach_btf_id=\(program.attachBTFID)"
        }
        return line + "\n"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// The cgroups with programs, leaving out those whose program was freed
    /// before its name could be read (as bpftool does).
    static func visibleGroups(_ snapshot: CgroupSnapshot)
        -> [(path: String, cgroupID: UInt64, attachments: [CgroupAttachment])] {
        snapshot.byCgroup.compactMap { group in
            let shown = group.attachments.filter { snapshot.programs[$0.programID] != nil }
            return shown.isEmpty ? nil : (group.path, group.cgroupID, shown)
        }
    }
}

extension OptionKey where Self == Flag {
    static var effective: Flag {
        Flag("effective", "The programs that run for the cgroup, its ancestors' included (bpftool's `effective`).")
    }
}

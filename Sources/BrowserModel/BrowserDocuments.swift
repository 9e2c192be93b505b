import Encoding
import Formatting
import ObjectModel

/// The detail documents of the browser, built from a snapshot alone (no
/// I/O): the preview beside a list, and the start of every content view.
/// `LiveBrowserSource.document` adds what needs the kernel (instructions,
/// a task's files and mappings, an iterator's output).
public enum BrowserDocuments {
    /// What a list row opens: `target`'s document from `snapshot`.
    public static func preview(_ target: BrowserTarget, in snapshot: BrowserSnapshot) -> BrowserDocument {
        switch target {
        case .object(let object):
            let id = object.id
            switch object.kind {
            case .program:
                guard let program = snapshot.program(id) else { return missing("Program \(id)", "program") }
                return self.program(program, in: snapshot)
            case .map:
                guard let map = snapshot.map(id) else { return missing("Map \(id)", "map") }
                return self.map(map, in: snapshot)
            case .link:
                guard let link = snapshot.link(id) else { return missing("Link \(id)", "link") }
                return self.link(link, in: snapshot)
            case .btf:
                return missing("BTF \(id)", "BTF object")
            }
        case .pin(let path):
            guard let pin = snapshot.pin(path) else { return missing("Pin \(safe(path))", "pin") }
            return self.pin(pin, in: snapshot)
        case .task(let pid):
            guard let task = snapshot.task(pid) else { return missing("Process \(pid)", "process") }
            return self.task(task, in: snapshot)
        case .place(let group):
            return place(group, in: snapshot)
        }
    }

    static func missing(_ title: String, _ noun: String) -> BrowserDocument {
        BrowserDocument(title: title, lines: [.text("This \(noun) is not in the last listing (gone, or not yet listed): r refreshes.")])
    }

    // MARK: Programs

    public static func program(_ p: ProgramEntry, in snapshot: BrowserSnapshot) -> BrowserDocument {
        var lines = fields(p)
        if !p.metadata.isEmpty {
            lines.append(.heading("Metadata"))
            // Values are JSON (BTFFormatter.json): escaped as JSON.
            for (name, value) in p.metadata {
                lines.append(.field(safe(name), Escape.terminalJSON(BTFFormatter.json(value))))
            }
        }
        lines.append(.heading("Maps (\(p.info.mapIDs.count))"))
        if p.info.mapIDs.isEmpty { lines.append(.text("none")) }
        for id in p.info.mapIDs {
            if let map = snapshot.map(id) {
                lines.append(.text("map \(id)  \(safe(map.info.typeName))  \(safe(map.info.name))", target: .map(id)))
            } else {
                lines.append(.text("map \(id)", target: .map(id)))
            }
        }
        if let attachments = p.attachments {
            lines.append(.heading("Attached to (\(attachments.count))"))
            if attachments.isEmpty { lines.append(.text("nothing bpfnav can see (loaded only, or held by a process)")) }
            for a in attachments {
                lines.append(.text(safe(a.summary), target: jump(a)))
            }
        }
        lines += references(p.pinned, p.pids)
        return BrowserDocument(title: "Program \(p.id) \(safe(p.fullName))", lines: lines)
    }

    /// Where a program's attachment line leads: its link, else its map
    /// (struct_ops), else the place with everything else that runs there.
    static func jump(_ a: AttachmentEntry) -> BrowserTarget {
        if let link = a.linkID { return .link(link) }
        if let map = a.mapID { return .map(map) }
        return .place(a.group)
    }

    // MARK: Places

    /// Everything that runs at one place (a device in its namespace, a
    /// cgroup, a hook), in order.
    public static func place(_ group: String, in snapshot: BrowserSnapshot) -> BrowserDocument {
        let here = snapshot.place(group)
        var lines: [BrowserLine] = []
        if let first = here.first {
            if let device = first.device {
                lines.append(.field("device", "\(safe(device.name)) ifindex \(device.ifindex)"
                                        + (device.kind.map { " (\(safe($0)))" } ?? "")))
            }
            if let ns = first.namespace {
                lines.append(.field("netns", "\(safe(ns.label)) inode \(ns.inode)" + (ns.isCurrent ? " (bpfnav's own)" : "")))
            }
            if let path = first.cgroupPath { lines.append(.field("cgroup", safe(path))) }
        }
        lines.append(.heading("Programs (\(here.count))"))
        if here.isEmpty { lines.append(.text("nothing runs here now")) }
        for a in here {
            let name = a.programName ?? snapshot.program(a.programID)?.fullName
            lines.append(.text("program \(a.programID)" + (name.map { "  " + safe($0) } ?? "") + "  \(safe(a.kind)) \(safe(a.attachPoint))",
                               target: .program(a.programID)))
            for extra in a.extra {
                lines.append(.field("  " + extra.key, safe(extra.value.description)))
            }
            if let link = a.linkID { lines.append(.text("  link \(link)", target: .link(link))) }
            if let map = a.mapID { lines.append(.text("  map \(map)", target: .map(map))) }
        }
        return BrowserDocument(title: safe(group), lines: lines)
    }

    // MARK: Maps

    public static func map(_ m: MapEntry, in snapshot: BrowserSnapshot) -> BrowserDocument {
        var lines = fields(m)
        let users = snapshot.programs.filter { $0.info.mapIDs.contains(m.id) }
        lines.append(.heading("Used by programs (\(users.count))"))
        if users.isEmpty { lines.append(.text("none listed")) }
        for p in users {
            lines.append(.text("program \(p.id)  \(safe(p.info.typeName))  \(safe(p.fullName))", target: .program(p.id)))
        }
        lines += references(m.pinned, m.pids)
        return BrowserDocument(title: "Map \(m.id) \(safe(m.info.name))", lines: lines, mapID: m.id)
    }

    // MARK: Links

    public static func link(_ l: LinkEntry, in snapshot: BrowserSnapshot) -> BrowserDocument {
        var lines = fields(l)
        let programID = l.info.programID
        let name = l.programName ?? snapshot.program(programID)?.fullName
        lines.append(.field("prog", "\(programID)" + (name.map { "  " + safe($0) } ?? ""),
                            target: .program(programID)))
        lines.append(.heading("Attached to"))
        let details = LinkSummary.pairs(l.info.details, place: l.place)
        if details.isEmpty {
            let summary = LinkSummary.text(l.info.details)
            lines.append(.text(summary.isEmpty ? "(no details for this link type)" : safe(summary)))
        }
        for (key, value) in details {
            let target: BrowserTarget? = key == "map_id" ? UInt32(value).map(BrowserTarget.map)
                : key == "pid" || key == "tid" ? UInt32(value).map(BrowserTarget.task) : nil
            lines.append(.field(key, safe(value), target: target))
        }
        if let table = l.structOps {
            lines.append(.heading("\(safe(table.typeName)) \(safe(table.mapName)) (\(table.members.count))"))
            for member in table.members {
                let name = snapshot.program(member.programID).map { "  " + safe($0.fullName) } ?? ""
                lines.append(.field(safe(member.name), "program \(member.programID)" + name, target: .program(member.programID)))
            }
        }
        lines += references(l.pinned, l.pids)
        return BrowserDocument(title: "Link \(l.id) \(safe(l.info.typeName))", lines: lines)
    }

    // MARK: Pins

    public static func pin(_ p: PinEntry, in snapshot: BrowserSnapshot) -> BrowserDocument {
        var lines = fields(p, targets: p.opens == .pin(p.path) ? [:] : ["id": p.opens])
        if let error = p.error { lines.append(.error(error)) }
        switch p.kind {
        case .directory:
            let prefix = p.path + [0x2f]
            let children = snapshot.pins.filter { $0.depth == p.depth + 1 && $0.path.starts(with: prefix) }
            lines.append(.heading("Contents (\(children.count))"))
            for child in children {
                let label = safe(child.lastComponent) + (child.kind == .directory ? "/" : "")
                lines.append(.text("\(label)  \(child.kind.name)" + (child.id != 0 ? " \(child.id)" : ""),
                                   target: .pin(child.path)))
            }
        case .object(.link) where p.iteratorTarget != nil:
            lines.append(.text("Enter shows the iterator's output, the bytes `cat` of the pin prints."))
        case .object(.program):
            lines.append(.text("program \(p.id): its details and instructions", target: .program(p.id)))
        case .object(.map):
            lines.append(.text("map \(p.id): its details and entries", target: .map(p.id)))
        case .object(.link):
            lines.append(.text("link \(p.id): its attach details", target: .link(p.id)))
        default:
            break
        }
        return BrowserDocument(title: "Pin \(safe(p.path))", lines: lines)
    }

    // MARK: Tasks

    public static func task(_ t: TaskEntry, in snapshot: BrowserSnapshot) -> BrowserDocument {
        var lines = fields(t, targets: t.ppid != 0 ? ["ppid": .task(t.ppid)] : [:])
        lines.append(.heading("BPF objects held"))
        let held = heldObjects(t.pid, in: snapshot)
        if held.isEmpty { lines.append(.text("none")) }
        lines += held
        return BrowserDocument(title: "Process \(t.pid) \(safe(t.comm))", lines: lines)
    }

    /// The programs, maps and links `pid` holds an fd to, from the holders
    /// of the last listing.
    static func heldObjects(_ pid: UInt32, in snapshot: BrowserSnapshot) -> [BrowserLine] {
        var lines: [BrowserLine] = []
        for p in snapshot.programs where p.pids.contains(where: { $0.pid == pid }) {
            lines.append(.text("program \(p.id)  \(safe(p.info.typeName))  \(safe(p.fullName))", target: .program(p.id)))
        }
        for m in snapshot.maps where m.pids.contains(where: { $0.pid == pid }) {
            lines.append(.text("map \(m.id)  \(safe(m.info.typeName))  \(safe(m.info.name))", target: .map(m.id)))
        }
        for l in snapshot.links where l.pids.contains(where: { $0.pid == pid }) {
            lines.append(.text("link \(l.id)  \(safe(l.info.typeName))  \(safe(LinkSummary.text(l.info.details)))",
                               target: .link(l.id)))
        }
        return lines
    }

    // MARK: Common

    /// The browser's detail fields of `entry`, from its presentation; a
    /// field named in `targets` opens its target.
    static func fields<Entry: Presentable>(_ entry: Entry, targets: [String: BrowserTarget] = [:]) -> [BrowserLine] {
        Entry.presentation.fields(entry, .browser).map { .field($0.0, $0.1, target: targets[$0.0]) }
    }

    /// Pinned paths and holder processes.
    static func references(_ pinned: [[UInt8]], _ pids: [Holder]) -> [BrowserLine] {
        var lines: [BrowserLine] = [.heading("Pinned (\(pinned.count))")]
        if pinned.isEmpty { lines.append(.text("not pinned")) }
        for path in pinned { lines.append(.text(safe(path), target: .pin(path))) }
        lines.append(.heading("Held by (\(pids.count))"))
        if pids.isEmpty { lines.append(.text("no process holds an fd")) }
        for holder in pids {
            lines.append(.text("\(holder.pid)  \(safe(holder.comm))", target: .task(holder.pid)))
        }
        return lines
    }

    static func safe(_ text: String) -> String { Escape.terminal(Array(text.utf8)) }
    static func safe(_ bytes: [UInt8]) -> String { Escape.terminal(bytes) }
}

extension PinEntry {
    /// What Enter on this pin opens: the pinned program or map itself, an
    /// iterator's output or a directory's contents (the pin), a link's details.
    public var opens: BrowserTarget {
        switch kind {
        case .object(.program) where id != 0: .program(id)
        case .object(.map) where id != 0: .map(id)
        case .object(.link) where id != 0 && iteratorTarget == nil: .link(id)
        default: .pin(path)
        }
    }
}

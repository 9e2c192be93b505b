import BrowserModel
import Encoding
import Formatting
import ObjectModel

/// The five lists, built from a snapshot.
enum Tables {
    static func table(_ section: BrowserSection, _ snapshot: BrowserSnapshot) -> Table {
        switch section {
        case .programs: programs(snapshot)
        case .maps: maps(snapshot)
        case .links: links(snapshot)
        case .pins: pins(snapshot)
        case .tasks: tasks(snapshot)
        }
    }

    static func programs(_ snapshot: BrowserSnapshot) -> Table {
        list(snapshot.programs, runStats: snapshot.runStats, target: { .program($0.id) },
             emptyText: "no BPF programs are loaded")
    }

    /// A list from the entries' presentation: its browser columns, cells
    /// and sort keys.
    static func list<Entry: Presentable>(_ entries: [Entry], runStats: Bool, target: (Entry) -> BrowserTarget,
                                         emptyText: String) -> Table {
        let presented = Entry.presentation.browserColumns(runStats: runStats)
        let columns = presented.map { column in
            let layout = column.layout
            return Column(title: column.header, width: layout.width, align: layout.alignRight ? .right : .left,
                          flex: layout.flex, priority: layout.priority, descendingFirst: layout.descendingFirst)
        }
        let rows = entries.map { entry in
            TableRow(cells: presented.map { $0.cell(entry) },
                     keys: presented.map { column in
                         switch column.sort?(entry) {
                         case .number(let value): .number(value)
                         case .text(let text): .text(text)
                         case nil: .text(column.cell(entry))
                         }
                     },
                     target: target(entry))
        }
        return Table(columns: columns, rows: rows, emptyText: emptyText)
    }

    static func maps(_ snapshot: BrowserSnapshot) -> Table {
        list(snapshot.maps, runStats: snapshot.runStats, target: { .map($0.id) }, emptyText: "no BPF maps exist")
    }

    static func links(_ snapshot: BrowserSnapshot) -> Table {
        list(snapshot.links, runStats: snapshot.runStats, target: { .link($0.id) }, emptyText: "no BPF links exist")
    }

    static func pins(_ snapshot: BrowserSnapshot) -> Table {
        let columns = [
            Column(title: "PATH", width: 24, flex: true),
            Column(title: "KIND", width: 4, priority: 1),
            Column(title: "ID", width: 5, align: .right, priority: 2),
            Column(title: "TYPE", width: 12, priority: 3),
            Column(title: "DETAIL", width: 20, flex: true, priority: 4),
        ]
        let rows = snapshot.pins.map { p in
            let name = p.depth == 0 ? safe(p.path) : safe(p.lastComponent)
            let tree = String(repeating: "  ", count: p.depth) + name + (p.kind == .directory ? "/" : "")
            let path = safe(p.path) + (p.kind == .directory ? "/" : "")
            var detail = [p.name, p.summary].filter { !$0.isEmpty }.map(safe).joined(separator: "  ")
            if let error = p.error { detail = safe(error) }
            let id = p.id == 0 ? "" : "\(p.id)"
            let kind = kindName(p.kind)
            return TableRow(cells: [tree, kind, id, safe(p.objectType), detail],
                            keys: [.text(path), .text(kind), .number(Double(p.id)), .text(p.objectType), .text(detail)],
                            target: .pin(p.path), opens: p.opens,
                            flatCells: [path, kind, id, safe(p.objectType), detail])
        }
        return Table(columns: columns, rows: rows, emptyText: "no bpffs is mounted, or nothing is pinned")
    }

    static func kindName(_ kind: PinKind) -> String {
        switch kind {
        case .directory: "dir"
        case .object(let kind): kind.shortName
        case .symlink: "sym"
        case .other: "?"
        case .unreadable: "err"
        }
    }

    static func tasks(_ snapshot: BrowserSnapshot) -> Table {
        list(snapshot.tasks, runStats: snapshot.runStats, target: { .task($0.pid) }, emptyText: "no tasks")
    }

    static func safe(_ text: String) -> String { Escape.terminal(Array(text.utf8)) }
    static func safe(_ bytes: [UInt8]) -> String { Escape.terminal(bytes) }
}

import BrowserModel
import Encoding
import Formatting
import ObjectModel

/// The six lists, built from a snapshot.
enum Tables {
    static func table(_ section: BrowserSection, _ snapshot: BrowserSnapshot,
                      history: ProgramHistory = ProgramHistory()) -> Table {
        switch section {
        case .programs: withHistoryColumns(programs(snapshot), snapshot.programs, history)
        case .maps: maps(snapshot)
        case .links: links(snapshot)
        case .pins: pins(snapshot)
        case .tasks: tasks(snapshot)
        case .attachments: attachments(snapshot)
        }
    }

    /// Every place every program runs, grouped by device, cgroup and hook:
    /// a row opens its place.
    static func attachments(_ snapshot: BrowserSnapshot) -> Table {
        list(snapshot.attachments, runStats: snapshot.runStats, target: { .place($0.group) },
             emptyText: "no program is attached anywhere bpfnav can see")
    }

    static func programs(_ snapshot: BrowserSnapshot) -> Table {
        list(snapshot.programs, runStats: snapshot.runStats, target: { .program($0.id) },
             emptyText: "no BPF programs are loaded")
    }

    /// A list from the entries' presentation: its browser columns, cells
    /// (and flat cells) and sort keys.
    static func list<Entry: Presentable>(_ entries: [Entry], runStats: Bool, target: (Entry) -> BrowserTarget,
                                         opens: ((Entry) -> BrowserTarget)? = nil, emptyText: String) -> Table {
        let presented = Entry.presentation.browserColumns(runStats: runStats)
        let columns = presented.map { column in
            let layout = column.layout
            return Column(title: column.header, width: layout.width, align: layout.alignRight ? .right : .left,
                          flex: layout.flex, priority: layout.priority, descendingFirst: layout.descendingFirst)
        }
        let flat = presented.contains { $0.flat != nil }
        let rows = entries.map { entry in
            TableRow(cells: presented.map { $0.cell(entry) },
                     keys: presented.map { column in
                         switch column.sort?(entry) {
                         case .number(let value): .number(value)
                         case .text(let text): .text(text)
                         case nil: .text(column.cell(entry))
                         }
                     },
                     target: target(entry), opens: opens?(entry),
                     flatCells: flat ? presented.map { ($0.flat ?? $0.cell)(entry) } : nil)
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
        list(snapshot.pins, runStats: snapshot.runStats, target: { .pin($0.path) }, opens: \.opens,
             emptyText: "no bpffs is mounted, or nothing is pinned")
    }

    static func tasks(_ snapshot: BrowserSnapshot) -> Table {
        list(snapshot.tasks, runStats: snapshot.runStats, target: { .task($0.pid) }, emptyText: "no tasks")
    }

    static func safe(_ text: String) -> String { Escape.terminal(Array(text.utf8)) }
    static func safe(_ bytes: [UInt8]) -> String { Escape.terminal(bytes) }
}

import BrowserModel
import ObjectModel

/// What the lists leave out, as htop does: bpfnav's own objects (`O`),
/// kernel threads (`K`), processes holding no BPF object (`b`), and the
/// Tasks list as a process tree (`t`, F5).
struct ListOptions: Equatable {
    /// bpfnav's own programs, maps, links and cache pins are listed.
    var showOwn = false
    var showKernelThreads = false
    var onlyBPFHolders = false
    var tree = false
}

extension App {
    /// `section`'s list from `snapshot`, without what the options hide.
    func listTable(_ section: BrowserSection, _ snapshot: BrowserSnapshot) -> Table {
        let shown = visible(snapshot)
        var table = section == .tasks && listOptions.tree ? Self.treeTable(shown) : Tables.table(section, shown, history: history)
        if table.rows.isEmpty, snapshot.count(section) > 0 {
            // Empty only because of what is hidden: say so, and how to see it.
            table.emptyText = section != .tasks ? "only bpfnav's own objects here (O shows them)"
                : listOptions.onlyBPFHolders ? "no process holds a BPF object (b shows every process)"
                : "only kernel threads (K shows them)"
        }
        return table
    }

    /// The snapshot as the lists show it.
    func visible(_ snapshot: BrowserSnapshot) -> BrowserSnapshot {
        var shown = snapshot
        let options = listOptions
        if !options.showOwn, !snapshot.own.isEmpty {
            let own = snapshot.own
            shown.programs.removeAll { own.contains(.program($0.id)) }
            shown.maps.removeAll { own.contains(.map($0.id)) }
            shown.links.removeAll { own.contains(.link($0.id)) }
            shown.pins.removeAll { own.contains(.pin($0.path)) }
            shown.attachments.removeAll { own.containsProgram($0.programID) }
        }
        if !options.showKernelThreads { shown.tasks.removeAll(where: \.isKernelThread) }
        if options.onlyBPFHolders { shown.tasks.removeAll { !$0.holdsBPF } }
        return shown
    }

    /// The Tasks list in tree order, each command drawn below its parent;
    /// sorted or filtered, the rows show their plain commands.
    static func treeTable(_ snapshot: BrowserSnapshot) -> Table {
        let tree = TaskTree.rows(snapshot.tasks)
        var ordered = snapshot
        ordered.tasks = tree.map { snapshot.tasks[$0.index] }
        let table = Tables.tasks(ordered)
        guard let command = table.columns.firstIndex(where: { $0.title == "COMMAND" }) else { return table }
        let rows = zip(table.rows, tree).map { row, node in
            var cells = row.cells
            cells[command] = node.prefix + cells[command]
            return TableRow(cells: cells, keys: row.keys, target: row.target, opens: row.opens, flatCells: row.cells)
        }
        return Table(columns: table.columns, rows: rows, emptyText: table.emptyText)
    }

    /// Builds every list again from the snapshot (an option changed).
    func rebuildLists() {
        guard let snapshot else { return }
        for section in BrowserSection.allCases {
            let table = listTable(section, snapshot)
            tables[section] = table
            lists[section]?.rebuild(table)
        }
        updatePreview(force: true)
        needsDraw = true
    }

    // MARK: Keys

    /// `O`: bpfnav's own objects shown or hidden.
    func toggleOwn() {
        listOptions.showOwn.toggle()
        rebuildLists()
        let count = snapshot.map { ownCount($0) } ?? 0
        say(listOptions.showOwn ? "bpfnav's own objects shown (\(count)): O hides them"
                                : "bpfnav's own objects hidden (\(count)): O shows them")
    }

    /// `K`: kernel threads in Tasks.
    func toggleKernelThreads() {
        listOptions.showKernelThreads.toggle()
        rebuildLists()
        say(listOptions.showKernelThreads ? "kernel threads shown: K hides them" : "kernel threads hidden: K shows them")
    }

    /// `b`: only the processes that hold BPF objects.
    func toggleBPFHolders() {
        listOptions.onlyBPFHolders.toggle()
        rebuildLists()
        say(listOptions.onlyBPFHolders ? "only processes holding BPF objects: b shows all"
                                       : "all processes: b shows only those holding BPF objects")
    }

    /// `t` (and F5): the Tasks list as a process tree, or flat. The tree
    /// is the list's own order: a sort chosen before is put aside.
    func toggleTree() {
        listOptions.tree.toggle()
        if listOptions.tree, var state = lists[.tasks] {
            state.sortColumn = nil
            state.descending = false
            lists[.tasks] = state
        }
        rebuildLists()
        if section != .tasks {
            say("the process tree is in Tasks (5): " + (listOptions.tree ? "on" : "off"))
        } else {
            say(listOptions.tree ? "process tree: t shows a flat list" : "flat list: t shows the process tree")
        }
    }

    // MARK: What is hidden

    /// bpfnav's own rows in every list.
    func ownCount(_ snapshot: BrowserSnapshot) -> Int {
        let own = snapshot.own
        return snapshot.programs.filter { own.contains(.program($0.id)) }.count
            + snapshot.maps.filter { own.contains(.map($0.id)) }.count
            + snapshot.links.filter { own.contains(.link($0.id)) }.count
    }

    /// What the current list leaves out, for the navigator: "17 own hidden".
    var hiddenNote: String? {
        guard let snapshot, stack.isEmpty else { return nil }
        var notes: [String] = []
        let hidden = snapshot.count(section) - visible(snapshot).count(section)
        switch section {
        case .tasks:
            if listOptions.onlyBPFHolders {
                notes.append("holding BPF")
            } else if hidden > 0 {
                notes.append("\(hidden) kthreads hidden")
            }
            if listOptions.tree { notes.append("tree") }
        default:
            if hidden > 0 { notes.append("\(hidden) own hidden") }
        }
        return notes.isEmpty ? nil : notes.joined(separator: " · ")
    }
}

import BrowserModel

/// `:` jumps, as in k9s: `:map 927` opens map 927 from its list, `:maps`
/// switches to the list. Tab completes the command word.
extension App {
    /// A command word: the view it switches to, and what its argument names.
    struct JumpCommand {
        var word: String
        var section: BrowserSection?
        var argument: Argument?

        enum Argument {
            /// An object's id: its noun ("map") and its target.
            case id(String, @Sendable (UInt32) -> BrowserTarget)
            case pid
            case path
        }
    }

    static let jumpCommands: [JumpCommand] = [
        JumpCommand(word: "prog", section: .programs, argument: .id("program", BrowserTarget.program)),
        JumpCommand(word: "progs", section: .programs),
        JumpCommand(word: "programs", section: .programs),
        JumpCommand(word: "map", section: .maps, argument: .id("map", BrowserTarget.map)),
        JumpCommand(word: "maps", section: .maps),
        JumpCommand(word: "link", section: .links, argument: .id("link", BrowserTarget.link)),
        JumpCommand(word: "links", section: .links),
        JumpCommand(word: "pin", section: .pins, argument: .path),
        JumpCommand(word: "pins", section: .pins),
        JumpCommand(word: "pid", section: .tasks, argument: .pid),
        JumpCommand(word: "task", section: .tasks, argument: .pid),
        JumpCommand(word: "tasks", section: .tasks),
        JumpCommand(word: "attached", section: .attachments),
        JumpCommand(word: "btf", argument: .id("BTF object", { .object(.btf($0)) })),
        JumpCommand(word: "quit"),
    ]

    static let jumpUsage = ":prog N, :map N, :link N, :pid N, :pin PATH, :btf N, or a view: "
        + ":progs :maps :links :pins :tasks :attached"

    func promptKey(_ key: Key, text: String) {
        switch key {
        case .escape:
            chrome.modal = nil
        case .enter:
            chrome.modal = nil
            jump(text)
        case .tab:
            chrome.modal = .prompt(complete(text))
        case .backspace, .delete:
            chrome.modal = text.isEmpty ? nil : .prompt(String(text.dropLast()))
        case .char(let c):
            chrome.modal = .prompt(text + String(c))
        default:
            break
        }
    }

    /// The command word completed: the one it starts, else as far as the
    /// words it starts agree (the footer lists them).
    func complete(_ text: String) -> String {
        guard !text.contains(" ") else { return text }
        let word = text.lowercased()
        let matches = Self.jumpCommands.map(\.word).filter { $0.hasPrefix(word) }
        if matches.count == 1 {
            let command = Self.jumpCommands.first { $0.word == matches[0] }!
            return matches[0] + (command.argument == nil ? "" : " ")
        }
        guard var common = matches.first else {
            say("no command starts with '\(Tables.safe(text))': \(Self.jumpUsage)", error: true)
            return text
        }
        for match in matches.dropFirst() {
            while !match.hasPrefix(common) { common.removeLast() }
        }
        say(matches.map { ":" + $0 }.joined(separator: " "))
        return common.count > word.count ? common : text
    }

    /// Runs `:text`.
    func jump(_ text: String) {
        let trimmed = text.drop { $0 == " " }
        guard !trimmed.isEmpty else { return }
        let word = String(trimmed.prefix { $0 != " " })
        let argument = String(trimmed.dropFirst(word.count).drop { $0 == " " })
        guard let command = Self.jumpCommands.first(where: { $0.word == word.lowercased() }) else {
            say("unknown command ':\(Tables.safe(word))': \(Self.jumpUsage)", error: true)
            return
        }
        if command.word == "quit" {
            say("q quits")
            return
        }
        guard let kind = command.argument else {
            if !argument.isEmpty {
                say(":\(command.word) takes nothing after it: \(Self.jumpUsage)", error: true)
            } else if let section = command.section {
                switchSection(section)
            }
            return
        }
        switch kind {
        case .id(let noun, let target):
            guard let id = UInt32(argument) else {
                say(":\(command.word) takes an id (:\(command.word) 42), not '\(Tables.safe(argument))'", error: true)
                return
            }
            jump(to: target(id), named: "\(noun) \(id)")
        case .pid:
            guard let pid = UInt32(argument) else {
                say(":\(command.word) takes a process id (:pid 1234), not '\(Tables.safe(argument))'", error: true)
                return
            }
            jump(to: .task(pid), named: "process \(pid)")
        case .path:
            guard !argument.isEmpty else {
                say(":pin takes a path (:pin /sys/fs/bpf/NAME)", error: true)
                return
            }
            var path = argument
            while path.count > 1, path.hasSuffix("/") { path.removeLast() }
            jump(to: .pin(Array(path.utf8)), named: "pin \(Tables.safe(path))")
        }
    }

    /// Opens `target` from its list, as Enter on its row would, with the
    /// list's cursor on the row (Esc goes back there).
    func jump(to target: BrowserTarget, named name: String) {
        guard snapshot != nil else {
            say("still reading the lists: try again in a moment")
            return
        }
        guard let section = App.section(of: target) else {
            say("bpfnav has no page for \(name): 'bpftool btf dump id \(target.objectID ?? 0)' prints it", error: true)
            return
        }
        let table = tables[section]!
        guard let row = table.rows.first(where: { $0.target == target }) else {
            say("no \(name) in the \(section.title) list (gone, or not listed yet: r refreshes)", error: true)
            return
        }
        switchSection(section)
        var state = list
        if !state.filter.isEmpty, !state.visible.contains(where: { table.rows[$0].target == target }) {
            state.filter = ""
        }
        state.selected = target
        state.rebuild(table)
        list = state
        updatePreview()
        open(row.opens)
    }
}

extension BrowserTarget {
    /// The id of a BPF object, nil for pins, tasks and places.
    var objectID: UInt32? {
        if case .object(let object) = self { return object.id }
        return nil
    }
}

import BPFKit
import BrowserModel
import Encoding
import ObjectModel
import Iterators

extension OptionKey where Self == Flag {
    static var noBrowse: Flag {
        Flag("no-browse", "Pin the demo and exit instead of opening the browser (as without a terminal).")
    }
}

/// `bpfnav demo`: pins bpfnav's demo program and maps, then browses them.
enum DemoCommand {
    static let spec = CommandSpec(
        name: "demo",
        abstract: "Load a small program of bpfnav's that counts context switches, pin it, and browse it.",
        discussion: """
        The program (bpfnav_demo_sw, on the raw tracepoint sched_switch) counts into
        BTF-typed maps: switches by comm (a hash), the last 64 switches (an array
        used as a ring, with an enum of the task's state), per-CPU counters and
        totals. Its link and maps are pinned in DIR/demo/, so it keeps running after
        bpfnav exits; running demo again replaces it atomically, and
        'bpfnav unpin --all' removes it.
        """,
        options: [
            .noBrowse,
            .mount,
            .dir,
            .shared,
        ],
        run: run
    )

    static func run(_ args: Arguments) throws {
        if args[.mount] { try BPFFS.mountDefaultIfNeeded() }
        let demo = Demo(pins: try args.pins)
        let pinned = try demo.install()
        let out = Output.standardOutput
        let dir = try args[.dir].map { " --dir \($0)" } ?? ""
        out.write(report(pinned, directory: demo.directory, unpin: "bpfnav unpin --all\(dir)"))
        if args[.noBrowse] { return }
        guard BrowseCommand.hasTerminal else {
            let counts = pinned.first { $0.name == "counts" }?.path ?? "\(demo.directory)/counts"
            out.write("Run bpfnav on a terminal to browse it, or: bpfnav map dump \(counts)\n")
            return
        }
        out.flush()
        // Open on the demo's program, the cursor on it.
        let program = pinned.first { $0.kind == .link }.map { BrowserTarget.program($0.programID) }
        try BrowseCommand.run(Arguments(BrowseCommand.spec), start: program)
    }

    /// What was pinned, one line per pin, aligned.
    static func report(_ pins: [Demo.Pin], directory: String, unpin: String) -> String {
        var text = "pinned bpfnav's demo in \(directory); it runs until '\(unpin)'\n"
        let width = pins.map(\.path.count).max() ?? 0
        for pin in pins {
            let padding = String(repeating: " ", count: width - pin.path.count)
            let what = pin.kind == .link
                ? "link \(pin.id): \(pin.typeName) \(pin.tracepoint) -> program \(pin.programID) \(pin.objectName)"
                : "map \(pin.id): \(pin.typeName) \(pin.objectName)" + (pin.about.isEmpty ? "" : ", \(pin.about)")
            text += "  \(pin.path)\(padding)  \(what)\n"
        }
        return text
    }
}

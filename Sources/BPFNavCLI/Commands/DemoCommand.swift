import BPFKit
import Explorer
import Iterators

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
            .flag("no-browse", "Pin the demo and exit instead of opening the browser (as without a terminal)."),
            .flag("mount", "Mount a bpffs at /sys/fs/bpf first if none is mounted there."),
            dirOption,
            sharedOption,
        ],
        run: run
    )

    static func run(_ args: Arguments) throws {
        if args.flag("mount") { try BPFFS.mountDefaultIfNeeded() }
        let demo = Demo(pins: args.pins)
        let pinned = try demo.install()
        let out = Output.standardOutput
        let dir = args.string("dir").map { " --dir \($0)" } ?? ""
        out.write(report(pinned, directory: demo.directory, unpin: "bpfnav unpin --all\(dir)"))
        if args.flag("no-browse") { return }
        guard BrowseCommand.hasTerminal else {
            let counts = pinned.first { $0.name == "counts" }?.path ?? "\(demo.directory)/counts"
            out.write("Run bpfnav on a terminal to browse it, or: bpfnav map dump \(counts)\n")
            return
        }
        out.flush()
        // Open on the demo's program, the cursor on it.
        let program = pinned.first { $0.kind == .link }.map { BrowserTarget.program($0.programID) }
        try BrowseCommand.run(Arguments(command: BrowseCommand.spec.name), start: program)
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

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

        It also makes a network namespace of its own, bpfnav-demo (or the name in
        BPFNAV_DEMO_NETNS), as 'ip netns add' does, with a veth pair demo0/demo1 (up,
        no addresses but IPv6 link-local), an XDP program on demo0 through a link
        pinned as DIR/demo/xdp, and a direct-action tc bpf filter on demo1's clsact
        ingress; both pass every packet and count them in DIR/demo/packets. Demo
        again replaces the namespace, unpin --all removes it: only one this pin
        directory's manifest records as the demo's; another of that name is refused.
        Without network namespaces, veth or CAP_SYS_ADMIN, this part is skipped.
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
        let installed = try demo.install()
        let pinned = installed.pins
        let out = Output.standardOutput
        let dir = try args[.dir].map { " --dir \($0)" } ?? ""
        out.write(report(pinned, directory: demo.directory, unpin: "bpfnav unpin --all\(dir)"))
        out.write(networkReport(installed.network, pins: pinned))
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
                ? "link \(pin.id): \(pin.typeName) \(pin.tracepoint.isEmpty ? pin.about : pin.tracepoint) -> program \(pin.programID) \(pin.objectName)"
                : "map \(pin.id): \(pin.typeName) \(pin.objectName)" + (pin.about.isEmpty ? "" : ", \(pin.about)")
            text += "  \(pin.path)\(padding)  \(what)\n"
        }
        return text
    }

    /// What the network part made and how to look at it, or why it was skipped.
    static func networkReport(_ outcome: Demo.NetworkOutcome, pins: [Demo.Pin]) -> String {
        switch outcome {
        case .skipped(let reason):
            return "skipped the demo's network part: \(reason)\n"
        case .made(let namespace, let tcProgramID):
            let xdp = pins.first { $0.name == Demo.xdpLinkPin }
            let device = Demo.tcDevice
            return """
            made network namespace \(namespace): veth pair \(Demo.xdpDevice) <-> \(device), up, no addresses
              XDP on \(Demo.xdpDevice): program \(xdp?.programID ?? 0) \(Demo.xdpProgram) through link \(xdp?.id ?? 0) (pinned: \(xdp?.path ?? Demo.xdpLinkPin))
              tc clsact ingress on \(device): bpf filter pref \(Demo.filterPriority), direct-action, program \(tcProgramID) \(Demo.tcProgram)
              both pass every packet and count it in \(pins.first { $0.name == Demo.packetsPin }?.path ?? Demo.packetsPin)
            see them: bpfnav net
                      ip -n \(namespace) link
                      tc -n \(namespace) filter show dev \(device) ingress

            """
        }
    }
}

import ArgumentParser
import BPFKit
import Iterators

extension BPFNav {
    struct Pin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attach iterators and pin them so that `cat` prints them while bpfnav is not running.",
            discussion: """
            KIND is one of: tasks (task), files (task_file), vmas (task_vma), maps (bpf_map).
            With no KIND, all four are pinned (tasks, files and vmas with --pid or --tid). Pin names encode their parameters with '-'
            (bpffs names cannot contain '.'): tasks, files-pid-1234, vmas-tid-77.
            Existing pins of bpfnav's with the same name are replaced atomically.
            """
        )

        @Argument(help: ArgumentHelp("Iterators to pin (default: all four).", valueName: "KIND"))
        var kinds: [String] = []

        @Option(help: "Only this process: all its threads (tasks), its fd table (files), its address space (vmas).")
        var pid: UInt32?

        @Option(help: "Only this thread.")
        var tid: UInt32?

        @Option(help: ArgumentHelp("Pin name instead of the default (one KIND only).", valueName: "NAME"))
        var name: String?

        @Flag(help: "Mount a bpffs at /sys/fs/bpf first if none is mounted there.")
        var mount = false

        @OptionGroup var directory: DirectoryOptions

        func validate() throws {
            if pid != nil, tid != nil {
                throw ValidationError("--pid and --tid cannot be used together")
            }
            let parsed = try parsedKinds()
            if name != nil, parsed.count != 1 {
                throw ValidationError("--name needs exactly one KIND")
            }
            if pid != nil || tid != nil, parsed.contains(.bpfMap) {
                throw ValidationError("maps lists every BPF map: --pid and --tid apply to tasks, files and vmas only")
            }
        }

        func parsedKinds() throws -> [IterKind] {
            if kinds.isEmpty {
                // --pid/--tid restrict task iterators; bpf_map takes neither.
                return pid != nil || tid != nil ? IterKind.allCases.filter(\.takesTaskParams) : IterKind.allCases
            }
            var result: [IterKind] = []
            for argument in kinds {
                guard let kind = IterKind(argument: argument) else {
                    throw ValidationError("unknown kind '\(argument)': use tasks, files, vmas or maps")
                }
                if !result.contains(kind) { result.append(kind) }
            }
            return result
        }

        func run() throws {
            let params: IterParams = if let pid { .pid(pid) } else if let tid { .tid(tid) } else { .all }
            let specs = try parsedKinds().map { PinSpec(kind: $0, params: params, name: name) }
            try reporting {
                if mount { try BPFFS.mountDefaultIfNeeded() }
                let created = try directory.pins.create(specs, loader: IterLoader(cache: .standard))
                for pin in created {
                    Output.standardOutput.write("\(pin.path)\n")
                }
                Output.standardOutput.flush()
            }
        }
    }
}

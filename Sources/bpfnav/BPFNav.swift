import ArgumentParser
import BPFKit
import Glibc
import Iterators

@main
struct BPFNav: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpfnav",
        abstract: "Explore BPF programs, maps, pins and the kernel's view of processes through BPF iterators.",
        discussion: """
        Pinned iterators keep working when bpfnav is not running:
          bpfnav pin files --pid 1234      # pins /sys/fs/bpf/bpfnav/files-pid-1234
          cat /sys/fs/bpf/bpfnav/files-pid-1234
          bpfnav unpin --all
        """,
        subcommands: [Tasks.self, Files.self, VMAs.self, Maps.self, Pin.self, Unpin.self, Pins.self, Cat.self]
    )
}

extension BPFNav {
    /// A reader that goes away (`bpfnav files --ndjson | head -1`) must end
    /// the dump quietly: EPIPE instead of a fatal SIGPIPE.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        main(nil)
    }
}

/// Options every command that works on bpfnav's pin directory shares.
struct DirectoryOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The bpffs directory of bpfnav's pins.", valueName: "DIR"))
    var dir: String = IterPins.defaultDirectory

    var pins: IterPins { IterPins(directory: dir) }
}

/// Runs a command body; a BPFError becomes one clear message on stderr and
/// exit status 1 instead of a trace.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as BPFError {
        Output.standardError.write("bpfnav: \(error)\n")
        if let log = error.log, !log.isEmpty {
            Output.standardError.write(log.hasSuffix("\n") ? log : log + "\n")
        }
        throw ExitCode(1)
    } catch let error as IterReadError {
        Output.standardError.write("bpfnav: \(error)\n")
        throw ExitCode(1)
    }
}

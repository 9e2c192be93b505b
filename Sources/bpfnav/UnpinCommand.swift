import ArgumentParser
import BPFKit
import Iterators

extension BPFNav {
    struct Unpin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove pins bpfnav created. Anything else in bpffs is left alone."
        )

        @Argument(help: ArgumentHelp("Pins to remove, by name in the pin directory.", valueName: "NAME"))
        var names: [String] = []

        @Flag(help: "Remove every pin of bpfnav's in the directory.")
        var all = false

        @OptionGroup var directory: DirectoryOptions

        func validate() throws {
            if all == !names.isEmpty {
                throw ValidationError(all ? "give NAMEs or --all, not both" : "give the NAMEs to unpin, or --all")
            }
        }

        func run() throws {
            try reporting {
                let pins = directory.pins
                let removed = all ? try pins.removeAll() : try pins.remove(names)
                for name in removed {
                    Output.standardOutput.write("removed \(pins.path(name))\n")
                }
                Output.standardOutput.flush()
            }
        }
    }
}

import ArgumentParser
import BPFKit
import Glibc
import Iterators

extension BPFNav {
    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a pinned iterator: the same bytes `cat` of the pin shows.",
            discussion: "NAME is a pin in the pin directory, or a path (containing '/') to any pinned iterator."
        )

        @Argument(help: ArgumentHelp("A pin name or path.", valueName: "NAME"))
        var name: String

        @OptionGroup var directory: DirectoryOptions

        func run() throws {
            try reporting {
                let path = name.contains("/") ? name : directory.pins.path(name)
                if !name.contains("/") { try PinName.validate(name) }
                let reader = try IterReader(pinnedAt: path)
                let out = Output.standardOutput
                do {
                    try reader.forEachChunk { out.write(bytes: $0) }
                } catch let error as IterReadError {
                    out.flush()
                    throw error
                }
                out.flush()
            }
        }
    }
}

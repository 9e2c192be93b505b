import ArgumentParser
import BPFKit
import Iterators

extension BPFNav {
    struct Pins: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List bpfnav's pins with their kind and parameters."
        )

        @OptionGroup var directory: DirectoryOptions

        func run() throws {
            try reporting {
                try BPFFS.requireBPFFS(for: directory.dir)
                let pins = try directory.pins.list()
                let out = Output.standardOutput
                out.write(PinTable.render(pins))
                out.flush()
            }
        }
    }
}

/// The `bpfnav pins` table.
enum PinTable {
    static func render(_ pins: [OwnPin]) -> String {
        let header = ["NAME", "KIND", "TARGET", "PARAMS", "LINK", "PROG"]
        let rows = pins.map { pin -> [String] in
            let params: String = switch pin.params {
            case .all, .mapFD: "-"
            case .pid(let pid): "pid \(pid)"
            case .tid(let tid): "tid \(tid)"
            }
            return [pin.name, pin.kind.pinPrefix, pin.kind.target, params, "\(pin.linkID)", "\(pin.programID)"]
        }
        return Table.render(header: header, rows: rows)
    }
}

import BPFKit
import ObjectModel

/// What the browser adds to ObjectModel's entries.
extension LiveBrowserSource {
    /// `entry` with its run rate from `rates`.
    static func program(_ entry: ProgramEntry, rates: [UInt32: RunStats.Rate]) -> ProgramEntry {
        var entry = entry
        entry.rate = rates[entry.id]
        return entry
    }

    /// `entry` with its program's name: from `programs`, else the kernel.
    static func link(_ entry: LinkEntry, programs: [ProgramEntry]) -> LinkEntry {
        var link = entry
        let id = entry.info.programID
        link.programName = programs.first { $0.id == id }?.fullName ?? (try? ProgramInfo(id: id))?.name
        return link
    }

    static func hex(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

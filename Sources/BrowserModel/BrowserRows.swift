import BPFKit
import Iterators
import Encoding
import Formatting
import ObjectModel

/// The browser's rows from ObjectModel's and the iterators' records.
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

    /// Pin entries with their depth below their mount point.
    static func pins(_ entries: [PinEntry], mounts: [[UInt8]]) -> [BrowserPin] {
        var mount: [UInt8] = []
        return entries.map { entry in
            if mounts.contains(entry.path) { mount = entry.path }
            let depth = entry.path.starts(with: mount) && entry.path.count > mount.count
                ? entry.path[mount.count...].filter { $0 == 0x2f }.count : 0
            return pin(entry, depth: depth)
        }
    }

    static func pin(_ entry: PinEntry, depth: Int) -> BrowserPin {
        var pin = BrowserPin(path: entry.path, depth: depth, kind: entry.kind, id: entry.id,
                             name: entry.name, isBPFNav: entry.owner.isBPFNav)
        switch entry.kind {
        case .object(.program):
            pin.objectType = entry.program?.typeName ?? ""
        case .object(.map):
            if let map = entry.map {
                pin.objectType = map.typeName
                pin.summary = "key \(map.keySize) value \(map.valueSize) max \(map.maxEntries)"
            }
        case .object(.link):
            if let link = entry.link {
                pin.objectType = link.typeName
                pin.summary = LinkSummary.text(link.details)
                if case .iter(let target, _, _, _, _, _) = link.details { pin.iteratorTarget = target }
            }
        case .symlink:
            pin.summary = "-> " + Escape.terminal(entry.symlinkTarget ?? [])
        case .unreadable:
            pin.error = "\(Errno.name(entry.errno)): \(Errno.describe(entry.errno))"
        case .directory:
            if entry.errno != 0 { pin.error = "\(Errno.name(entry.errno)): \(Errno.describe(entry.errno))" }
        case .other, .object(.btf):
            break
        }
        return pin
    }

    static func hex(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

import BPFKit
import Glibc

/// Counts a map's entries by walking it: batch lookups where the kernel has
/// them for the type (about 1 MiB of keys and values a syscall), else key
/// by key. Stops at the deadline between chunks: a count cut short is no
/// count (nil), never a smaller number.
enum MapEntryCount {
    enum Outcome: Equatable {
        case counted(Int)
        /// The deadline came first.
        case outOfTime
        case failed(String)
    }

    /// Why entries of maps of type `typeName` (bpftool's name) cannot be
    /// counted, or nil when they can: an unknown name, or a type that holds
    /// no entries to walk (ring buffers, queues, local storage…). `bpfnav
    /// serve` checks `--count-entries` with it.
    static func refusal(typeName: String) -> String? {
        // The names are bpftool's; a type newer than the table reads "type_N".
        guard !typeName.hasPrefix("type_"),
              let type = (UInt32(1)..<256).first(where: { MapType.name($0) == typeName }) else {
            return "no map type called '\(typeName)' (bpftool's names: hash, lru_hash, percpu_hash, array, …)"
        }
        return MapContents.undumpableReason(type: type)
    }

    static func count(id: UInt32, deadline: Deadline) -> Outcome {
        do {
            let fd = try BPFObjectKind.map.open(id)
            let info = try MapInfo(fd: fd.raw, withFDInfo: false)
            return walk(MapContents(fd: fd.raw, info: info), deadline: deadline)
        } catch {
            return .failed(error.description)
        }
    }

    private static func walk(_ contents: MapContents, deadline: Deadline) -> Outcome {
        let info = contents.info
        let id = info.id
        // Key by key, a hash map whose current key is deleted restarts at
        // its first key: past max_entries, the walk went round.
        let most = Int(info.maxEntries)
        // About 1 MiB of keys and values a batch, no more than the map holds.
        let chunk = min(max(64, (1 << 20) / (max(Int(info.keySize), 1) + max(contents.valueStride, 1))), most + 1)
        var position: MapContents.Position?
        var total = 0
        repeat {
            guard !deadline.expired else { return .outOfTime }
            do {
                let read = try contents.read(after: position, count: chunk) { _, _ in }
                total += read.count
                position = read.next
            } catch let error as BPFError {
                return .failed(error.description)
            } catch {
                return .failed("\(error)")
            }
            if total > most, case .key? = position {
                return .failed("count entries of map id \(id): the map changed while it was walked key by key")
            }
        } while position != nil
        return .counted(total)
    }
}

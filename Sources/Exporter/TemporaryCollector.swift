// TEMPORARY (server branch only): a minimal collection so that bpfnav-serve
// builds and its HTTP tests run before the exporter's real
// `Collector.collect` is merged. The lead drops this file at the merge.

import BPFKit
import Glibc

public enum Collector {
    nonisolated(unsafe) private static var collections = 0

    public static func collect(_ configuration: ExporterConfiguration, budget: Double) -> Exposition {
        collections += 1
        var text = "# TYPE bpf_program_info gauge\n"
        var counts = "# TYPE bpf_program_run_count_total counter\n"
        var errors = 0
        for id in (try? BPFObjectKind.program.ids()) ?? [] {
            guard let info = try? ProgramInfo(id: id) else {
                errors += 1
                continue
            }
            text += "bpf_program_info{id=\"\(id)\",name=\"\(info.name)\"} 1\n"
            counts += "bpf_program_run_count_total{id=\"\(id)\"} \(info.runCount)\n"
        }
        text += counts
        if !configuration.countEntries.isEmpty {
            text += "# TYPE bpf_map_entries gauge\n"
            for id in (try? BPFObjectKind.map.ids()) ?? [] {
                guard let fd = try? BPFObjectKind.map.open(id), let info = try? MapInfo(fd: fd.raw),
                      configuration.countEntries.contains(info.typeName) else { continue }
                let contents = MapContents(fd: fd.raw, info: info)
                var count = 0
                var position: MapContents.Position?
                repeat {
                    guard let chunk = try? contents.read(after: position, count: 4096, { _, _ in }) else {
                        errors += 1
                        break
                    }
                    count += chunk.count
                    position = chunk.next
                } while position != nil
                text += "bpf_map_entries{id=\"\(id)\"} \(count)\n"
            }
        }
        text += "# TYPE bpfnav_collections_total counter\nbpfnav_collections_total \(collections)\n"
        return Exposition(body: Array(text.utf8), truncated: false, errors: errors)
    }
}

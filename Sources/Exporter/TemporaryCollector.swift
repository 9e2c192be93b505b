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
        text += "# TYPE bpfnav_collections_total counter\nbpfnav_collections_total \(collections)\n"
        return Exposition(body: Array(text.utf8), truncated: false, errors: errors)
    }
}

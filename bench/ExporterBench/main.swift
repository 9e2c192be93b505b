// exporter-bench: the CPU time of one exporter collection (Collector.collect,
// what one /metrics scrape of `bpfnav serve` runs) on this machine as it is.
// bench/exporter-load builds it in release mode (BPFNAV_EXPORTER_BENCH=1
// adds the target to the package) after it has created the issue's load.
//
//   exporter-bench [COLLECTIONS]   (default 10; the first is not counted)
//
// Prints one line per measurement, "exporter-load: …".
import Exporter
import Glibc
import Netlink

/// User and system time of this thread (the collection runs on it).
func threadCPU() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func warn(_ text: String) {
    _ = text.withCString { write(2, $0, strlen($0)) }
}

func ms(_ seconds: Double) -> String {
    let tenths = Int((seconds * 10_000).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count <= 1, let collections = Int(arguments.first ?? "10"), collections >= 2 else {
    warn("usage: exporter-bench [COLLECTIONS (2 or more)]\n")
    exit(2)
}
let configuration = ExporterConfiguration(budget: 30)
// The first collection loads (or takes from the cache) the iterators; a
// server does that once.
var last = Collector.collect(configuration, budget: 30)
var times: [Double] = []
var wall: [Double] = []
for _ in 1..<collections {
    let start = threadCPU()
    let clock = Deadline(seconds: 60)
    last = Collector.collect(configuration, budget: 30)
    wall.append(clock.elapsed)
    times.append(threadCPU() - start)
    if last.truncated || last.errors > 0 {
        warn("exporter-bench: the collection was truncated or had errors:\n")
        warn(String(decoding: last.body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("bpfnav_scrape_") }.joined(separator: "\n") + "\n")
        exit(1)
    }
}
let lines = String(decoding: last.body, as: UTF8.self).split(separator: "\n")
func count(_ prefix: String) -> Int { lines.count { $0.hasPrefix(prefix) } }

// Where the time goes: the phases of the last collection (wall clock), and
// the rendering of a snapshot alone (CPU, the median of as many renderings
// as collections).
let phases = lines.filter { $0.hasPrefix("bpfnav_scrape_phase_duration_seconds{") }.map { line -> String in
    let name = line.split(separator: "\"")[1]
    return "\(name) \(ms(Double(line.split(separator: " ").last ?? "") ?? 0))"
}
let snapshot = Collector.read(configuration, deadline: Deadline(seconds: 30))
var rendered: [UInt8] = []
var renders: [Double] = []
for _ in 0..<collections {
    let renderStart = threadCPU()
    rendered = ExpositionRenderer.render(snapshot, scrape: .init(duration: { 0 }, errorTotals: [:], collections: 1))
    renders.append(threadCPU() - renderStart)
}
let render = renders.sorted()[renders.count / 2]

// The network namespaces: a server remembers each process's between
// collections (only new processes are looked at) and looks at every
// process again every 30 s, when a collection costs the difference more.
let scanner = NetNamespaceScanner(rescanInterval: 3600)
_ = scanner.scan()
var fullScans: [Double] = []
var rememberingScans: [Double] = []
for _ in 1..<collections {
    var start = threadCPU()
    _ = NetNamespace.all()
    fullScans.append(threadCPU() - start)
    start = threadCPU()
    _ = scanner.scan()
    rememberingScans.append(threadCPU() - start)
}
fullScans.sort()
rememberingScans.sort()

times.sort()
wall.sort()
let objects = lines.filter { $0.hasPrefix("bpf_objects{") || $0.hasPrefix("bpf_holder_processes ") }
print("exporter-load: \(objects.joined(separator: " ")); series: \(count("bpf_program_info{")) programs, "
    + "\(count("bpf_map_info{")) maps, \(count("bpf_process_objects{")) comms; body \(last.body.count) bytes")
print("exporter-load: phases of the last collection (wall ms): \(phases.joined(separator: ", ")); "
    + "rendering alone (median of \(renders.count)): \(ms(render)) ms CPU for \(rendered.count) bytes")
print("exporter-load: CPU per collection over \(times.count): min \(ms(times[0])) ms, "
    + "median \(ms(times[times.count / 2])) ms, max \(ms(times[times.count - 1])) ms; "
    + "wall median \(ms(wall[wall.count / 2])) ms")
print("exporter-load: network namespaces (CPU, median of \(fullScans.count)): every process looked at "
    + "\(ms(fullScans[fullScans.count / 2])) ms, only new ones \(ms(rememberingScans[rememberingScans.count / 2])) ms")

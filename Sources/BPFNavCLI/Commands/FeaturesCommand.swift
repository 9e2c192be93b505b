import BPFKit
import Encoding
import Iterators

extension OptionKey where Self == Flag {
    static var refresh: Flag { Flag("refresh", "Probe again and replace the cached result.") }
    static var noCache: Flag { Flag("no-cache", "Probe again; neither read nor write the cache.") }
}

enum FeaturesCommand {
    static let spec = CommandSpec(
        name: "features",
        abstract: "What this kernel supports of what bpfnav uses, probed (bpftool feature probe).",
        discussion: """
        Each feature is probed, not guessed from the version: iterator targets and
        link parameters from the kernel's BTF, atomics, statistics and batch
        operations by trying them, bpf_d_path on mapped files by loading bpfnav's
        task_vma program. NEEDS is the upstream release that brings the feature; a
        kernel at or above it that still says no is "refused by this kernel". NOTE
        says what bpfnav does instead where it has a fallback. The result is probed
        once per kernel build and kept beside the program cache
        (<cache>/progs-<hash>/features); --refresh probes again.
        """,
        options: [
            .json.with(help: "Print one JSON object: the kernel and every feature."),
            .refresh,
            .noCache,
        ],
        run: run
    )

    static func run(_ args: Arguments) throws {
        try args.exclusive(.refresh, .noCache)
        let set: FeatureSet = if args[.noCache] {
            Features.detect(cache: nil)
        } else if args[.refresh] {
            Features.detect(cache: ProgramCache.standard, refresh: true)
        } else {
            Features.current
        }
        if args[.json] {
            writeJSON(set, Output.standardOutput)
        } else {
            Output.standardOutput.write(table(set))
        }
    }

    static func supportedCell(_ set: FeatureSet, _ feature: Feature) -> String {
        switch set.result(feature) {
        case .supported: "yes"
        case .missing: "no"
        case .unknown: "unknown"
        }
    }

    static func table(_ set: FeatureSet) -> String {
        let safe = { (s: String) in Escape.terminal(Array(s.utf8)) }
        var out = "Linux \(safe(set.release)) (\(safe(set.build)))"
        out += set.fromCache ? ", probed earlier (bpfnav features --refresh probes again)\n\n" : "\n\n"
        let rows = Feature.allCases.map { feature in
            [feature.title, supportedCell(set, feature), "Linux \(feature.minimum)", set.note(feature) ?? ""]
        }
        // An empty NOTE would leave the padding before it at the line's end.
        let rendered = Table.render(header: ["FEATURE", "SUPPORTED", "NEEDS", "NOTE"], rows: rows)
        for line in rendered.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            var line = Substring(line)
            while line.last == " " { line = line.dropLast() }
            out += line + "\n"
        }
        return out
    }

    static func writeJSON(_ set: FeatureSet, _ out: Output) {
        func string(_ text: String) { Escape.appendJSONString(Array(text.utf8), to: out) }
        out.append("{\"kernel\":{\"release\":"); string(set.release)
        out.append(",\"build\":"); string(set.build)
        out.append(",\"version\":")
        if let kernel = set.kernel { string(kernel.description) } else { out.append("null") }
        out.append("},\"cached\":"); out.append(set.fromCache ? "true" : "false")
        out.append(",\"features\":[")
        for (index, feature) in Feature.allCases.enumerated() {
            out.append(index == 0 ? "\n{\"name\":" : ",\n{\"name\":"); string(feature.rawValue)
            out.append(",\"title\":"); string(feature.title)
            out.append(",\"supported\":"); out.append(set.supports(feature) ? "true" : "false")
            out.append(",\"probed\":")
            if case .unknown = set.result(feature) { out.append("false") } else { out.append("true") }
            out.append(",\"minimum_kernel\":"); string(feature.minimum.description)
            out.append(",\"refused\":"); out.append(set.refused(feature) ? "true" : "false")
            out.append(",\"fallback\":")
            if let fallback = feature.fallback { string(fallback) } else { out.append("null") }
            out.append("}")
        }
        out.append("\n]}\n")
    }
}

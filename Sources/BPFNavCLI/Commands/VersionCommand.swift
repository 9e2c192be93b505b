import BPFKit
import Encoding
import Iterators

/// bpfnav's version: the one place it is written.
enum Version {
    static let number = "0.14.0"
}

// `bpfnav version` and `bpfnav --version`, as `bpftool version`: the
// version, the libbpf it runs with and what it was built with.
enum VersionCommand {
    static let spec = CommandSpec(
        name: "version",
        abstract: "bpfnav's version, the libbpf it uses and what this build contains (also --version).",
        options: [.json.with(help: "Print one JSON object (as `bpftool version -j`).")],
        run: { args in write(json: args[.json]) }
    )

    /// What this build contains: its BPF objects and how it was built.
    static var features: [String] {
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        return ["bpf_objects=" + Catalog.objectNames.sorted().joined(separator: ","), "objects_hash=" + Catalog.hash,
                "build=" + build]
    }

    static func write(json: Bool, out: Output = .standardOutput) {
        if json {
            out.append("{\"version\":")
            Escape.appendJSONString(Array(Version.number.utf8), to: out)
            out.append(",\"libbpf_version\":")
            Escape.appendJSONString(Array(Libbpf.version.utf8), to: out)
            out.append(",\"features\":{")
            for (i, feature) in features.enumerated() {
                let parts = feature.split(separator: "=", maxSplits: 1)
                out.append(i == 0 ? "" : ",")
                Escape.appendJSONString(Array(parts[0].utf8), to: out)
                out.append(":")
                Escape.appendJSONString(Array(parts[1].utf8), to: out)
            }
            out.append("}}\n")
        } else {
            out.write("bpfnav \(Version.number)\nusing libbpf \(Libbpf.version)\nfeatures: \(features.joined(separator: ", "))\n")
        }
        out.flush()
    }
}

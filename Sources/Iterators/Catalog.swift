// Iterators holds bpfnav's own BPF programs and what is built on them: the
// iterator kinds (task, task_file, task_vma, bpf_map) and their embedded
// objects (`Catalog`, from iters/*.bpf.c), the knobs a build sets per
// kernel (`Knobs`, `Features`: probed once, cached in bpffs), loading and
// attaching with pid/tid parameters (`IterLoader`, `ProgramCache`), the
// record decoders (`TaskRecord`, `FileRecord`, `VMARecord`, `MapRecord`,
// layouts from iters/bpfnav_records.h), and the pins bpfnav makes
// (`IterPins`, `PinName`, `PinManifest`: names, ownership, the journal).
// What does not belong here: bpf(2) and libbpf themselves (BPFKit), other
// people's objects and how anything is shown (ObjectModel, BPFNavCLI, TUI).

import BPFKit

/// The BPF objects built from `iters/` and embedded at build time.
public enum Catalog {
    /// Identifies this build's objects; changes whenever any of them does.
    public static var hash: String { EmbeddedIters.hash }

    /// The names of the objects this build embeds (`iters/<name>.bpf.c`).
    public static var objectNames: [String] { EmbeddedIters.objects.map(\.name) }

    /// The ELF bytes of `kind`'s object.
    public static func object(for kind: IterKind) throws(BPFError) -> [UInt8] {
        try object(named: kind.target)
    }

    /// The ELF bytes of the object built from `iters/<name>.bpf.c`, for
    /// objects that are not iterators (`demo`).
    public static func object(named name: String) throws(BPFError) -> [UInt8] {
        guard let entry = EmbeddedIters.objects.first(where: { $0.name == name }),
              let bytes = Base64.decode(entry.base64) else {
            throw BPFError("find embedded object", "\(name).bpf.o", errno: .ENOENT,
                           hint: "this build of bpfnav does not contain iters/\(name).bpf.c")
        }
        return bytes
    }

    /// Opens `kind`'s object, sets its knobs and loads it: all of its
    /// programs, or only the one of `format`. `probing`: a feature probe, which expects the verifier to refuse
    /// on some kernels and keeps no log of it.
    public static func load(_ kind: IterKind, knobs: Knobs = .forThisKernel,
                            only format: IterFormat? = nil, probing: Bool = false) throws(BPFError) -> BPFObject {
        let object = try BPFObject(elf: object(for: kind), name: kind.target)
        try object.setData(section: Knobs.section, to: knobs.raw)
        if let format {
            for other in kind.formats where other != format {
                try object.setAutoload(kind.programName(other), false)
            }
        }
        try object.load(savingRejectionLog: !probing)
        return object
    }
}

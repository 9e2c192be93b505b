import CLibBPF

/// The libbpf bpfnav runs with ("v1.5"), as `bpftool version` names it.
public enum Libbpf {
    public static var version: String { String(cString: libbpf_version_string()) }
}

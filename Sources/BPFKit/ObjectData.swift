import CLibBPF
import Glibc

extension BPFObject {
    /// Sets the initial contents of one of the object's data sections
    /// (`.rodata.knobs`, …) before `load()`. libbpf creates read-only
    /// sections frozen, so the verifier sees their values as constants.
    public func setData<T>(section: String, to value: T) throws(BPFError) {
        guard let map = bpf_object__find_map_by_name(object, section) else {
            throw BPFError("find data section", "\(section) in \(name)", errno: ENOENT,
                           hint: "this object has no such section: bpfnav and its embedded objects disagree")
        }
        var size = 0
        guard bpf_map__initial_value(map, &size) != nil, size == MemoryLayout<T>.size else {
            throw BPFError("set data section", "\(section) in \(name)", errno: EINVAL,
                           hint: "the section holds \(size) bytes, bpfnav writes \(MemoryLayout<T>.size)")
        }
        var copy = value
        try check("set data section", "\(section) in \(name)") {
            withUnsafeBytes(of: &copy) { bpf_map__set_initial_value(map, $0.baseAddress, $0.count) }
        }
    }
}

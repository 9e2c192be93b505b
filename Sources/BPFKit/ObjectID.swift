import CLibBPF
import Glibc

/// The kernel's id spaces of BPF objects, walked with `BPF_*_GET_NEXT_ID`.
public enum BPFObjectSpace: String, CaseIterable, Sendable {
    case program = "prog", map, link, btf

    /// Every id the kernel has now, ascending. Objects may vanish before
    /// they are opened: callers treat ENOENT from `open` as "gone".
    public func ids() throws(BPFError) -> [UInt32] {
        var ids: [UInt32] = []
        var id: UInt32 = 0
        while true {
            var next: UInt32 = 0
            let rc: Int32 = switch self {
            case .program: bpf_prog_get_next_id(id, &next)
            case .map: bpf_map_get_next_id(id, &next)
            case .link: bpf_link_get_next_id(id, &next)
            case .btf: bpf_btf_get_next_id(id, &next)
            }
            if rc != 0 {
                let code = errno
                if code == ENOENT { return ids }
                throw BPFError("list \(rawValue) ids after", "\(id)", errno: code != 0 ? code : -rc,
                               hint: code == EPERM ? "listing BPF objects needs CAP_SYS_ADMIN" : nil)
            }
            ids.append(next)
            id = next
        }
    }

    /// An fd for the object with `id` (`BPF_*_GET_FD_BY_ID`).
    public func open(_ id: UInt32) throws(BPFError) -> OwnedFD {
        let raw = try check("open \(rawValue)", "id \(id)", hint: { code in
            switch code {
            case ENOENT: "no \(self.rawValue) with id \(id) (it may have just been freed)"
            case EPERM: "opening BPF objects by id needs CAP_SYS_ADMIN"
            default: nil
            }
        }) {
            switch self {
            case .program: bpf_prog_get_fd_by_id(id)
            case .map: bpf_map_get_fd_by_id(id)
            case .link: bpf_link_get_fd_by_id(id)
            case .btf: bpf_btf_get_fd_by_id(id)
            }
        }
        return OwnedFD(adopting: raw)
    }
}

/// Fields of /proc/self/fdinfo/FD for a BPF object fd ("memlock:", "frozen:").
public func fdinfo(_ fd: Int32) -> [String: String] {
    guard let file = fopen("/proc/self/fdinfo/\(fd)", "r") else { return [:] }
    defer { fclose(file) }
    var fields: [String: String] = [:]
    let line = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
    defer { line.deallocate() }
    while fgets(line, 512, file) != nil {
        let text = String(cString: line)
        guard let colon = text.firstIndex(of: ":") else { continue }
        let key = String(text[..<colon])
        let value = text[text.index(after: colon)...].trimmingWhitespace()
        fields[key] = value
    }
    return fields
}

/// Converts a boot-time timestamp in ns (what the kernel reports) to Unix
/// seconds, as bpftool does for `loaded_at`.
public func unixTime(fromBootNanoseconds ns: UInt64) -> Int64 {
    var realtime = timespec(), boottime = timespec()
    clock_gettime(CLOCK_REALTIME, &realtime)
    clock_gettime(CLOCK_BOOTTIME, &boottime)
    let offset = (Int64(realtime.tv_sec) - Int64(boottime.tv_sec)) * 1_000_000_000
        + (Int64(realtime.tv_nsec) - Int64(boottime.tv_nsec))
    return (Int64(ns) + offset) / 1_000_000_000
}

func cStringField<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { bytes in String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
}

import CLibBPF
import Glibc

/// The kinds of BPF object the kernel gives ids to: each is an id space,
/// walked with `BPF_*_GET_NEXT_ID`, and an anon inode an fd can refer to.
public enum BPFObjectKind: CaseIterable, Hashable, Sendable {
    case program, map, link, btf

    /// "program", "map", "link", "btf".
    public var name: String {
        switch self {
        case .program: "program"
        case .map: "map"
        case .link: "link"
        case .btf: "btf"
        }
    }

    /// The kernel's short name, as in its command names
    /// (`BPF_PROG_GET_NEXT_ID`) and bpftool's: "prog", "map", "link", "btf".
    public var shortName: String {
        switch self {
        case .program: "prog"
        case .map: "map"
        case .link: "link"
        case .btf: "btf"
        }
    }

    /// The kind of object behind `fd`, judged by the anon inode name the
    /// kernel gives its file; nil when it is no BPF object.
    public init?(fd: Int32) {
        var buffer = [CChar](repeating: 0, count: 128)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        let target = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        switch target {
        case "anon_inode:bpf-prog": self = .program
        case "anon_inode:bpf-map": self = .map
        // "bpf_link" before kernel 6.x renamed it "bpf-link".
        case "anon_inode:bpf-link", "anon_inode:bpf_link": self = .link
        case "anon_inode:btf": self = .btf
        default: return nil
        }
    }

    /// Every id the kernel has now, ascending. Objects may vanish before
    /// they are opened: callers treat ENOENT from `open` as "gone".
    public func ids() throws(BPFError) -> [UInt32] {
        var ids: [UInt32] = []
        var id: UInt32 = 0
        while true {
            var next: UInt32 = 0
            let result = Errno.result {
                switch self {
                case .program: bpf_prog_get_next_id(id, &next)
                case .map: bpf_map_get_next_id(id, &next)
                case .link: bpf_link_get_next_id(id, &next)
                case .btf: bpf_btf_get_next_id(id, &next)
                }
            }
            if case .failure(let code) = result {
                if code == .ENOENT { return ids }
                throw BPFError("list \(shortName) ids after", "\(id)", errno: code,
                               hint: code == .EPERM ? "listing BPF objects needs CAP_SYS_ADMIN" : nil)
            }
            ids.append(next)
            id = next
        }
    }

    /// An fd for the object with `id` (`BPF_*_GET_FD_BY_ID`).
    public func open(_ id: UInt32) throws(BPFError) -> OwnedFD {
        let raw = try check("open \(shortName)", "id \(id)", hint: { code in
            switch code {
            case ENOENT: "no \(self.shortName) with id \(id) (it may have just been freed)"
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

/// One BPF object, by kind and id.
public struct BPFObjectRef: Hashable, Sendable {
    public var kind: BPFObjectKind
    public var id: UInt32

    public init(_ kind: BPFObjectKind, _ id: UInt32) {
        self.kind = kind
        self.id = id
    }

    public static func program(_ id: UInt32) -> BPFObjectRef { BPFObjectRef(.program, id) }
    public static func map(_ id: UInt32) -> BPFObjectRef { BPFObjectRef(.map, id) }
    public static func link(_ id: UInt32) -> BPFObjectRef { BPFObjectRef(.link, id) }
    public static func btf(_ id: UInt32) -> BPFObjectRef { BPFObjectRef(.btf, id) }

    /// An fd for the object (`BPF_*_GET_FD_BY_ID`).
    public func open() throws(BPFError) -> OwnedFD {
        try kind.open(id)
    }
}

/// /proc/self/fdinfo opened once for a list of objects: each object's
/// fdinfo is then opened relative to it, without walking /proc/self again
/// (a third of what reading an fdinfo costs the kernel). Closed when
/// released; where it cannot be opened, the full path is used.
public final class FDInfoDirectory {
    let fd: Int32

    public init() {
        fd = Glibc.open("/proc/self/fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// /proc/self/fdinfo/`object`, opened for reading; -1 on failure.
    func open(_ object: Int32) -> Int32 {
        guard fd >= 0 else { return Glibc.open("/proc/self/fdinfo/\(object)", O_RDONLY | O_CLOEXEC) }
        return String(object).withCString { openat(fd, $0, O_RDONLY | O_CLOEXEC) }
    }
}

/// Fields of /proc/self/fdinfo/FD for a BPF object fd ("memlock:", "frozen:").
public func fdinfo(_ fd: Int32) -> [String: String] {
    var fields: [String: String] = [:]
    forEachFDInfoField(fd) { key, value in
        fields[String(decoding: key, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
    }
    return fields
}

/// One field of fdinfo as a number, without building strings for the rest:
/// listing thousands of maps reads this for each.
public func fdinfoNumber(_ fd: Int32, _ wanted: String, in directory: FDInfoDirectory? = nil) -> UInt64? {
    var result: UInt64?
    let key = Array(wanted.utf8)
    forEachFDInfoField(fd, in: directory) { name, value in
        guard result == nil, name.elementsEqual(key) else { return }
        var n: UInt64 = 0
        for byte in value {
            guard byte >= 48, byte <= 57 else { return }
            n = n &* 10 &+ UInt64(byte - 48)
        }
        result = n
    }
    return result
}

/// Calls `body` with each "key:\tvalue" line's key and trimmed value.
func forEachFDInfoField(_ fd: Int32, in directory: FDInfoDirectory? = nil,
                        _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>) -> Void) {
    let file = directory?.open(fd) ?? open("/proc/self/fdinfo/\(fd)", O_RDONLY | O_CLOEXEC)
    guard file >= 0 else { return }
    defer { close(file) }
    var bytes = [UInt8](repeating: 0, count: 4096)
    let n = bytes.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
    guard n > 0 else { return }
    for line in bytes[0..<n].split(separator: 0x0a) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
        var value = line[line.index(after: colon)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        body(line[..<colon], value)
    }
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

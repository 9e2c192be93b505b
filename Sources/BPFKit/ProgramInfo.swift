import CLibBPF
import Glibc

/// `bpf_prog_info` of a loaded program, in the shape bpftool reports.
public struct ProgramInfo: Equatable, Sendable {
    public var id: UInt32
    public var type: UInt32
    public var name: String
    /// The 8-byte tag, hex.
    public var tag: String
    public var gplCompatible: Bool
    /// Boot-time ns of the load.
    public var loadTime: UInt64
    public var uid: UInt32
    public var bytesXlated: UInt32
    public var bytesJited: UInt32
    public var mapIDs: [UInt32]
    public var btfID: UInt32
    public var runTimeNs: UInt64
    public var runCount: UInt64
    public var recursionMisses: UInt64
    public var verifiedInstructions: UInt32
    /// From fdinfo; nil when the kernel does not say.
    public var bytesMemlock: UInt64?

    public var typeName: String { ProgramType.name(type) }

    public init(fd: Int32) throws(BPFError) {
        var info = bpf_prog_info()
        var len = UInt32(MemoryLayout<bpf_prog_info>.size)
        try check("get info of program", "fd \(fd)") { bpf_obj_get_info_by_fd(fd, &info, &len) }
        var maps: [UInt32] = []
        if info.nr_map_ids > 0 {
            // A second call fetches the map ids into our buffer.
            maps = [UInt32](repeating: 0, count: Int(info.nr_map_ids))
            let count = info.nr_map_ids
            let rc = maps.withUnsafeMutableBufferPointer { buffer in
                var again = bpf_prog_info()
                again.nr_map_ids = count
                again.map_ids = UInt64(UInt(bitPattern: buffer.baseAddress))
                var len2 = UInt32(MemoryLayout<bpf_prog_info>.size)
                return bpf_obj_get_info_by_fd(fd, &again, &len2)
            }
            try check("get map ids of program", "fd \(fd)") { rc }
            maps = Array(maps.prefix(Int(info.nr_map_ids)))
        }
        id = info.id
        type = info.type
        name = cStringField(info.name)
        tag = withUnsafeBytes(of: info.tag) { $0.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined() }
        gplCompatible = info.gpl_compatible != 0
        loadTime = info.load_time
        uid = info.created_by_uid
        bytesXlated = info.xlated_prog_len
        bytesJited = info.jited_prog_len
        mapIDs = maps
        btfID = info.btf_id
        runTimeNs = info.run_time_ns
        runCount = info.run_cnt
        recursionMisses = info.recursion_misses
        verifiedInstructions = info.verified_insns
        bytesMemlock = fdinfoNumber(fd, "memlock")
    }

    /// Just the program's name: one syscall, for hot paths that only need
    /// to recognise a program (no map ids, no fdinfo).
    public static func name(fd: Int32) throws(BPFError) -> String {
        var info = bpf_prog_info()
        var len = UInt32(MemoryLayout<bpf_prog_info>.size)
        try check("get info of program", "fd \(fd)") { bpf_obj_get_info_by_fd(fd, &info, &len) }
        return cStringField(info.name)
    }

    /// Looks up a program by id. ENOENT when it is gone.
    public init(id: UInt32) throws(BPFError) {
        let fd = try BPFObjectSpace.program.open(id)
        try self.init(fd: fd.raw)
    }

    /// Kernel addresses of the program's JITed functions (its subprograms),
    /// which name the targets of BPF-to-BPF calls in a dump.
    public static func jitedSymbols(fd: Int32) throws(BPFError) -> [UInt64] {
        var info = bpf_prog_info()
        var len = UInt32(MemoryLayout<bpf_prog_info>.size)
        try check("get info of program", "fd \(fd)") { bpf_obj_get_info_by_fd(fd, &info, &len) }
        let count = Int(info.nr_jited_ksyms)
        guard count > 0 else { return [] }
        var symbols = [UInt64](repeating: 0, count: count)
        let rc = symbols.withUnsafeMutableBufferPointer { buffer in
            var again = bpf_prog_info()
            again.nr_jited_ksyms = UInt32(count)
            again.jited_ksyms = UInt64(UInt(bitPattern: buffer.baseAddress))
            var len2 = UInt32(MemoryLayout<bpf_prog_info>.size)
            return bpf_obj_get_info_by_fd(fd, &again, &len2)
        }
        try check("get JIT symbols of program", "fd \(fd)") { rc }
        return symbols
    }

    /// The translated instructions (what the verifier and fixups left), raw.
    public static func xlated(fd: Int32) throws(BPFError) -> [UInt8] {
        var info = bpf_prog_info()
        var len = UInt32(MemoryLayout<bpf_prog_info>.size)
        try check("get info of program", "fd \(fd)") { bpf_obj_get_info_by_fd(fd, &info, &len) }
        let size = Int(info.xlated_prog_len)
        guard size > 0 else {
            throw BPFError("dump instructions of program", "id \(info.id)", errno: EPERM,
                           hint: "the kernel hides translated instructions (kernel.bpf_jit_harden or missing CAP_SYS_ADMIN)")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let rc = bytes.withUnsafeMutableBytes { buffer in
            var again = bpf_prog_info()
            again.xlated_prog_len = UInt32(size)
            again.xlated_prog_insns = UInt64(UInt(bitPattern: buffer.baseAddress))
            var len2 = UInt32(MemoryLayout<bpf_prog_info>.size)
            return bpf_obj_get_info_by_fd(fd, &again, &len2)
        }
        try check("dump instructions of program", "fd \(fd)") { rc }
        return bytes
    }
}

/// BPF program types by libbpf's (and bpftool's) names, up to kernel 6.18.
public enum ProgramType {
    static let names = [
        "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp", "perf_event",
        "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
        "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
        "flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "tracing",
        "struct_ops", "ext", "lsm", "sk_lookup", "syscall", "netfilter",
    ]

    public static func name(_ type: UInt32) -> String {
        Int(type) < names.count ? names[Int(type)] : "type_\(type)"
    }
}

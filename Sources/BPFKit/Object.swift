import CLibBPF
import Glibc

/// A BPF ELF object opened from memory and loaded into the kernel.
///
/// Owns the libbpf `bpf_object`: its programs' and maps' fds live as long as
/// it does. Links made from its programs hold their own references, so they
/// outlive it.
public final class BPFObject {
    private let object: OpaquePointer
    public let name: String
    /// libbpf keeps pointers into the ELF image until close.
    private let image: UnsafeMutableRawBufferPointer

    /// Opens `elf` (a BPF object file's bytes). Nothing is loaded yet.
    public init(elf: [UInt8], name: String) throws(BPFError) {
        LibbpfLog.install()
        self.name = name
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: max(elf.count, 1), alignment: 8)
        elf.withUnsafeBytes { image.copyMemory(from: $0) }
        self.image = image
        var opts = bpf_object_open_opts()
        opts.sz = MemoryLayout<bpf_object_open_opts>.size
        let opened: OpaquePointer? = name.withCString { cname in
            opts.object_name = cname
            return bpf_object__open_mem(image.baseAddress, elf.count, &opts)
        }
        let code = Int32(truncatingIfNeeded: libbpf_get_error(UnsafeRawPointer(opened)))
        guard let opened, code == 0 else {
            image.deallocate()
            throw BPFError("open BPF object", name, errno: code != 0 ? -code : EINVAL,
                           log: LibbpfLog.take())
        }
        object = opened
    }

    deinit {
        bpf_object__close(object)
        image.deallocate()
    }

    /// Loads every program and creates every map. A verifier rejection
    /// carries the verifier's log.
    public func load() throws(BPFError) {
        _ = LibbpfLog.take()
        let err = bpf_object__load(object)
        if err != 0 {
            let code = err < 0 ? -err : err
            let log = LibbpfLog.take()
            throw BPFError("load BPF object", name, errno: code, hint: Self.loadHint(code, log: log), log: log)
        }
    }

    static func loadHint(_ code: Int32, log: String = "") -> String? {
        // Out of fds part way, libbpf's feature probes fail and it carries on
        // with a program the kernel then rejects (EINVAL): the cause is
        // the fd limit, not the program.
        if code != EMFILE, log.contains("Too many open files") || FileDescriptorHeadroom.current() < 16 {
            return "file descriptors ran short while libbpf loaded it (ulimit -n is \(FileDescriptorHeadroom.limit())): raise the limit and try again"
        }
        switch code {
        case EPERM, EACCES:
            return "loading BPF programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root"
        case EINVAL:
            return log.isEmpty ? "the kernel rejected the program" : "the kernel rejected the program; the verifier log follows"
        default:
            return nil
        }
    }

    /// Names of the object's programs, in ELF order.
    public var programNames: [String] {
        var names: [String] = []
        var prog = bpf_object__next_program(object, nil)
        while let p = prog {
            names.append(String(cString: bpf_program__name(p)))
            prog = bpf_object__next_program(object, p)
        }
        return names
    }

    /// Switches a program off before `load()`, e.g. one this kernel lacks.
    public func setAutoload(_ program: String, _ enabled: Bool) throws(BPFError) {
        let prog = try find(program)
        try check("set autoload of", program) { bpf_program__set_autoload(prog, enabled) }
    }

    /// A loaded program's fd. Owned by the object: valid while it lives.
    public func programFD(_ program: String) throws(BPFError) -> Int32 {
        let prog = try find(program)
        let fd = bpf_program__fd(prog)
        guard fd >= 0 else {
            throw BPFError("get fd of program", "\(program) in \(name)", errno: EBADF,
                           hint: "the object is not loaded, or the program was switched off")
        }
        return fd
    }

    /// A map's fd, by its name in the object. Owned by the object.
    public func mapFD(_ map: String) throws(BPFError) -> Int32 {
        guard let m = bpf_object__find_map_by_name(object, map) else {
            throw BPFError("find map", "\(map) in \(name)", errno: ENOENT)
        }
        let fd = bpf_map__fd(m)
        guard fd >= 0 else {
            throw BPFError("get fd of map", "\(map) in \(name)", errno: EBADF, hint: "the object is not loaded")
        }
        return fd
    }

    /// Pins a loaded program at `path` on a bpffs.
    public func pinProgram(_ program: String, at path: String) throws(BPFError) {
        let fd = try programFD(program)
        try BPFFS.pin(fd, at: path, what: "program \(program)")
    }

    private func find(_ program: String) throws(BPFError) -> OpaquePointer {
        guard let prog = bpf_object__find_program_by_name(object, program) else {
            throw BPFError("find program", "\(program) in \(name)", errno: ENOENT)
        }
        return prog
    }
}

import CIterRecords

/// One open file of a process (`struct bpfnav_file_rec`).
public struct FileRecord: IterRecord, Equatable {
    public static var recordKind: UInt8 { UInt8(BPFNAV_REC_FILE.rawValue) }
    public static var fixedSize: Int { MemoryLayout<bpfnav_file_rec>.size }
    public static var hasPath: Bool { true }

    /// A BPF object behind an fd.
    public enum BPFObject: Equatable, Sendable {
        case program(UInt32), map(UInt32), link(UInt32), btf(UInt32)
    }

    public var pid: UInt32
    public var fd: UInt32
    /// `f_flags` (O_*), as fdinfo's `flags:` shows in octal.
    public var flags: UInt32
    /// The inode's mode (type and permission bits).
    public var mode: UInt32
    /// Kernel encoding: major << 20 | minor.
    public var dev: UInt32
    public var pos: UInt64
    public var inode: UInt64
    /// 0, or the errno bpf_d_path() failed with (then `path` is empty).
    public var pathError: Int32
    /// Exact bytes of the path, as the kernel's d_path() gives it.
    public var path: [UInt8]
    public var bpfObject: BPFObject?

    public init(pid: UInt32, fd: UInt32, flags: UInt32, mode: UInt32, dev: UInt32, pos: UInt64, inode: UInt64,
                pathError: Int32 = 0, path: [UInt8], bpfObject: BPFObject? = nil) {
        self.pid = pid; self.fd = fd; self.flags = flags; self.mode = mode; self.dev = dev
        self.pos = pos; self.inode = inode; self.pathError = pathError; self.path = path
        self.bpfObject = bpfObject
    }

    public static func pathLength(fixed: UnsafeRawBufferPointer) -> Int {
        Int(fixed.loadUnaligned(as: bpfnav_file_rec.self).path_len)
    }

    public init(fixed: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) {
        let r = fixed.loadUnaligned(as: bpfnav_file_rec.self)
        let object: BPFObject? = switch UInt32(r.obj_kind) {
        case BPFNAV_OBJ_PROG.rawValue: .program(r.obj_id)
        case BPFNAV_OBJ_MAP.rawValue: .map(r.obj_id)
        case BPFNAV_OBJ_LINK.rawValue: .link(r.obj_id)
        case BPFNAV_OBJ_BTF.rawValue: .btf(r.obj_id)
        default: nil
        }
        self.init(pid: r.pid, fd: r.fd, flags: r.f_flags, mode: r.mode, dev: r.dev, pos: r.pos,
                  inode: r.inode, pathError: pathErrno(r.path_err), path: Array(tail), bpfObject: object)
    }

    /// Device major and minor numbers.
    public var major: UInt32 { dev >> 20 }
    public var minor: UInt32 { dev & 0xfffff }
}

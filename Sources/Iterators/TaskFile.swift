import BPFKit
import CIterRecords
import Glibc

/// Where a record's path came from. The kernel's bpf_d_path() gives the
/// whole path, but iterators may not call it before 5.11, and some kernels
/// (6.18.44) refuse it on a VMA's file; then the program sends the file's
/// name and bpfnav reads the path from /proc (/proc/PID/fd/N,
/// /proc/PID/map_files/START-END), or says that it has only the name.
public enum PathSource: UInt8, Sendable {
    /// bpf_d_path() in the iterator (or no file at all).
    case dPath = 0
    /// The file's name only (`path` has no directory).
    case name = 1
    /// readlink of /proc/PID/map_files/START-END (a mapping).
    case mapFiles = 2
    /// readlink of /proc/PID/fd/N (an open file).
    case fd = 3

    /// From a record's `path_source` byte.
    init(wire: UInt8) {
        self = wire == UInt8(BPFNAV_PATH_NAME.rawValue) ? .name : .dPath
    }

    /// The JSON value of `path_source`.
    public var label: String {
        switch self {
        case .dPath: "d_path"
        case .name: "name"
        case .mapFiles: "map_files"
        case .fd: "fd"
        }
    }

    /// The target of a /proc magic link, or nil (gone, or not root).
    static func readLink(_ path: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = buffer.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { readlink(path, $0.baseAddress!, $0.count) }
        }
        guard n > 0, n < buffer.count else { return nil }
        return Array(buffer[0..<n])
    }
}

/// One open file of a process (`struct bpfnav_file_rec`).
public struct FileRecord: IterRecord, Equatable {
    public static var recordKind: UInt8 { UInt8(BPFNAV_REC_FILE.rawValue) }
    public static var fixedSize: Int { MemoryLayout<bpfnav_file_rec>.size }
    public static var hasPath: Bool { true }

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
    /// The BPF object behind the fd, if it is one.
    public var bpfObject: BPFObjectRef?
    /// Where `path` came from: `.dPath`, `.name`, or `.fd`.
    public var pathSource: PathSource

    public init(pid: UInt32, fd: UInt32, flags: UInt32, mode: UInt32, dev: UInt32, pos: UInt64, inode: UInt64,
                pathError: Int32 = 0, path: [UInt8], bpfObject: BPFObjectRef? = nil, pathSource: PathSource = .dPath) {
        self.pid = pid; self.fd = fd; self.flags = flags; self.mode = mode; self.dev = dev
        self.pos = pos; self.inode = inode; self.pathError = pathError; self.path = path
        self.bpfObject = bpfObject; self.pathSource = pathSource
    }

    /// With only the file's name from the kernel (sockets and pipes: none),
    /// the whole path from /proc/PID/fd/N (root only; the name stays, marked,
    /// otherwise). The fd may have been closed, even reused, since the walk:
    /// the link counts only while it still leads to the record's inode.
    public func completed() -> FileRecord {
        guard pathSource == .name, pathError == 0 else { return self }
        let link = "/proc/\(pid)/fd/\(fd)"
        var st = stat()
        guard stat(link, &st) == 0, UInt64(st.st_ino) == inode,
              let whole = PathSource.readLink(link) else { return self }
        var copy = self
        copy.path = whole
        copy.pathSource = .fd
        return copy
    }

    public static func pathLength(fixed: UnsafeRawBufferPointer) -> Int {
        Int(fixed.loadUnaligned(as: bpfnav_file_rec.self).path_len)
    }

    public init(fixed: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) {
        let r = fixed.loadUnaligned(as: bpfnav_file_rec.self)
        let kind: BPFObjectKind? = switch UInt32(r.obj_kind) {
        case BPFNAV_OBJ_PROG.rawValue: .program
        case BPFNAV_OBJ_MAP.rawValue: .map
        case BPFNAV_OBJ_LINK.rawValue: .link
        case BPFNAV_OBJ_BTF.rawValue: .btf
        default: nil
        }
        let object = kind.map { BPFObjectRef($0, r.obj_id) }
        self.init(pid: r.pid, fd: r.fd, flags: r.f_flags, mode: r.mode, dev: r.dev, pos: r.pos,
                  inode: r.inode, pathError: pathErrno(r.path_err), path: Array(tail), bpfObject: object,
                  pathSource: PathSource(wire: r.path_source))
    }

    /// Device major and minor numbers.
    public var major: UInt32 { dev >> 20 }
    public var minor: UInt32 { dev & 0xfffff }
}

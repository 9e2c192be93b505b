import BPFKit
import CIterRecords
import Glibc

/// One memory mapping of a process (`struct bpfnav_vma_rec`).
public struct VMARecord: IterRecord, Equatable {
    public static var recordKind: UInt8 { UInt8(BPFNAV_REC_VMA.rawValue) }
    public static var fixedSize: Int { MemoryLayout<bpfnav_vma_rec>.size }
    public static var hasPath: Bool { true }

    /// Mappings /proc/PID/maps names though no file backs them.
    public enum Special: UInt8, Sendable {
        case none = 0, heap = 1, stack = 2, vdso = 3

        public var procName: String? {
            switch self {
            case .none: nil
            case .heap: "[heap]"
            case .stack: "[stack]"
            case .vdso: "[vdso]"
            }
        }
    }

    public var pid: UInt32
    public var start: UInt64
    public var end: UInt64
    /// Offset into the file in bytes; 0 without a file.
    public var pgoff: UInt64
    public var inode: UInt64
    /// VM_* flags.
    public var vmFlags: UInt64
    public var dev: UInt32
    public var pathError: Int32
    /// Exact bytes of the backing file's path; empty without a file.
    public var path: [UInt8]
    public var special: Special
    /// Where `path` came from.
    public var pathSource: PathSource

    /// Where a mapping's path came from (`.dPath`, `.name`, `.mapFiles`).
    public typealias PathSource = Iterators.PathSource

    public init(pid: UInt32, start: UInt64, end: UInt64, pgoff: UInt64, inode: UInt64, vmFlags: UInt64,
                dev: UInt32, pathError: Int32 = 0, path: [UInt8], special: Special = .none,
                pathSource: PathSource = .dPath) {
        self.pid = pid; self.start = start; self.end = end; self.pgoff = pgoff; self.inode = inode
        self.vmFlags = vmFlags; self.dev = dev; self.pathError = pathError; self.path = path
        self.special = special; self.pathSource = pathSource
    }

    public static func pathLength(fixed: UnsafeRawBufferPointer) -> Int {
        Int(fixed.loadUnaligned(as: bpfnav_vma_rec.self).path_len)
    }

    public init(fixed: UnsafeRawBufferPointer, tail: UnsafeRawBufferPointer) {
        let r = fixed.loadUnaligned(as: bpfnav_vma_rec.self)
        self.init(pid: r.pid, start: r.start, end: r.end, pgoff: r.pgoff, inode: r.inode,
                  vmFlags: r.vm_flags, dev: r.dev, pathError: pathErrno(r.path_err), path: Array(tail),
                  special: Special(rawValue: r.special) ?? .none,
                  pathSource: PathSource(wire: r.path_source))
    }

    /// With only the file's name from the kernel, the whole path from
    /// /proc/PID/map_files (root only; the name stays, marked, otherwise).
    public func completed() -> VMARecord {
        guard pathSource == .name, pathError == 0, !path.isEmpty else { return self }
        let link = "/proc/\(pid)/map_files/\(String(start, radix: 16))-\(String(end, radix: 16))"
        guard let whole = PathSource.readLink(link) else { return self }
        var copy = self
        copy.path = whole
        copy.pathSource = .mapFiles
        return copy
    }

    /// "r-xp" as /proc/PID/maps shows it (VM_MAYSHARE makes the 's').
    public var perms: String {
        let read: UInt64 = 0x1, write: UInt64 = 0x2, exec: UInt64 = 0x4, mayShare: UInt64 = 0x80
        return (vmFlags & read != 0 ? "r" : "-") + (vmFlags & write != 0 ? "w" : "-")
            + (vmFlags & exec != 0 ? "x" : "-") + (vmFlags & mayShare != 0 ? "s" : "p")
    }

    public var major: UInt32 { dev >> 20 }
    public var minor: UInt32 { dev & 0xfffff }

    /// The path column of /proc/PID/maps: the file, or [heap]/[stack]/[vdso].
    public var displayPath: [UInt8] {
        if !path.isEmpty { return path }
        return Array((special.procName ?? "").utf8)
    }
}

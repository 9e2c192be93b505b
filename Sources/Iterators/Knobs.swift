import BPFKit
import CIterRecords
import Glibc

/// The switches bpfnav sets in an object before it loads it
/// (`struct bpfnav_knobs`, the `.rodata.knobs` section of iters/knobs.h).
/// The verifier reads them as constants: code a knob turns off is never
/// verified, which is how one source serves every kernel.
public struct Knobs: Equatable, Sendable {
    /// The section's name in every object; also the map's name in the kernel.
    public static let section = ".rodata.knobs"

    /// Tasks the program keeps, for kernels without pid/tid link
    /// parameters (before 6.1). `.all` keeps every task.
    public var filter: IterParams = .all
    /// bpf_d_path() on a VMA's file; else the record carries the name only.
    public var vmaDPath = true
    /// bpf_d_path() on an open file; else the record carries the name only.
    public var fileDPath = true
    /// The kernel's FMODE_BACKING bit (0: none to look for): a VMA's file
    /// with it is a backing file, shown by the file the user opened.
    public var backingMode: UInt32 = 0

    public init(filter: IterParams = .all, vmaDPath: Bool = true, fileDPath: Bool = true, backingMode: UInt32 = 0) {
        self.filter = filter
        self.vmaDPath = vmaDPath
        self.fileDPath = fileDPath
        self.backingMode = backingMode
    }

    /// What this kernel takes, from the probes (`Features.current`).
    public static var forThisKernel: Knobs {
        let features = Features.current
        return Knobs(vmaDPath: features.supports(.vmaDPath), fileDPath: features.supports(.fileDPath),
                     backingMode: backingMode(for: KernelVersion(release: RunningKernel.release)))
    }

    /// The f_mode bits FMODE_BACKING (include/linux/fs.h) may be: backing
    /// files keep the user's path apart from f_path from 6.8 ("fs: store
    /// real path instead of fake path in backing file f_path"), and the flag
    /// moved from bit 25 to bit 24 since (a macro, not in BTF, and stable
    /// kernels took the move at different points). Either bit only makes the
    /// program look further: it counts a file as backing only when the path
    /// after it leads to an overlayfs or FUSE dentry.
    public static func backingMode(for kernel: KernelVersion?) -> UInt32 {
        guard let kernel, kernel >= KernelVersion(6, 8) else { return 0 }
        return 1 << 24 | 1 << 25
    }

    var raw: bpfnav_knobs {
        var k = bpfnav_knobs()
        switch filter {
        case .pid(let pid):
            k.filter_tgid = pid
        case .tid(let tid):
            k.filter_tid = tid
            k.filter_tgid = TaskParams.threadGroup(of: tid) ?? tid
        case .all, .mapFD:
            break
        }
        k.vma_d_path = vmaDPath ? 1 : 0
        k.file_d_path = fileDPath ? 1 : 0
        k.backing_mode = backingMode
        return k
    }

    init(raw k: bpfnav_knobs) {
        if k.filter_tid != 0 {
            filter = .tid(k.filter_tid)
        } else if k.filter_tgid != 0 {
            filter = .pid(k.filter_tgid)
        }
        vmaDPath = k.vma_d_path != 0
        fileDPath = k.file_d_path != 0
        backingMode = k.backing_mode
    }

    /// The knobs a loaded program of bpfnav's was loaded with, read back
    /// from its `.rodata.knobs` map: on kernels without link parameters the
    /// pid/tid of a pinned iterator lives there, not in the link.
    public static func of(programID: UInt32) -> Knobs? {
        guard let program = try? BPFObjectKind.program.open(programID),
              let info = try? ProgramInfo(fd: program.raw) else { return nil }
        for id in info.mapIDs {
            guard let map = try? BPFObjectKind.map.open(id),
                  let mapInfo = try? MapInfo(fd: map.raw, withFDInfo: false), mapInfo.name == section,
                  mapInfo.valueSize == UInt32(MemoryLayout<bpfnav_knobs>.size) else { continue }
            guard let value = try? MapElements(fd: map.raw).lookup(UInt32(0), as: bpfnav_knobs.self) else { return nil }
            return Knobs(raw: value)
        }
        return nil
    }

    /// `info` with the pid/tid of a task iterator whose program filters by
    /// itself (kernels without link parameters, before 6.1: the link
    /// carries none). Unchanged elsewhere.
    public static func withProgramFilter(_ info: LinkInfo) -> LinkInfo {
        guard case .iter(let target, let mapID, let cgroupID, let order, 0, 0) = info.details,
              target.hasPrefix("task"), !Features.current.supports(.taskParams),
              let knobs = of(programID: info.programID) else { return info }
        var patched = info
        switch knobs.filter {
        case .pid(let pid):
            patched.details = .iter(target: target, mapID: mapID, cgroupID: cgroupID, order: order, tid: 0, pid: pid)
        case .tid(let tid):
            patched.details = .iter(target: target, mapID: mapID, cgroupID: cgroupID, order: order, tid: tid, pid: 0)
        case .all, .mapFD:
            break
        }
        return patched
    }
}

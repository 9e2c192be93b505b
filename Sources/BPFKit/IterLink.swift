import CLibBPF
import Glibc

/// What an iterator link is restricted to (`union bpf_iter_link_info`).
public enum IterParams: Equatable, Hashable, Sendable {
    /// Every object of the target.
    case all
    /// task iterators: every thread of the process (task), the process's fd
    /// table once (task_file), its address space once (task_vma).
    case pid(UInt32)
    /// task iterators: that thread only.
    case tid(UInt32)
    /// bpf_map_elem and similar: the elements of one map, given by an fd.
    case mapFD(Int32)
}

/// A BPF iterator link (`BPF_LINK_CREATE` with `BPF_TRACE_ITER`): the
/// program plus its parameters. Reading it needs `makeIterator()` or a pin.
public struct IterLink: ~Copyable {
    public let fd: OwnedFD

    /// Attaches `program` (an fd the caller keeps open) as an iterator.
    public init(programFD: Int32, program: String, params: IterParams) throws(BPFError) {
        var pid: UInt32 = 0, tid: UInt32 = 0, mapFD: UInt32 = 0
        switch params {
        case .all: break
        case .pid(let p): pid = p
        case .tid(let t): tid = t
        case .mapFD(let m): mapFD = UInt32(bitPattern: m)
        }
        let raw = try check("attach iterator", program, hint: { code in
            code == EPERM ? "attaching iterators needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)" : nil
        }) {
            bpfnav_iter_link_create(programFD, pid, tid, mapFD)
        }
        fd = OwnedFD(adopting: raw)
    }

    public init(adopting fd: consuming OwnedFD) {
        self.fd = fd
    }

    /// A new iterator over the link (`bpf_iter_create`): one pass, read to EOF.
    public func makeIterator() throws(BPFError) -> OwnedFD {
        let raw = try check("create iterator from link", "fd \(fd.raw)") { bpf_iter_create(fd.raw) }
        return OwnedFD(adopting: raw)
    }

    /// Pins the link at `path` on a bpffs. The link fd is closed afterwards
    /// either way: the pin holds the kernel's reference.
    public consuming func pin(at path: String) throws(BPFError) {
        let raw = fd.raw
        try BPFFS.pin(raw, at: path, what: "iterator link")
    }

    /// The kernel's view of the link: target, parameters, program.
    public func info() throws(BPFError) -> IterLinkInfo {
        try IterLinkInfo(linkFD: fd.raw)
    }
}

/// `bpf_link_info` of an iterator link.
public struct IterLinkInfo: Equatable, Sendable {
    public var id: UInt32
    public var programID: UInt32
    public var linkType: UInt32
    /// "task", "task_file", "task_vma", "bpf_map", …; empty for non-iter links.
    public var target: String
    public var pid: UInt32
    public var tid: UInt32
    public var mapID: UInt32

    public var isIter: Bool { linkType == BPF_LINK_TYPE_ITER.rawValue }

    public var params: IterParams {
        if pid != 0 { return .pid(pid) }
        if tid != 0 { return .tid(tid) }
        return .all
    }

    /// From `LinkInfo`, the one decoder of `bpf_link_info`.
    public init(linkFD: Int32) throws(BPFError) {
        let info = try LinkInfo(fd: linkFD)
        id = info.id
        programID = info.programID
        linkType = info.type
        if case .iter(let target, let mapID, _, _, let tid, let pid) = info.details {
            self.target = target
            self.pid = pid
            self.tid = tid
            self.mapID = mapID
        } else {
            (target, pid, tid, mapID) = ("", 0, 0, 0)
        }
    }
}

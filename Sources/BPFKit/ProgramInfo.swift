import CLibBPF
import Glibc

/// The parts of `bpf_prog_info` bpfnav needs to recognise a program.
public struct ProgramInfo: Equatable, Sendable {
    public var id: UInt32
    public var type: UInt32
    public var name: String

    public init(fd: Int32) throws(BPFError) {
        var info = bpf_prog_info()
        var len = UInt32(MemoryLayout<bpf_prog_info>.size)
        try check("get info of program", "fd \(fd)") { bpf_obj_get_info_by_fd(fd, &info, &len) }
        id = info.id
        type = info.type
        name = withUnsafeBytes(of: info.name) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Looks up a program by id. ENOENT when it is gone.
    public init(id: UInt32) throws(BPFError) {
        let fd = OwnedFD(adopting: try check("open program", "id \(id)") { bpf_prog_get_fd_by_id(id) })
        try self.init(fd: fd.raw)
    }
}

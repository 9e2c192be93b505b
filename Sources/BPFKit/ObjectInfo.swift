import CLibBPF
import Glibc

/// What `BPF_OBJ_GET_INFO_BY_FD` gave: the info struct, and how many bytes
/// of it the kernel wrote (the `info_len` it returns).
///
/// bpfnav's structs are those of the current kernel's uapi header
/// (Sources/CLibBPF/fetch-uapi); the kernel writes min(its own size, ours)
/// bytes. A 5.10 kernel's `bpf_prog_info` ends before
/// `recursion_misses` (5.12) and `verified_insns` (5.16): a field past
/// `length` was not given, and `field` says nil for it, never 0. (A field
/// inside `length` can still be one an older kernel leaves zero, when its
/// struct is longer for another reason, such as a larger union member.)
public struct KernelInfo<Info> {
    public var value: Info
    /// Bytes of `value` the kernel wrote.
    public var length: Int

    /// `BPF_OBJ_GET_INFO_BY_FD` into `value` (zero, or with buffers set for
    /// a second pass). Fails as "OPERATION SUBJECT: cause".
    public static func get(_ fd: Int32, _ value: Info, _ operation: String, _ subject: String) throws(BPFError) -> KernelInfo {
        var value = value
        let (rc, length) = withUnsafeMutableBytes(of: &value) { objectInfo(fd, into: $0) }
        try check(operation, subject) { rc }
        return KernelInfo(value: value, length: length)
    }

    /// The second pass of `BPF_OBJ_GET_INFO_BY_FD`, for what a first one
    /// counted (map ids, JITed symbols, instructions, BTF data): `count`
    /// zeroed `Element`s for the kernel to fill. `point` aims `value` at
    /// them: it is given the buffer's address and `count`, for the info's
    /// pointer and length fields. Fails as "OPERATION SUBJECT: cause".
    public static func get<Element: BitwiseCopyable>(
        _ fd: Int32, _ value: Info, filling count: Int, of _: Element.Type, _ operation: String, _ subject: String,
        point: (_ request: inout Info, _ address: UInt64, _ count: UInt32) -> Void
    ) throws(BPFError) -> (info: KernelInfo, elements: [Element]) {
        var elements = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            initialized = count
        }
        // withUnsafeMutableBufferPointer rethrows untyped errors: carry a Result out.
        let info = try elements.withUnsafeMutableBufferPointer { buffer in
            var request = value
            point(&request, UInt64(UInt(bitPattern: buffer.baseAddress)), UInt32(count))
            return Result { () throws(BPFError) in try get(fd, request, operation, subject) }
        }.get()
        return (info, elements)
    }

    /// The field at `path` if the kernel wrote all of it; nil otherwise.
    public func field<Value>(_ path: KeyPath<Info, Value>) -> Value? {
        guard let offset = MemoryLayout<Info>.offset(of: path),
              kernelWrote(offset: offset, size: MemoryLayout<Value>.size, length: length) else { return nil }
        return value[keyPath: path]
    }
}

/// Whether a kernel that returned `length` bytes of an info struct wrote
/// the field at `offset` of `size` bytes: the one place this is decided.
@inline(__always)
func kernelWrote(offset: Int, size: Int, length: Int) -> Bool {
    offset >= 0 && offset + size <= length
}

/// `BPF_OBJ_GET_INFO_BY_FD` of `fd` into `buffer`: libbpf's result (0 or
/// -errno) and the number of bytes the kernel wrote.
func objectInfo(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> (rc: Int32, length: Int) {
    var length = UInt32(buffer.count)
    let rc = bpf_obj_get_info_by_fd(fd, buffer.baseAddress, &length)
    return (rc, Int(length))
}

/// The kernel's id of the object behind an fd.
public enum ObjectIdentity {
    /// `BPF_OBJ_GET_INFO_BY_FD` of a program, map or link: its id (the
    /// first field of each info struct). No CAP_SYS_ADMIN needed.
    public static func id(of fd: Int32, kind: BPFObjectKind?) throws(BPFError) -> UInt32 {
        switch kind {
        case .program: try KernelInfo.get(fd, bpf_prog_info(), "get info of program", "fd \(fd)").value.id
        case .map: try KernelInfo.get(fd, bpf_map_info(), "get info of map", "fd \(fd)").value.id
        case .link: try KernelInfo.get(fd, bpf_link_info(), "get info of link", "fd \(fd)").value.id
        case .btf, nil: throw BPFError("get id of", "fd \(fd)", errno: EINVAL, hint: "not a program, map or link")
        }
    }
}

import CLibBPF
import Glibc


// A reader of BPF Type Format blobs (Documentation/bpf/btf.rst), in Swift
// over the raw bytes: the kernel's vmlinux and module BTF, and the BTF that
// programs and maps were loaded with (BPF_BTF_GET_FD_BY_ID).
//
// The whole blob is validated once, when it is parsed: header and section
// bounds, every type's kind-specific data, every name offset and every type
// id a type refers to. After that no accessor can read out of bounds; the
// ones that follow chains of types (resolve, size, describe) are also bounded
// in depth, so a malformed cycle cannot hang them.


/// A parsed BTF blob: standalone, or split on a base (module BTF on vmlinux).
public struct BTF: Sendable {
    /// One blob: the base first, then at most a chain of split BTFs on it.
    struct Layer: Sendable {
        let bytes: [UInt8]
        /// Byte offset of each type's `struct btf_type`, for ids firstID….
        let offsets: [UInt32]
        let firstID: UInt32
        let strStart: Int
        let strLen: Int
        /// String offsets below this belong to earlier layers.
        let firstString: Int

        var endID: UInt32 { firstID + UInt32(offsets.count) }
        var endString: Int { firstString + strLen }
    }

    let layers: [Layer]

    /// The kernel's id of this BTF object, when it came from `load(id:)`.
    public private(set) var id: UInt32?
    /// The object's name ("vmlinux", a module's name; empty for program BTF).
    public private(set) var objectName: String = ""
    /// Whether the kernel provides it (vmlinux, a module) rather than a loader.
    public private(set) var isKernel = false

    /// Parses a raw BTF blob. With `base`, the blob is split BTF: its type
    /// ids continue after the base's last id and its string offsets after the
    /// base's strings.
    public init(data: [UInt8], base: BTF? = nil) throws(BPFError) {
        let below = base?.layers ?? []
        let layer = try Self.parse(data, after: below.last)
        layers = below + [layer]
    }

    init(layers: [Layer]) {
        self.layers = layers
    }

    /// Number of types, not counting void: valid ids are 0 (void) … count.
    public var count: Int { Int(layers.last!.endID) - 1 }

    /// The first id of the split part (1 for standalone BTF).
    public var firstID: UInt32 { layers.last!.firstID }

    /// The base this BTF is split on.
    public var base: BTF? {
        layers.count > 1 ? BTF(layers: Array(layers.dropLast())) : nil
    }

    // MARK: - Loading

    /// Reads BTF object `id` from the kernel (`BPF_BTF_GET_FD_BY_ID`, then
    /// `BPF_OBJ_GET_INFO_BY_FD` with `struct bpf_btf_info`). Module BTF is
    /// split on vmlinux: it is parsed on `base`, or on `vmlinux()` when no
    /// base is given. Program and map BTF is standalone.
    public static func load(id: UInt32, base: BTF? = nil) throws(BPFError) -> BTF {
        let fd = try BPFObjectKind.btf.open(id)
        let raw = fd.raw
        let first = try KernelInfo.get(raw, bpf_btf_info(), "get info of BTF", "id \(id)")
        let size = Int(first.value.btf_size)
        guard size > 0 else { throw BPFError("read BTF", "id \(id)", errno: ENODATA) }
        // name and kernel_btf came in 5.11: asking an older kernel for the
        // name (a non-zero field past its struct) would fail with E2BIG.
        let hasName = first.field(\.name_len) != nil
        var name = [CChar](repeating: 0, count: 128)
        // withUnsafeMutableBufferPointer rethrows untyped errors: carry a Result out.
        let second: KernelInfo<bpf_btf_info>
        var data: [UInt8]
        (second, data) = try name.withUnsafeMutableBufferPointer { namePtr in
            Result { () throws(BPFError) in
                try KernelInfo.get(raw, bpf_btf_info(), filling: size, of: UInt8.self, "read BTF", "id \(id)") { request, address, count in
                    request.btf = address
                    request.btf_size = count
                    if hasName {
                        request.name = UInt64(UInt(bitPattern: namePtr.baseAddress))
                        request.name_len = UInt32(namePtr.count)
                    }
                }
            }
        }.get()
        let info = second.value
        if Int(info.btf_size) < size { data.removeLast(size - Int(info.btf_size)) }
        let objectName = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let isKernel = (second.field(\.kernel_btf) ?? 0) != 0
        var splitBase: BTF?
        if isKernel && objectName != "vmlinux" {
            if let base { splitBase = base } else { splitBase = try vmlinux() }
        }
        var btf: BTF
        do {
            btf = try BTF(data: data, base: splitBase)
        } catch {
            throw BPFError(error.operation, "id \(id): \(error.subject)", errno: error.errno)
        }
        btf.id = id
        btf.objectName = objectName
        btf.isKernel = isKernel
        return btf
    }

    /// The running kernel's BTF, from /sys/kernel/btf/vmlinux.
    public static func vmlinux(path: String = "/sys/kernel/btf/vmlinux") throws(BPFError) -> BTF {
        let data = try readWholeFile(path)
        var btf: BTF
        do {
            btf = try BTF(data: data)
        } catch {
            throw BPFError(error.operation, "\(path): \(error.subject)", errno: error.errno)
        }
        btf.objectName = "vmlinux"
        btf.isKernel = true
        return btf
    }

    static func readWholeFile(_ path: String) throws(BPFError) -> [UInt8] {
        let fd = try OwnedFD.open(path, flags: O_RDONLY, operation: "read BTF")
        var st = stat()
        try check("stat", path) { fstat(fd.raw, &st) }
        var data: [UInt8] = []
        var capacity = max(Int(st.st_size), 0) + 1
        data.reserveCapacity(capacity)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let raw = fd.raw
            let n = try check("read BTF", path) {
                chunk.withUnsafeMutableBytes { Int32(truncatingIfNeeded: read(raw, $0.baseAddress, $0.count)) }
            }
            if n == 0 { break }
            if data.count + Int(n) > capacity {
                capacity *= 2
                data.reserveCapacity(capacity)
            }
            data.append(contentsOf: chunk[0..<Int(n)])
        }
        return data
    }

    // MARK: - Raw access

    /// Where type `id`'s `struct btf_type` is: the layer and byte offset.
    @inline(__always)
    func locate(_ id: UInt32) -> (layer: Int, offset: Int)? {
        var l = layers.count - 1
        while l >= 0 {
            let layer = layers[l]
            if id >= layer.firstID {
                let index = Int(id - layer.firstID)
                return index < layer.offsets.count ? (l, Int(layer.offsets[index])) : nil
            }
            l -= 1
        }
        return nil
    }

    @inline(__always)
    func u32(_ layer: Int, _ at: Int) -> UInt32 {
        layers[layer].bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
    }

    /// The fixed part of a type: (name_off, info, size/type).
    struct Header {
        let layer: Int
        let offset: Int
        let nameOff: UInt32
        let info: UInt32
        let sizeType: UInt32
        var kind: BTFKind { BTFKind(rawValue: UInt8((info >> 24) & 0x1f)) ?? .unknown }
        var vlen: Int { Int(info & 0xffff) }
        var kindFlag: Bool { info >> 31 != 0 }
        var data: Int { offset + MemoryLayout<btf_type>.size }
    }

    func header(_ id: UInt32) -> Header? {
        guard id != 0, let (l, o) = locate(id) else { return nil }
        let type = layers[l].bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: btf_type.self) }
        return Header(layer: l, offset: o, nameOff: type.name_off, info: type.info, sizeType: type.size)
    }

    /// The `vlen` records after type `h` (a struct's `btf_member`s, an enum's
    /// `btf_enum`s, …), each made into what `make` returns.
    func records<T, R>(_: T.Type, of h: Header, _ make: (T) -> R) -> [R] {
        layers[h.layer].bytes.withUnsafeBytes { raw in
            (0..<h.vlen).map { make(raw.loadUnaligned(fromByteOffset: h.data + $0 * MemoryLayout<T>.size, as: T.self)) }
        }
    }

    /// The one record after type `h` (`btf_array`, `btf_var`, `btf_decl_tag`).
    func record<T>(_: T.Type, of h: Header) -> T {
        layers[h.layer].bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: h.data, as: T.self) }
    }

    /// The string at `offset` in the string sections ("" when out of range).
    public func string(at offset: UInt32) -> String {
        let off = Int(offset)
        for layer in layers.reversed() where off >= layer.firstString {
            guard off < layer.endString else { return "" }
            return layer.bytes.withUnsafeBytes { raw in
                let start = layer.strStart + off - layer.firstString
                let end = layer.strStart + layer.strLen
                var i = start
                while i < end, raw[i] != 0 { i += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<i]), as: UTF8.self)
            }
        }
        return ""
    }

    /// Whether the string at `offset` is exactly `name` (without decoding it).
    func string(at offset: UInt32, equals name: UnsafeBufferPointer<UInt8>) -> Bool {
        let off = Int(offset)
        for layer in layers.reversed() where off >= layer.firstString {
            guard off < layer.endString else { return false }
            let start = layer.strStart + off - layer.firstString
            guard start + name.count < layer.strStart + layer.strLen else { return false }
            return layer.bytes.withUnsafeBytes { raw in
                raw[start + name.count] == 0
                    && (name.isEmpty || memcmp(raw.baseAddress! + start, name.baseAddress!, name.count) == 0)
            }
        }
        return false
    }
}

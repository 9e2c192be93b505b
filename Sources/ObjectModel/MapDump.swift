import BPFKit
import Glibc
import Formatting

/// A map opened for reading its entries, with its BTF when it has one.
public struct MapDump: ~Copyable {
    public let fd: OwnedFD
    public let info: MapInfo
    public let btf: BTF?
    private let programNames = ProgramNames()

    /// `target` is a map id or a pinned map's path.
    public init(target: String) throws(BPFError) {
        let fd: OwnedFD
        if let id = UInt32(target), !target.contains("/") {
            fd = try BPFObjectKind.map.open(id)
        } else {
            try Self.requirePin(target)
            let pinned = try PinnedObject(path: target)
            guard pinned.kind == .map else {
                throw BPFError("dump map", target, errno: EINVAL,
                               hint: "that pin is a \(pinned.kindName), not a map")
            }
            fd = pinned.takeFD()
        }
        info = try MapInfo(fd: fd.raw)
        btf = info.formattingBTF()
        self.fd = fd
    }

    /// A map described by its parts, without the kernel (tests).
    init(fd: consuming OwnedFD, info: MapInfo, btf: BTF?) {
        self.fd = fd
        self.info = info
        self.btf = btf
    }

    /// BPF_OBJ_GET answers EACCES for anything that is not a pin, even to
    /// root ("no read access" would send the user to chmod): a path that
    /// does not exist, or is not on a bpffs, is named as that first.
    public static func requirePin(_ path: String) throws(BPFError) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            let code = errno
            throw BPFError("dump map", path, errno: code, hint: code == ENOENT
                ? "nothing is there: give a map pin on a bpffs (bpfnav pins lists them) or a map id (bpfnav maps)" : nil)
        }
        if st.st_mode & S_IFMT == S_IFDIR {
            throw BPFError("dump map", path, errno: EISDIR,
                           hint: "a directory: give a map pin in it (bpfnav pins \(path) lists them)")
        }
        if !BPFFS.isBPFFS(path) {
            throw BPFError("dump map", path, errno: EINVAL,
                           hint: "not on a bpffs, so not a pinned map: give a map pin (bpfnav pins lists them) or a map id (bpfnav maps)")
        }
    }

    public var contents: MapContents { MapContents(fd: fd.raw, info: info) }

    /// What the value refers to: inner map, program, device or CPU queue
    /// (`MapValueTargets`); nothing for other maps.
    public func targets(_ value: UnsafeRawBufferPointer) -> [(StaticString, JSONValue)] {
        MapValueTargets.fields(info.valueReference, value, programName: programNames.name)
    }

    /// The key through BTF, when the map has a key type.
    public func formatKey(_ key: UnsafeRawBufferPointer) -> BTFValue? {
        guard let btf, info.keyTypeIDForFormatting != 0 else { return nil }
        return BTFFormatter.format(Array(key), type: info.keyTypeIDForFormatting, btf: btf)
    }

    /// The value (one CPU's slot for per-CPU maps) through BTF; a
    /// struct_ops map's through vmlinux's (its programs as ids).
    public func formatValue(_ value: UnsafeRawBufferPointer) -> BTFValue? {
        guard let btf, info.valueTypeIDForFormatting != 0 else { return nil }
        return BTFFormatter.format(Array(value), type: info.valueTypeIDForFormatting, btf: btf)
    }
}

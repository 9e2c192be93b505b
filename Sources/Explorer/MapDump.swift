import BPFKit
import Glibc

/// A map opened for reading its entries, with its BTF when it has one.
public struct MapDump: ~Copyable {
    public let fd: OwnedFD
    public let info: MapInfo
    public let btf: BTF?

    /// `target` is a map id or a pinned map's path.
    public init(target: String) throws(BPFError) {
        let fd: OwnedFD
        if let id = UInt32(target), !target.contains("/") {
            fd = try BPFObjectSpace.map.open(id)
        } else {
            let pinned = try PinnedObject(path: target)
            guard pinned.kind == .map else {
                throw BPFError("dump map", target, errno: EINVAL,
                               hint: "that pin is a \(pinned.kind.rawValue), not a map")
            }
            fd = pinned.takeFD()
        }
        info = try MapInfo(fd: fd.raw)
        // Without BTF the dump is still complete, in hex only.
        btf = info.btfID != 0 ? try? BTF.load(id: info.btfID) : nil
        self.fd = fd
    }

    public var contents: MapContents { MapContents(fd: fd.raw, info: info) }

    /// The key through BTF, when the map has a key type.
    public func formatKey(_ key: UnsafeRawBufferPointer) -> BTFValue? {
        guard let btf, info.btfKeyTypeID != 0 else { return nil }
        return BTFFormatter.format(Array(key), type: info.btfKeyTypeID, btf: btf)
    }

    /// The value (one CPU's slot for per-CPU maps) through BTF.
    public func formatValue(_ value: UnsafeRawBufferPointer) -> BTFValue? {
        guard let btf, info.btfValueTypeID != 0 else { return nil }
        return BTFFormatter.format(Array(value), type: info.btfValueTypeID, btf: btf)
    }
}

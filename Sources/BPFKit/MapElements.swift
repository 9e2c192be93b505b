import CLibBPF

/// One map's elements, through an fd its caller keeps open
/// (`BPF_MAP_LOOKUP_ELEM`, `BPF_MAP_UPDATE_ELEM`, `BPF_MAP_DELETE_ELEM`,
/// `BPF_MAP_GET_NEXT_KEY`): for the small maps bpfnav keeps itself.
/// `MapContents` reads whole maps. A key is a plain value of the map's key
/// size; a value is bytes, or a plain value of the map's value size.
public struct MapElements {
    public let fd: Int32

    public init(fd: Int32) {
        self.fd = fd
    }

    /// The `size` bytes of the value at `key` (ENOENT when there is none).
    public func lookup<Key: BitwiseCopyable>(_ key: Key, size: Int) throws(Errno) -> [UInt8] {
        var value = [UInt8](repeating: 0, count: size)
        _ = try withUnsafeBytes(of: key) { key in
            value.withUnsafeMutableBytes { value in
                Errno.result { bpf_map_lookup_elem(fd, key.baseAddress, value.baseAddress) }
            }
        }.get()
        return value
    }

    /// The value at `key`, read as a `Value`.
    public func lookup<Key: BitwiseCopyable, Value: BitwiseCopyable>(_ key: Key, as _: Value.Type) throws(Errno) -> Value {
        let bytes = try lookup(key, size: MemoryLayout<Value>.size)
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: Value.self) }
    }

    /// Sets the value at `key`, whether or not there is one (`BPF_ANY`).
    public func update<Key: BitwiseCopyable>(_ key: Key, bytes value: [UInt8]) throws(Errno) {
        _ = try withUnsafeBytes(of: key) { key in
            value.withUnsafeBytes { value in
                Errno.result { bpf_map_update_elem(fd, key.baseAddress, value.baseAddress, UInt64(BPF_ANY)) }
            }
        }.get()
    }

    /// Sets the value at `key` to `value`'s bytes.
    public func update<Key: BitwiseCopyable, Value: BitwiseCopyable>(_ key: Key, _ value: Value) throws(Errno) {
        try update(key, bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    public func delete<Key: BitwiseCopyable>(_ key: Key) throws(Errno) {
        _ = try withUnsafeBytes(of: key) { key in
            Errno.result { bpf_map_delete_elem(fd, key.baseAddress) }
        }.get()
    }

    /// The key after `key`, or the first when `key` is nil; ENOENT after
    /// the last.
    public func nextKey<Key: BitwiseCopyable>(after key: Key?) throws(Errno) -> Key {
        var next = [UInt8](repeating: 0, count: MemoryLayout<Key>.size)
        _ = try next.withUnsafeMutableBytes { next in
            guard let key else { return Errno.result { bpf_map_get_next_key(fd, nil, next.baseAddress) } }
            return withUnsafeBytes(of: key) { key in
                Errno.result { bpf_map_get_next_key(fd, key.baseAddress, next.baseAddress) }
            }
        }.get()
        return next.withUnsafeBytes { $0.loadUnaligned(as: Key.self) }
    }
}

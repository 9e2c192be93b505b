import Glibc

/// Files named by exact bytes (paths need not be UTF-8), and whole small
/// files such as those of /proc.
public enum FileBytes {
    public static func withCPath<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var terminated = path
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    public static func lstat(_ path: [UInt8], _ st: inout stat) -> Int32 {
        withCPath(path) { Glibc.lstat($0, &st) }
    }

    public static func readLink(_ path: [UInt8]) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = withCPath(path) { cpath in
            buffer.withUnsafeMutableBytes { readlink(cpath, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    /// Names in a directory, exact bytes, without "." and "..", in byte order.
    public static func directoryNames(_ path: [UInt8]) -> ([[UInt8]]?, Int32) {
        var code: Int32 = 0
        let opened = withCPath(path) { cpath in
            let dir = opendir(cpath)
            if dir == nil { code = errno }
            return dir
        }
        guard let dir = opened else { return (nil, code) }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name != [0x2e], name != [0x2e, 0x2e] { names.append(name) }
        }
        return (names.sorted { $0.lexicographicallyPrecedes($1) }, 0)
    }

    /// A whole (small, /proc) file.
    public static func readWhole(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}

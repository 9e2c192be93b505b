/// /proc/self/mountinfo: where each file system of a type is mounted.
public enum Mountinfo {
    /// Mount points of every bpffs in `mountinfo` (the text of
    /// /proc/self/mountinfo), as exact bytes, in order, without duplicates.
    public static func bpffsMounts(mountinfo: [UInt8]) -> [[UInt8]] {
        mounts(ofType: "bpf", mountinfo: mountinfo)
    }

    /// Mount points of every file system of type `type` in `mountinfo`.
    public static func mounts(ofType type: String, mountinfo: [UInt8]) -> [[UInt8]] {
        let type = Array(type.utf8)
        var result: [[UInt8]] = []
        for line in mountinfo.split(separator: 0x0a) {
            let fields = line.split(separator: 0x20, omittingEmptySubsequences: true)
            // id parent major:minor root mountpoint options [optional…] - fstype source superopts
            guard fields.count >= 7, let dash = fields.firstIndex(where: { $0.elementsEqual([0x2d]) }),
                  dash >= 5, dash + 1 < fields.count else { continue }
            guard fields[dash + 1].elementsEqual(type) else { continue }
            let point = unescapeField(Array(fields[4]))
            if !result.contains(point) { result.append(point) }
        }
        return result
    }

    /// The kernel writes space, tab, newline and backslash in mountinfo as
    /// `\040`, `\011`, `\012`, `\134`.
    public static func unescapeField(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5c, i + 3 < bytes.count {
                let digits = bytes[(i + 1)...(i + 3)]
                if digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let value = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    if value < 256 {
                        out.append(UInt8(value))
                        i += 4
                        continue
                    }
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    /// Mount points of every file system of type `type` this process can see.
    public static func mounts(ofType type: String) -> [[UInt8]] {
        mounts(ofType: type, mountinfo: FileBytes.readWhole("/proc/self/mountinfo") ?? [])
    }
}

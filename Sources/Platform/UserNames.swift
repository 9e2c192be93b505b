import Glibc

/// User names by uid from /etc/passwd, read once and kept. Not getpwuid_r:
/// release builds are static, and a static glibc's NSS loads the system's
/// modules at run time (see `GroupFile`). A uid the file does not name
/// (a directory service's user, a container's) is shown as its number.
public final class UserNames: @unchecked Sendable {
    private var names: [UInt32: String]?
    private let path: String
    private var mutex = pthread_mutex_t()

    public init(path: String = "/etc/passwd") {
        self.path = path
        pthread_mutex_init(&mutex, nil)
    }

    /// The shared cache.
    public static let shared = UserNames()

    /// `uid`'s name, or its number.
    public func name(_ uid: UInt32) -> String {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if names == nil { names = FileBytes.readWhole(path).map(Self.parse) ?? [:] }
        return names?[uid] ?? "\(uid)"
    }

    /// name:password:uid:… lines; the first name of a uid wins (as
    /// getpwuid does).
    public static func parse(_ bytes: [UInt8]) -> [UInt32: String] {
        var names: [UInt32: String] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty,
                  let uid = UInt32(String(decoding: fields[2], as: UTF8.self)), names[uid] == nil else { continue }
            names[uid] = String(decoding: fields[0], as: UTF8.self)
        }
        return names
    }
}

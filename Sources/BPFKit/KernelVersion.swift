import Glibc

/// A Linux version as upstream numbers it: "6.1", "5.12.3".
///
/// Distribution releases carry more ("5.10.0-32-amd64", "7.3.1+deb13-amd64");
/// only the leading major.minor.patch counts. Backports make the number a
/// hint, not the truth: what a kernel supports is probed (`Probes`), the
/// version only says which kernel brings a feature upstream.
public struct KernelVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses a `uname -r`: "5.10.0-32-amd64" → 5.10.0. Needs at least
    /// major.minor; each number ends at the first character that is not a
    /// digit ("6.18.44-xyz", "7.3.1+deb13-amd64", "6.1rc2").
    public init?(release: String) {
        var numbers: [Int] = []
        var utf8 = Array(release.utf8)[...]
        while numbers.count < 3 {
            let digits = utf8.prefix { $0 >= 0x30 && $0 <= 0x39 }
            guard !digits.isEmpty, digits.count <= 9 else { break }
            numbers.append(digits.reduce(0) { $0 * 10 + Int($1 - 0x30) })
            utf8 = utf8.dropFirst(digits.count)
            guard utf8.first == UInt8(ascii: ".") else { break }
            utf8 = utf8.dropFirst()
        }
        guard numbers.count >= 2 else { return nil }
        self.init(numbers[0], numbers[1], numbers.count > 2 ? numbers[2] : 0)
    }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    /// "5.12" for a minimum (patch 0), "6.18.44" otherwise.
    public var description: String {
        patch == 0 ? "\(major).\(minor)" : "\(major).\(minor).\(patch)"
    }
}

/// The kernel this process runs on.
public enum RunningKernel {
    /// `uname -r`: "6.18.44-custom".
    public static var release: String {
        #if DEBUG
        // Tests can pretend to run elsewhere; release builds cannot.
        if let text = getenv("BPFNAV_KERNEL_RELEASE") { return String(cString: text) }
        #endif
        return field(\.release)
    }

    /// `uname -v`: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.140-1 (2025-05-22)".
    /// Two builds of one release differ here (a distribution's rebuilds).
    public static var build: String {
        #if DEBUG
        if let text = getenv("BPFNAV_KERNEL_BUILD") { return String(cString: text) }
        #endif
        return field(\.version)
    }

    /// The release's upstream version; nil if it cannot be parsed.
    public static var version: KernelVersion? { KernelVersion(release: release) }

    private static func field<T>(_ path: KeyPath<utsname, T>) -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "?" }
        return withUnsafeBytes(of: name[keyPath: path]) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

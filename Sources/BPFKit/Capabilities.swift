import Glibc

/// The calling process's effective capabilities, from /proc/self/status.
public struct Capabilities: Sendable {
    public static let sysAdmin = 21
    public static let perfmon = 38
    public static let bpf = 39

    public let effective: UInt64

    public init(effective: UInt64) {
        self.effective = effective
    }

    public static func current() -> Capabilities {
        guard let file = fopen("/proc/self/status", "r") else { return Capabilities(effective: 0) }
        defer { fclose(file) }
        let line = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
        defer { line.deallocate() }
        while fgets(line, 512, file) != nil {
            let text = String(cString: line)
            if text.hasPrefix("CapEff:") {
                let hex = text.dropFirst("CapEff:".count).trimmingWhitespace()
                return Capabilities(effective: UInt64(hex, radix: 16) ?? 0)
            }
        }
        return Capabilities(effective: 0)
    }

    public func has(_ cap: Int) -> Bool { effective & (1 << UInt64(cap)) != 0 }

    /// Loading and attaching tracing programs such as iterators: CAP_BPF and
    /// CAP_PERFMON, or CAP_SYS_ADMIN (which implies both).
    public var canLoadTracing: Bool {
        has(Self.sysAdmin) || (has(Self.bpf) && has(Self.perfmon))
    }

    /// What is missing for `canLoadTracing`, in the kernel's names.
    public var missingForTracing: [String] {
        if canLoadTracing { return [] }
        var missing: [String] = []
        if !has(Self.bpf) { missing.append("CAP_BPF") }
        if !has(Self.perfmon) { missing.append("CAP_PERFMON") }
        return missing
    }

    public static func requireTracing(for operation: String) throws(BPFError) {
        let caps = current()
        if caps.canLoadTracing { return }
        throw BPFError(operation, "", errno: EPERM,
                       hint: "missing \(caps.missingForTracing.joined(separator: " and ")) (or CAP_SYS_ADMIN): run as root")
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\n" || $0 == "\t" }.reversed())
    }
}

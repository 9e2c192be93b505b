import Glibc

/// Numbers and times as the browser shows them.
public enum BrowserFormat {
    /// Local time in strftime's `format`: "2024-05-01 12:34:56" by default;
    /// the command line uses bpftool's "%Y-%m-%dT%H:%M:%S%z".
    public static func localTime(_ unix: Int64, format: String = "%Y-%m-%d %H:%M:%S") -> String {
        var seconds = time_t(unix)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return "\(unix)" }
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// 512 → "512", 4096 → "4.0K", 3 MiB → "3.0M" (powers of 1024, as htop).
    public static func bytes(_ value: UInt64) -> String {
        if value < 1024 { return "\(value)" }
        let units = ["K", "M", "G", "T", "P"]
        var scaled = Double(value) / 1024
        var unit = 0
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return fixed(scaled, digits: scaled < 10 ? 1 : 0) + units[unit]
    }

    /// Nanoseconds as "850ns", "12.3µs", "4.5ms", "2.0s".
    public static func duration(nanoseconds ns: UInt64) -> String {
        if ns < 1000 { return "\(ns)ns" }
        let value = Double(ns)
        if ns < 1_000_000 { return fixed(value / 1e3, digits: 1) + "µs" }
        if ns < 1_000_000_000 { return fixed(value / 1e6, digits: 1) + "ms" }
        return fixed(value / 1e9, digits: 1) + "s"
    }

    /// A rate or a percentage with `digits` decimals (no Foundation).
    public static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        guard rounded < 9.0e18 else { return String(value) }
        let whole = UInt64(rounded)
        let sign = value < 0 && whole != 0 ? "-" : ""
        let integer = whole / UInt64(scale)
        guard digits > 0 else { return sign + "\(integer)" }
        var fraction = String(whole % UInt64(scale))
        while fraction.count < digits { fraction = "0" + fraction }
        return sign + "\(integer).\(fraction)"
    }

    /// Lowercase hex bytes separated by spaces: "2a 00 00 00".
    public static func hex(_ bytes: [UInt8]) -> String {
        var out = ""
        out.reserveCapacity(bytes.count * 3)
        for (i, byte) in bytes.enumerated() {
            if i > 0 { out.append(" ") }
            out.append(hexDigit(byte >> 4))
            out.append(hexDigit(byte & 0xf))
        }
        return out
    }

    /// "0x1f".
    public static func hexNumber(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    private static func hexDigit(_ nibble: UInt8) -> Character {
        Character(Unicode.Scalar(nibble < 10 ? 48 + nibble : 87 + nibble))
    }

    /// The running kernel's release (`uname -r`).
    public static func kernelRelease() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "?" }
        return withUnsafeBytes(of: name.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

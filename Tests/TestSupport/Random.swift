import Foundation

/// SplitMix64: the same "random" inputs on every run and every platform, so
/// a failure can be reproduced.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// `count` bytes, eight from each `next()`, little end first.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var at = 0
            while at < count {
                var word = next()
                let n = Swift.min(8, count - at)
                withUnsafeBytes(of: &word) { w in
                    for i in 0..<n { raw[at + i] = w[i] }
                }
                at += n
            }
        }
        return out
    }
}

/// Seeds of the randomized tests, varied by `fuzz/run` through
/// BPFNAV_FUZZ_SEED so that repeated runs explore new inputs.
public func fuzzSeed(_ base: UInt64) -> UInt64 {
    base ^ (ProcessInfo.processInfo.environment["BPFNAV_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0)
}

@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer harness for FuzzChecks.btf (Sources/BPFNavCLI/FuzzChecks.swift).
@main enum BTFHarness: FuzzHarness {
    static func check(_ input: UnsafeRawBufferPointer) -> String? { FuzzChecks.btf(input) }
}

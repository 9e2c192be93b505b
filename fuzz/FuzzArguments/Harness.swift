@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer harness for FuzzChecks.arguments (Sources/BPFNavCLI/FuzzChecks.swift).
@main enum ArgumentsHarness: FuzzHarness {
    static func check(_ input: UnsafeRawBufferPointer) -> String? { FuzzChecks.arguments(input) }
}

@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer harness for FuzzChecks.xlated (Sources/BPFNavCLI/FuzzChecks.swift).
@main enum XlatedHarness: FuzzHarness {
    static func check(_ input: UnsafeRawBufferPointer) -> String? { FuzzChecks.xlated(input) }
}

@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer harness for FuzzChecks.records (Sources/BPFNavCLI/FuzzChecks.swift).
@main enum RecordsHarness: FuzzHarness {
    static func check(_ input: UnsafeRawBufferPointer) -> String? { FuzzChecks.records(input) }
}

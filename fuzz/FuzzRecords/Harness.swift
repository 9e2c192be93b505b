@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer entry point for FuzzChecks.records (Sources/BPFNavCLI/FuzzChecks.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecords(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(FuzzChecks.records, data, size)
}

@_cdecl("FuzzRecords_main")
public func fuzzRecordsMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzRecords)
}

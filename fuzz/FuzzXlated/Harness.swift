@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer entry point for FuzzChecks.xlated (Sources/BPFNavCLI/FuzzChecks.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXlated(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(FuzzChecks.xlated, data, size)
}

@_cdecl("FuzzXlated_main")
public func fuzzXlatedMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzXlated)
}

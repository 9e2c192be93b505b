@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer entry point for FuzzChecks.arguments (Sources/BPFNavCLI/FuzzChecks.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArguments(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(FuzzChecks.arguments, data, size)
}

@_cdecl("FuzzArguments_main")
public func fuzzArgumentsMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzArguments)
}

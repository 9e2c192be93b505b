@_spi(Fuzzing) import BPFNavCLI
import FuzzSupport

/// libFuzzer entry point for FuzzChecks.btf (Sources/BPFNavCLI/FuzzChecks.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBTF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    check(FuzzChecks.btf, data, size)
}

@_cdecl("FuzzBTF_main")
public func fuzzBTFMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runFuzzer(argc, argv, fuzzBTF)
}

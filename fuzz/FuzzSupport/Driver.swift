import Glibc

/// What each harness in fuzz/ is: a type that names one property of
/// FuzzChecks (Sources/BPFNavCLI/FuzzChecks.swift) and is its target's
/// `@main`. SwiftPM links an executable target with `main` defined as
/// `<Target>_main`, so libFuzzer's own main() is never used: main() here
/// hands the property over to libFuzzer's driver.
public protocol FuzzHarness {
    /// nil when the property holds for input, else what went wrong.
    static func check(_ input: UnsafeRawBufferPointer) -> String?
}

extension FuzzHarness {
    public static func main() {
        property = check
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
    }
}

/// The running harness's property: one a process, set before the driver starts.
nonisolated(unsafe) private var property: (UnsafeRawBufferPointer) -> String? = { _ in nil }

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ target: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// libFuzzer's entry point: runs the property on one input; a property that
/// does not hold is a crash, which libFuzzer saves and reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    if let failure = property(input) {
        fatalError("property failed: \(failure)")
    }
    return 0
}

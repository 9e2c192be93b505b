/// SwiftPM links an executable target with `main` defined as
/// `<Target>_main`, so libFuzzer's own main() is never used: each harness
/// defines that entry point and hands over to libFuzzer's driver.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ target: FuzzTarget
) -> Int32

public func runFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                      _ target: FuzzTarget) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, target)
}

/// Runs one property check on libFuzzer's input; a property that does not
/// hold is a crash, which libFuzzer saves and reports.
public func check(_ property: (UnsafeRawBufferPointer) -> String?, _ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    if let failure = property(input) {
        fatalError("property failed: \(failure)")
    }
    return 0
}

import Foundation
import XCTest

/// BPF C fixtures in Tests/IntegrationTests/Fixtures, compiled at run time
/// with the toolchain's clang (the one next to `swift` on PATH, or
/// $BPFNAV_CLANG), with iters/ on the include path for kernel_types.h.
enum Fixture {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static var clang: String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["BPFNAV_CLANG"] { candidates.append(env) }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if FileManager.default.isExecutableFile(atPath: "\(dir)/swift") { candidates.append("\(dir)/clang") }
        }
        candidates.append(contentsOf: (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/clang" })
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The object file's bytes for Fixtures/`name`.
    static func compile(_ name: String) throws -> [UInt8] {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let source = here.appendingPathComponent("Fixtures/\(name)").path
        let iters = here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("iters").path
        guard FileManager.default.fileExists(atPath: source) else {
            throw Failure(description: "fixture \(name) not found at \(source)")
        }
        guard let clang else {
            throw Failure(description: "clang not found ($BPFNAV_CLANG, or next to swift on PATH): the tests compile \(source) with clang -target bpf")
        }
        let output = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString).o"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try runCommand(clang, ["-target", "bpf", "-O2", "-g", "-Wall", "-Werror", "-I", iters,
                                            "-c", source, "-o", output])
        guard result.status == 0 else {
            throw Failure(description: "\(clang) -target bpf failed (\(result.status)) on \(source):\n\(result.stderr)")
        }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
    }
}

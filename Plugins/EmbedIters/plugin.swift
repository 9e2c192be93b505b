import Foundation
import PackagePlugin

/// Compiles every `iters/*.bpf.c` into a BPF object and embeds the objects in
/// the target as generated Swift.
///
/// One build command whose inputs include the `iters/` directory itself:
/// SwiftPM then re-runs it when a file there is added, changed or removed.
/// Per-file commands would go stale when a file is added or removed.
@main
struct EmbedIters: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let iters = context.package.directoryURL.appending(path: "iters")
        let entries = try FileManager.default.contentsOfDirectory(
            at: iters, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "c" || $0.pathExtension == "h" }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedIters.swift")
        let tool = try context.tool(named: "EmbedIterTool")

        // The toolchain's clang has the bpf target; SwiftPM knows where it is.
        var arguments = ["--iters", iters.path, "--output", output.path]
        if let clang = try? context.tool(named: "clang") {
            arguments += ["--clang", clang.url.path]
        }
        return [
            .buildCommand(
                displayName: "Compiling BPF iterators in iters/",
                executable: tool.url,
                arguments: arguments,
                inputFiles: [iters] + entries,
                outputFiles: [output]
            ),
        ]
    }
}

import Foundation
import TestSupport
import XCTest
@testable import BPFNavCLI

/// The completion scripts and the man page, generated from the command
/// table: every command and option in each, and each accepted by its shell.
final class CompletionTests: XCTestCase {
    /// An executable on PATH (or a usual place), nil when absent.
    private func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map(String.init) + ["/usr/bin", "/bin"])
            .map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable arguments` with `input` on stdin.
    private func run(_ executable: String, _ arguments: [String], input: String = "") throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    private func script(_ shell: String) -> String {
        let r = captureStandardStreams { CLI.run(["completion", shell]) }
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }

    func testEveryCommandAndOptionIsInEachScript() {
        XCTAssertTrue(CLI.commands.contains { $0.name == "completion" } && CLI.commands.contains { $0.name == "man" })
        let bash = script("bash"), zsh = script("zsh"), fish = script("fish")
        for spec in CLI.commands {
            XCTAssertTrue(bash.contains("        \(spec.name)) words=\""), "bash: \(spec.name)")
            XCTAssertTrue(zsh.contains("        '\(spec.name):"), "zsh: \(spec.name)")
            XCTAssertTrue(zsh.contains("            \(spec.name))\n"), "zsh arguments: \(spec.name)")
            XCTAssertTrue(fish.contains(" -a \(spec.name) -d "), "fish: \(spec.name)")
            for option in spec.options {
                XCTAssertTrue(bash.contains("--\(option.name)"), "bash: \(spec.name) --\(option.name)")
                XCTAssertTrue(zsh.contains("'--\(option.name)["), "zsh: \(spec.name) --\(option.name)")
                XCTAssertTrue(fish.contains("__fish_seen_subcommand_from \(spec.name)\" -l \(option.name)"),
                              "fish: \(spec.name) --\(option.name)")
            }
        }
        for option in Help.globals {
            for text in [bash, zsh, fish] { XCTAssertTrue(text.contains(option.long), "global --\(option.long)") }
        }
        let wrong = captureStandardStreams { CLI.run(["completion", "bahs"]) }
        XCTAssertEqual(wrong.status, 64)
        XCTAssertTrue(wrong.stderr.contains("did you mean 'bash'?"), wrong.stderr)
    }

    /// bash accepts the script, and completing in it gives the table's words.
    func testBashCompletes() throws {
        guard let bash = tool("bash") else { throw XCTSkip("no bash") }
        let text = script("bash")
        let syntax = try run(bash, ["-n"], input: text)
        XCTAssertEqual(syntax.0, 0, syntax.2)
        func complete(_ words: [String]) throws -> [String] {
            let quoted = words.map { "'\($0)'" }.joined(separator: " ")
            let r = try run(bash, ["-c", text + "\nCOMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); _bpfnav; printf '%s\\n' \"${COMPREPLY[@]}\""])
            XCTAssertEqual(r.0, 0, r.2)
            return r.1.split(separator: "\n").map(String.init)
        }
        XCTAssertEqual(Set(try complete(["bpfnav", "pro"])), ["progs", "prog"])
        XCTAssertEqual(try complete(["bpfnav", "-v", "tasks", "--p"]).sorted(), ["--pid", "--pretty"])
        XCTAssertEqual(try complete(["bpfnav", "--color", "al"]), ["always"])
        XCTAssertEqual(Set(try complete(["bpfnav", "pin", "f"])), ["files"])
        XCTAssertEqual(Set(try complete(["bpfnav", "completion", ""])).intersection(["bash", "zsh", "fish"]), ["bash", "zsh", "fish"])
        XCTAssertEqual(try complete(["bpfnav", "tasks", "--pid", ""]), [], "a value: nothing to offer")
    }

    func testZshAndFishAcceptTheirScripts() throws {
        var checked = 0
        for (shell, name) in [("zsh", "zsh"), ("fish", "fish")] {
            guard let path = tool(name) else { continue }
            let r = try run(path, ["-n"], input: script(shell))
            XCTAssertEqual(r.0, 0, "\(shell): \(r.2)")
            checked += 1
        }
        if checked == 0 { throw XCTSkip("neither zsh nor fish is installed (./dev setup installs them)") }
    }

    /// The man page lists every command and option, and groff renders it
    /// without a warning.
    func testManPage() throws {
        let r = captureStandardStreams { CLI.run(["man"]) }
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix(".TH BPFNAV 1 "), r.stdout)
        for spec in CLI.commands {
            XCTAssertTrue(r.stdout.contains("\n.SS \(ManCommand.escaped(spec.name))\n"), spec.name)
            for option in spec.options { XCTAssertTrue(r.stdout.contains("\\fB\(ManCommand.escaped("--" + option.name))\\fR"), "--\(option.name)") }
        }
        XCTAssertFalse(r.stdout.unicodeScalars.contains { !$0.isASCII }, "ASCII only: groff's input")
        XCTAssertEqual(ManCommand.escaped(".x -y \\ …"), "\\&.x \\-y \\e \\[u2026]")
        guard let groff = tool("groff") else { throw XCTSkip("no groff") }
        let rendered = try run(groff, ["-ww", "-z", "-man", "-Tutf8"], input: r.stdout)
        XCTAssertEqual(rendered.0, 0)
        XCTAssertEqual(rendered.2, "", "groff's warnings")
    }
}

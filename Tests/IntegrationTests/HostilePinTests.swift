import Foundation
import Iterators
import XCTest

/// Pinned iterators read by `cat` with a process that names itself and its
/// files with terminal escape sequences, newlines and invalid UTF-8: the
/// text programs escape them in the kernel, so the terminal gets no raw
/// control byte and no forged row; JSON keeps the exact bytes.
final class HostilePinTests: BPFTestCase {
    /// ESC ] 2 ; pwned BEL (set the window title), newline, tab: 12 bytes.
    private let titleComm: [UInt8] = [0x1b] + Array("]2;pwned".utf8) + [0x07, 0x0a, 0x09]
    /// ESC [ 31m (red), backslash, 0xff, U+0085 (a C1 control), DEL: 10 bytes.
    private let colourComm: [UInt8] = [0x1b] + Array("[31m".utf8) + [0x5c, 0xff, 0xc2, 0x85, 0x7f]
    /// A file name with a newline, ESC, a backslash and 0xff.
    private let fileName: [UInt8] = Array("f".utf8) + [0x0a, 0x1b] + Array("[2J".utf8) + [0x5c, 0xff]

    /// `bytes` as printf(1) octal escapes.
    private func printfOctal(_ bytes: [UInt8]) -> String {
        bytes.map { "\\" + String($0, radix: 8).leftPadded(to: 3) }.joined()
    }

    /// A copy of sleep named `comm` (exec sets the comm from the name),
    /// holding the file called `fileName` in `dir` open as fd 3.
    private func hostileChild(_ comm: [UInt8], in dir: String) throws -> Child {
        let child = spawn(try Child(shell: """
            p="$1/$(printf '\(printfOctal(comm))')"
            f="$1/$(printf '\(printfOctal(fileName))')"
            cp /bin/sleep "$p" && : > "$f" && exec 3<"$f" && exec "$p" 1000
            """, arguments: [dir]))
        XCTAssertTrue(waitUntil {
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child.pid)/comm"))).map { [UInt8]($0) } == comm + [0x0a]
        }, "child did not exec")
        return child
    }

    /// What may reach a terminal: valid UTF-8 without control bytes other
    /// than newline and tab, and no C1 controls.
    private func assertSafe(_ bytes: [UInt8], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(bytes.contains { ($0 < 0x20 && $0 != 0x0a && $0 != 0x09) || $0 == 0x7f },
                       "\(what): raw control bytes", file: file, line: line)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return XCTFail("\(what): invalid UTF-8", file: file, line: line)
        }
        XCTAssertFalse(text.unicodeScalars.contains { (0x80...0x9f).contains($0.value) },
                       "\(what): C1 controls", file: file, line: line)
    }

    private func cat(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let out = try runCommand("/bin/cat", [pins.path(name)])
        XCTAssertEqual(out.status, 0, out.stderr, file: file, line: line)
        assertSafe(out.stdout, "cat \(name)", file: file, line: line)
        // bpfnav cat of bpfnav's own pin: already clean, so the same bytes.
        let viaCLI = try bpfnav("cat", pins.path(name))
        XCTAssertEqual(viaCLI.status, 0, viaCLI.stderr, file: file, line: line)
        XCTAssertEqual(viaCLI.stdout, out.stdout, "bpfnav cat \(name)", file: file, line: line)
        return out
    }

    func testPinnedTextEscapesHostileCommsAndPaths() throws {
        let dir = NSTemporaryDirectory() + "bpfnav-hostile-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let title = try hostileChild(titleComm, in: dir)
        let colour = try hostileChild(colourComm, in: dir)

        var specs = [title, colour].map { PinSpec(kind: .task, params: .pid(UInt32($0.pid))) }
        specs.append(PinSpec(kind: .taskFile, params: .pid(UInt32(title.pid))))
        if hasVMAs { specs.append(PinSpec(kind: .taskVMA, params: .pid(UInt32(colour.pid)))) }
        try pins.create(specs)

        // tasks: a header and one row each; the forged newline makes none.
        let titleRows = try cat(specs[0].name).text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(titleRows.count, 3, "header, one row, and the final newline: \(titleRows)")
        XCTAssertTrue(titleRows[1].hasSuffix(#" \x1b]2;pwned\x07\n\t"#), String(titleRows[1]))
        let colourRows = try cat(specs[1].name).text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(colourRows.count, 3, "\(colourRows)")
        XCTAssertTrue(colourRows[1].hasSuffix(#" \x1b[31m\\\xff\xc2\x85\x7f"#), String(colourRows[1]))

        // files: one row per fd, the file's path (or its name alone, marked,
        // where iterators have no bpf_d_path) escaped.
        let files = try cat(specs[2].name).text
        let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(title.pid)/fd")
        let rows = files.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, fds.count, files)
        XCTAssertTrue(rows.allSatisfy { $0.split(separator: " ").first == "\(title.pid)" }, files)
        let escapedName = #"f\n\x1b[2J\\\xff"#
        let expected = Features.current.supports(.fileDPath) ? dir + "/" + escapedName : "\u{2026}/" + escapedName
        XCTAssertTrue(rows.contains { $0.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true).last.map(String.init) == expected },
                      "no row for fd 3 with \(expected):\n\(files)")

        // vmas: the exec'd copy of sleep is mapped under its hostile name.
        if hasVMAs {
            let vmas = try cat(specs[3].name).text
            XCTAssertTrue(vmas.contains(#"\x1b[31m\\\xff\xc2\x85\x7f"#), vmas)
            // Every row is one mapping of the child: none is forged.
            XCTAssertTrue(vmas.split(separator: "\n").dropFirst().allSatisfy {
                $0.split(separator: " ").first == "\(colour.pid)"
            }, vmas)
        }

        // JSON keeps the exact bytes.
        let tasks = try bpfnav("tasks", "--pid", "\(title.pid)", "--json")
        XCTAssertEqual(tasks.status, 0, tasks.stderr)
        XCTAssertTrue(tasks.text.contains(#""comm":"\u001b]2;pwned\u0007\n\t""#), tasks.text)
        XCTAssertEqual(JSONText.stringField("comm", in: tasks.stdout), titleComm)
        let colourJSON = try bpfnav("tasks", "--pid", "\(colour.pid)", "--json")
        XCTAssertEqual(JSONText.stringField("comm", in: colourJSON.stdout), colourComm)
        let filesJSON = try bpfnav("files", "--pid", "\(title.pid)", "--ndjson")
        XCTAssertEqual(filesJSON.status, 0, filesJSON.stderr)
        let fd3 = try XCTUnwrap(filesJSON.stdout.split(separator: 0x0a).first {
            $0.starts(with: Array("{\"pid\":\(title.pid),\"fd\":3,".utf8))
        })
        XCTAssertEqual(JSONText.stringField("path", in: Array(fd3)), Array((dir + "/").utf8) + fileName)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

import Encoding
import Foundation
import Iterators
import TestSupport
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

    /// The kernel's escaping, as docs/pins.md "Escaping" describes it, for
    /// comparison: `\\`, `\n`, `\t`, `\xNN` for other control bytes, DEL, C1
    /// controls and bytes that are not part of valid UTF-8.
    private func escapedLikeTheKernel(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        func hex(_ b: UInt8) { out += Array(String(format: "\\x%02x", b).utf8) }
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i < raw.count {
                let b = raw[i]
                switch b {
                case 0x5c: out += Array(#"\\"#.utf8); i += 1
                case 0x0a: out += Array(#"\n"#.utf8); i += 1
                case 0x09: out += Array(#"\t"#.utf8); i += 1
                case 0x20..<0x7f: out.append(b); i += 1
                case ..<0x80: hex(b); i += 1
                default:
                    let length = Escape.utf8Length(raw, at: i)
                    if length == 0 {
                        hex(b); i += 1
                    } else if b == 0xc2 && raw[i + 1] < 0xa0 {
                        hex(b); hex(raw[i + 1]); i += 2
                    } else {
                        out += raw[i..<(i + length)]; i += length
                    }
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Paths with every kind of byte the escaping tells apart, read through
    /// the files pin, agree with the escaping described in docs/pins.md.
    func testPathEscapingMatchesTheDescription() throws {
        var rng = SplitMix64(seed: 0x6573_6361_7065)
        let names: [[UInt8]] = [
            Array(0x01...0x1f).filter { $0 != 0x2f } + [0x7f, 0x5c, 0x41],
            [0xc2, 0x80, 0xc2, 0x85, 0xc2, 0x9f, 0xc2, 0xa0, 0xc3, 0x80, 0xdf, 0xbf, 0x5c, 0x5c],
            [0xc0, 0xaf, 0xc1, 0xbf, 0xe0, 0x80, 0xaf, 0xe0, 0x9f, 0xbf, 0xe0, 0xa0, 0x80, 0xf0, 0x80, 0x80, 0xaf,
             0xf0, 0x8f, 0xbf, 0xbf, 0xf0, 0x90, 0x80, 0x80],
            [0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf, 0xed, 0x9f, 0xbf, 0xee, 0x80, 0x80, 0xef, 0xbf, 0xbf],
            [0xf4, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf, 0xf5, 0x80, 0x80, 0x80, 0xff, 0xfe, 0xf1, 0x80, 0x80, 0x80],
            [0xe2, 0x82, 0x61, 0xf0, 0x9f, 0x98, 0x62, 0x80, 0xbf, 0xe2, 0x82, 0xac, 0xe2],
            (0..<200).map { _ in
                var b: UInt8
                repeat { b = UInt8(truncatingIfNeeded: rng.next()) } while b == 0 || b == 0x2f
                return b
            } + [0x7a],  // not a newline last: $(printf) would drop it
        ]
        let dir = NSTemporaryDirectory() + "bpfnav-escaping-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Names are bytes, not Strings: the shell makes the files, fds 3..9.
        let makes = names.enumerated().map { "f\($0.offset + 3)=\"$1/$(printf '\(printfOctal($0.element))')\"; : > \"$f\($0.offset + 3)\"" }
        let opens = names.indices.map { "\($0 + 3)<\"$f\($0 + 3)\"" }.joined(separator: " ")
        let child = spawn(try Child(shell: makes.joined(separator: "\n") + "\nexec \(opens) sleep 1000", arguments: [dir]))
        XCTAssertTrue(child.waitForExec("sleep"))

        let spec = PinSpec(kind: .taskFile, params: .pid(UInt32(child.pid)))
        try pins.create([spec])
        let text = try cat(spec.name).text
        var paths: [Int: String] = [:]
        for row in text.split(separator: "\n").dropFirst() {
            let fields = row.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            XCTAssertEqual(fields.count, 6, String(row))
            if fields.count == 6, let fd = Int(fields[1]) { paths[fd] = String(fields[5]) }
        }
        let prefix = Features.current.supports(.fileDPath) ? dir + "/" : "\u{2026}/"
        for (i, name) in names.enumerated() {
            XCTAssertEqual(paths[i + 3], prefix + escapedLikeTheKernel(name), "fd \(i + 3): \(name)")
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

import Encoding
import TestSupport
import XCTest
@testable import BPFNavCLI

/// -p/--pretty, --color, --version and several objects at once.
final class GlobalOptionTests: XCTestCase {
    private func run(_ args: [String]) -> (status: Int32, stdout: String, stderr: String) {
        defer {
            Output.standardOutput.pretty = nil
            Colour.enabled = false
        }
        return captureStandardStreams { CLI.run(args) }
    }

    private func pretty(_ text: String, chunk: Int = 1 << 20) -> String {
        var printer = PrettyJSON()
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            out += bytes[start..<end].withUnsafeBufferPointer { printer.feed($0) }
            start = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    func testPrettyJSONIndentsByFourAndKeepsStringsAndEmptyContainers() {
        let compact = #"[{"id":1,"name":"a,b:{c}\"[","maps":[],"o":{},"n":[1,2]},{"id":2}]"# + "\n"
        let expected = """
        [
            {
                "id": 1,
                "name": "a,b:{c}\\"[",
                "maps": [],
                "o": {},
                "n": [
                    1,
                    2
                ]
            },
            {
                "id": 2
            }
        ]

        """
        XCTAssertEqual(pretty(compact), expected)
        // Flushed at any byte, the same text.
        XCTAssertEqual(pretty(compact, chunk: 1), expected)
        XCTAssertEqual(pretty(compact, chunk: 7), expected)
        // Objects one per line (NDJSON, errors): each ends its own line.
        XCTAssertEqual(pretty("{\"a\":1}\n{\"b\":[]}\n"), "{\n    \"a\": 1\n}\n{\n    \"b\": []\n}\n")
    }

    func testDashPIsPrettyJSON() {
        let r = run(["version", "-p"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("{\n    \"version\": \"\(Version.number)\",\n    \"libbpf_version\": "), r.stdout)
        let long = run(["--pretty", "version"])
        XCTAssertEqual(long.stdout, r.stdout, "--pretty, before the command too, implies --json")
        XCTAssertEqual(run(["version", "-p", "--json"]).stdout, r.stdout)
        let refused = run(["browse", "-p"])
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("'browse' prints no JSON"), refused.stderr)
        XCTAssertEqual(run(["tasks", "-p", "--ndjson"]).status, 64)
        // An option's value is not the flag.
        XCTAssertEqual(CLI.extracting(["-p"], from: ["pin", "--dir", "-p"]).found, false)
    }

    func testVersion() {
        for args in [["--version"], ["-V"], ["version"]] {
            let r = run(args)
            XCTAssertEqual(r.status, 0, "\(args)")
            let lines = r.stdout.split(separator: "\n")
            XCTAssertEqual(lines.count, 3, r.stdout)
            XCTAssertEqual(lines.first.map(String.init), "bpfnav \(Version.number)")
            XCTAssertTrue(lines[1].hasPrefix("using libbpf v1."), r.stdout)
            XCTAssertTrue(lines[2].hasPrefix("features: bpf_objects=") && lines[2].contains("task_file"), r.stdout)
        }
        XCTAssertNotNil(Version.number.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+/))
        let json = run(["version", "--json"]).stdout
        XCTAssertTrue(json.hasPrefix("{\"version\":\"\(Version.number)\",\"libbpf_version\":\"v1."), json)
    }

    func testColourDecision() {
        XCTAssertTrue(Colour.decide(.auto, isTerminal: true, noColor: nil))
        XCTAssertTrue(Colour.decide(.auto, isTerminal: true, noColor: ""), "NO_COLOR empty counts as unset")
        XCTAssertFalse(Colour.decide(.auto, isTerminal: true, noColor: "1"))
        XCTAssertFalse(Colour.decide(.auto, isTerminal: false, noColor: nil))
        XCTAssertTrue(Colour.decide(.always, isTerminal: false, noColor: "1"))
        XCTAssertFalse(Colour.decide(.never, isTerminal: true, noColor: nil))
        XCTAssertEqual(try Colour.extracting(from: ["progs", "--color=always"]).mode, .always)
        XCTAssertEqual(try Colour.extracting(from: ["--color", "never", "progs"]).args, ["progs"])
        XCTAssertEqual(try Colour.extracting(from: ["cat", "--", "--color=never"]).mode, .auto)
        XCTAssertThrowsError(try Colour.extracting(from: ["--color=sometimes"]))
        XCTAssertThrowsError(try Colour.extracting(from: ["progs", "--color"]), "no value")
        XCTAssertEqual(try Colour.extracting(from: ["pin", "--dir", "--color=never"]).mode, .auto, "an option's value")
        XCTAssertEqual(run(["--color=sometimes", "progs"]).status, 64)
    }

    func testColouredTableHasBoldHeaderAndCyanFirstColumn() {
        Colour.enabled = true
        defer { Colour.enabled = false }
        let text = Table.render(header: ["ID", "NAME"], rows: [["7", "x"], ["123", "y"]])
        XCTAssertEqual(text, "\u{1b}[1mID\u{1b}[0m   \u{1b}[1mNAME\u{1b}[0m\n\u{1b}[36m7\u{1b}[0m    x\n\u{1b}[36m123\u{1b}[0m  y\n",
                       "padding counts the text, not the escapes")
        Colour.enabled = false
        XCTAssertEqual(Table.render(header: ["ID", "NAME"], rows: [["7", "x"]]), "ID  NAME\n7   x\n")
    }

    func testSeveralIDsAndPinsAreWords() {
        let r = run(["prog", "show", "id", "x1"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("not 'x1'"), r.stderr)
        XCTAssertTrue(run(["map", "show"]).stderr.contains("'bpfnav maps' lists every one"))
        let xlated = run(["prog", "1", "2", "--xlated"])
        XCTAssertEqual(xlated.status, 64)
        XCTAssertTrue(xlated.stderr.contains("--xlated prints one program"), xlated.stderr)
    }
}

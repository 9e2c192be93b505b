import TestSupport
import XCTest
@testable import BPFNavCLI

/// `bpfnav serve`'s command line: what --listen takes, and the words
/// bpfnav hands to bpfnav-serve, which must parse to the same options.
final class ServeCommandTests: XCTestCase {
    func testListenForms() throws {
        XCTAssertEqual(try ServeCommand.Listen(parsing: "127.0.0.1:10130"), try ServeCommand.Listen(parsing: ServeCommand.defaultListen))
        let v4 = try ServeCommand.Listen(parsing: "10.1.2.3:0")
        XCTAssertEqual(v4.host, "10.1.2.3")
        XCTAssertEqual(v4.port, 0)
        let v6 = try ServeCommand.Listen(parsing: "[::1]:9")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.port, 9)
        XCTAssertEqual(try ServeCommand.Listen(parsing: ":10130").host, "0.0.0.0")
        for wrong in ["10130", "localhost:10130", "::1:10130", "[::1]", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:", "[1.2.3.4]:5", "1.2.3:80"] {
            XCTAssertThrowsError(try ServeCommand.Listen(parsing: wrong), wrong)
        }
        XCTAssertEqual(ServeOptions(host: "::1", port: 1, budget: 1, allowMapContents: false, countEntries: [], countUpTo: 0, includeOwn: false,
                                    runStats: true, idleTimeout: 1).urlHost, "[::1]")
    }

    func testOptionValuesAreChecked() {
        for (option, value) in [("--budget", "0"), ("--budget", "-1"), ("--budget", "soon"), ("--idle-timeout", "nan"),
                                ("--count-entries", ","), ("--count-entries", "hash,nosuch"), ("--count-entries", "hash,ringbuf"),
                                ("--count-up-to", "-1"), ("--count-up-to", "many"), ("--count-up-to", "+5")] {
            let r = captureStandardStreams { CLI.run(["serve", option, value]) }
            XCTAssertEqual(r.status, 64, "\(option) \(value)")
            XCTAssertTrue(r.stderr.contains(option), r.stderr)
        }
        XCTAssertEqual(try ServeCommand.mapTypes("hash,lru_hash,hash"), ["hash", "lru_hash"])
    }

    /// What bpfnav passes on parses to the same options in bpfnav-serve.
    func testWordsForTheServerRoundTrip() throws {
        let given = ["--listen", "[::1]:0", "--budget", "2.5", "--allow-map-contents", "--count-entries=hash,array",
                     "--count-up-to", "100", "--include-own", "--no-stats", "--idle-timeout", "3"]
        let parsed = try Parser.parse(given, for: ServeCommand.spec)
        let words = ServeCommand.words(parsed)
        XCTAssertEqual(words, ["--listen=[::1]:0", "--budget=2.5", "--allow-map-contents", "--count-entries=hash,array",
                               "--count-up-to=100", "--include-own", "--no-stats", "--idle-timeout=3"])
        let again = try Parser.parse(words, for: ServeCommand.spec)
        XCTAssertEqual(again.flags, parsed.flags)
        XCTAssertEqual(again.values, parsed.values)
        XCTAssertEqual(ServeCommand.words(try Parser.parse([], for: ServeCommand.spec)), [])
    }

    /// The server's hook gets the options, defaults filled in.
    func testHookGetsTheOptions() {
        final class Box: @unchecked Sendable { var options: ServeOptions? }
        let box = Box()
        ServeCommand.server = { options in
            box.options = options
            return 0
        }
        defer { ServeCommand.server = nil }
        XCTAssertEqual(captureStandardStreams { CLI.run(["serve", "--listen", ":0", "--count-entries", "hash"]) }.status, 0)
        XCTAssertEqual(box.options, ServeOptions(host: "0.0.0.0", port: 0, budget: 5, allowMapContents: false, countEntries: ["hash"],
                                                 countUpTo: 4096, includeOwn: false, runStats: true, idleTimeout: 10))
        XCTAssertEqual(captureStandardStreams { CLI.run(["serve", "--count-up-to", "0"]) }.status, 0)
        XCTAssertEqual(box.options?.countUpTo, 0)
    }
}

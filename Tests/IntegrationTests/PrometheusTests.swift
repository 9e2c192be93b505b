import Foundation
import Glibc
import ObjectModel
import TestSupport
import XCTest

/// The exporter end to end: Debian's own Prometheus, started by the test on
/// loopback with a scrape configuration of its own, scrapes `bpfnav serve`;
/// its query API then answers about a program the test loaded, and the
/// Grafana dashboard's queries run against it. Nothing leaves the machine.
final class PrometheusTests: BPFTestCase {
    private var workDirectory = ""
    private var server: ServeProcess?

    override func setUpWithError() throws {
        try super.setUpWithError()
        workDirectory = NSTemporaryDirectory() + "bpfnav-prometheus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        // Prometheus (a child of the test's) stops in super's tearDown.
        server?.stop()
        try super.tearDownWithError()
        try? FileManager.default.removeItem(atPath: workDirectory)
    }

    /// `bpfnav serve` on a free loopback port, and Prometheus scraping it
    /// every second on another: Prometheus's query API.
    private func startBoth(_ prometheus: String) throws -> (api: PrometheusAPI, log: String) {
        let server = try ServeProcess(arguments: ["--listen", "127.0.0.1:0"], cacheDirectory: pinDirectory, viaCLI: true)
        self.server = server
        try server.waitUntilListening()
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: bpfnav
                static_configs:
                  - targets: ['127.0.0.1:\(server.port)']

            """.write(toFile: "\(workDirectory)/prometheus.yml", atomically: true, encoding: .utf8)
        let log = "\(workDirectory)/prometheus.log"
        // Its web port: one the kernel says is free now; Prometheus failing
        // to bind it (taken in between) shows in its log.
        let webPort = try freeLoopbackPort()
        _ = spawn(try Child(shell: #"exec "$1" --config.file="$2/prometheus.yml" --storage.tsdb.path="$2/data" --web.listen-address="127.0.0.1:$3" --log.level=warn 2>"$4""#,
                             arguments: [prometheus, workDirectory, String(webPort), log]))
        let api = PrometheusAPI(port: webPort)
        let ready = waitUntil(timeout: 30) { (try? api.get("/-/ready")) != nil }
        XCTAssertTrue(ready, "Prometheus did not become ready: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        return (api, log)
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    private func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Debian's prometheus: $BPFNAV_PROMETHEUS (./dev test sets it from
    /// Tests/Serve/fetch-prometheus), or one on PATH.
    private func prometheusBinary() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["BPFNAV_PROMETHEUS"], !path.isEmpty { return path }
        for dir in (environment["PATH"] ?? "").split(separator: ":") where access("\(dir)/prometheus", X_OK) == 0 {
            return "\(dir)/prometheus"
        }
        let reason = "no Prometheus server: run Tests/Serve/fetch-prometheus and set BPFNAV_PROMETHEUS to the path it prints"
        if environment["BPFNAV_REQUIRE_BPF"] == "1" { XCTFail(reason) }
        throw XCTSkip(reason)
    }

    func testPrometheusScrapesAProgramAndItsRunRate() throws {
        let prometheus = try prometheusBinary()
        // The demo's program runs at every context switch: the test's own
        // sleeps run it, with the statistics `bpfnav serve` turns on.
        let pins = try Demo(directory: pinDirectory, network: nil).install().pins
        let id = try XCTUnwrap(pins.first { $0.kind == .link }).programID

        let (api, log) = try startBoth(prometheus)

        // After two scrapes: the program's series, with its name and type.
        var info: [[String: Any]] = []
        let seen = waitUntil(timeout: 30) {
            info = (try? api.query("bpf_program_info{id=\"\(id)\"}")) ?? []
            return !info.isEmpty
        }
        XCTAssertTrue(seen, "Prometheus has no bpf_program_info for program \(id); its targets: \((try? api.get("/api/v1/targets")) ?? "?")\nits log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let labels = info.first?["metric"] as? [String: String] ?? [:]
        XCTAssertEqual(labels["name"], "bpfnav_demo_sw", "\(labels)")
        XCTAssertEqual(labels["job"], "bpfnav")

        // rate() of its run count: the test keeps switching contexts.
        var rate = 0.0
        let runs = waitUntil(timeout: 30) {
            usleep(20_000)
            let result = (try? api.query("rate(bpf_program_run_count_total{id=\"\(id)\"}[5s])")) ?? []
            rate = (result.first?["value"] as? [Any])?.last.flatMap { Double(($0 as? String) ?? "") } ?? 0
            return rate > 0
        }
        XCTAssertTrue(runs, "rate(bpf_program_run_count_total{id=\"\(id)\"}[5s]) stayed \(rate)")

        // The scrapes themselves are healthy.
        let up = try api.query("up{job=\"bpfnav\"}")
        XCTAssertEqual((up.first?["value"] as? [Any])?.last as? String, "1", "\(up)")
        let truncated = try api.query("bpfnav_scrape_truncated")
        XCTAssertEqual((truncated.first?["value"] as? [Any])?.last as? String, "0", "\(truncated)")
    }

    /// Every query of the Grafana dashboard is valid PromQL that the real
    /// server runs, and the ones over what this machine has return series.
    func testTheDashboardsQueriesRunOnPrometheus() throws {
        let prometheus = try prometheusBinary()
        _ = try Demo(directory: pinDirectory, network: nil).install()
        let (api, _) = try startBoth(prometheus)
        XCTAssertTrue(waitUntil(timeout: 30) { ((try? api.query("bpf_objects")) ?? []).count >= 3 }, "no bpf_objects scraped")
        // Three scrapes more, so that rate() has samples.
        sleep(3)

        let dashboard = try Dashboard.load()
        XCTAssertFalse(dashboard.queries.isEmpty)
        var empty: [String] = []
        for (title, expr) in dashboard.queries {
            let query = expr
                .replacingOccurrences(of: "$__rate_interval", with: "5s")
                .replacingOccurrences(of: "$instance", with: ".*")
            let result: [[String: Any]]
            do {
                result = try api.query(query)
            } catch {
                XCTFail("panel '\(title)': \(error)\n\(query)")
                continue
            }
            if result.isEmpty { empty.append(title) }
        }
        // Panels over what every machine with the demo has must show it.
        for title in ["Programs", "Maps", "Links", "Map memory", "Scrape", "CPU by program", "Runs per second", "Memory by map"] {
            XCTAssertFalse(empty.contains(title), "panel '\(title)' has no data; empty panels: \(empty)")
        }
    }
}

/// The dashboard in docs/grafana, as the repository has it.
struct Dashboard {
    /// Panel title and PromQL, for every target of every panel.
    let queries: [(String, String)]
    /// Metric families the queries name.
    let metricNames: Set<String>

    static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/grafana/bpfnav-dashboard.json").path
    }

    static func load() throws -> Dashboard {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        var queries: [(String, String)] = []
        for panel in root["panels"] as? [[String: Any]] ?? [] {
            let title = panel["title"] as? String ?? "?"
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                if let expr = target["expr"] as? String { queries.append((title, expr)) }
            }
        }
        var names = Set<String>()
        let regex = try NSRegularExpression(pattern: "\\b(bpf_[a-z_]+|bpfnav_[a-z_]+)")
        for (_, expr) in queries {
            for match in regex.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                names.insert(String(expr[Range(match.range, in: expr)!]))
            }
        }
        return Dashboard(queries: queries, metricNames: names)
    }
}

/// Prometheus's HTTP query API on loopback, through the tests' own HTTP
/// client (no curl to install).
struct PrometheusAPI {
    let port: Int

    /// The body of a GET that answered 200.
    func get(_ path: String) throws -> String {
        let response = try HTTPConnection(port: port, timeout: 5).request("GET", path)
        guard response.status == 200 else { throw PrometheusError(message: "GET \(path): \(response.status) \(response.text)") }
        return response.text
    }

    /// The `result` of an instant query; an error status is thrown.
    func query(_ promql: String) throws -> [[String: Any]] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: allowed) ?? promql
        let response = try HTTPConnection(port: port, timeout: 5).request("GET", "/api/v1/query?query=\(encoded)")
        guard let root = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw PrometheusError(message: "\(response.status), not JSON: \(response.text.prefix(300))")
        }
        guard root["status"] as? String == "success" else {
            throw PrometheusError(message: "\(root["errorType"] ?? "?"): \(root["error"] ?? "?")")
        }
        return (root["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
    }
}

struct PrometheusError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

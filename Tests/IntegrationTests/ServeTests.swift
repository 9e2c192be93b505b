import BPFKit
import CLibBPF
import Foundation
import ObjectModel
import TestSupport
import XCTest

/// `bpfnav serve` over HTTP: the real bpfnav-serve (built beside bpfnav) on
/// 127.0.0.1 with a port the kernel picks, driven by a raw-socket client.
final class ServeTests: BPFTestCase {
    private var servers: [ServeProcess] = []

    override func tearDownWithError() throws {
        for server in servers { server.stop() }
        servers.removeAll()
        try super.tearDownWithError()
    }

    /// Starts bpfnav-serve (or `bpfnav serve` with `viaCLI`) and waits for
    /// its "listening on" line.
    private func serve(_ arguments: [String] = [], viaCLI: Bool = false) throws -> ServeProcess {
        let server = try ServeProcess(arguments: ["--listen", "127.0.0.1:0"] + arguments, cacheDirectory: pinDirectory,
                                      viaCLI: viaCLI)
        servers.append(server)
        try server.waitUntilListening()
        return server
    }

    /// As the README's unit runs it: a user of its own (here nobody) with
    /// CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN and nothing else, and a bpffs
    /// directory of its own. It sees the program the test loaded and the
    /// processes holding objects; with CAP_BPF and CAP_PERFMON alone it
    /// says it cannot list objects (EPERM).
    func testRunsAsANonRootUserWithTheUnitsCapabilities() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv (util-linux)")
        // nobody must be able to run the server: a copy outside the build
        // directory, which may not be open to others.
        let directory = NSTemporaryDirectory() + "bpfnav-serve-nobody-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = directory + "/bpfnav-serve"
        try FileManager.default.copyItem(atPath: ServeProcess.binary, toPath: copy)
        XCTAssertEqual(chmod(directory, 0o755), 0)
        XCTAssertEqual(chmod(copy, 0o755), 0)
        // Its program cache: a directory of nobody's in the test's own.
        XCTAssertEqual(chmod(pinDirectory, 0o711), 0)
        let cache = pinDirectory + "/nobody"
        XCTAssertEqual(mkdir(cache, 0o700), 0)
        XCTAssertEqual(chown(cache, 65534, 65534), 0)

        let name = uniqueName("nobody")
        let program = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: name)
        let id = try ObjectIdentity.id(of: program.raw, kind: .program)
        func runner(_ caps: String) -> [String] {
            ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             "--inh-caps=-all,\(caps)", "--ambient-caps=-all,\(caps)", "--bounding-set=-all,\(caps)"]
        }

        let server = try ServeProcess(arguments: ["--listen", "127.0.0.1:0"], cacheDirectory: cache, viaCLI: false,
                                      runner: runner("+bpf,+perfmon,+sys_admin"), binary: copy)
        servers.append(server)
        try server.waitUntilListening()
        let owner = try String(contentsOfFile: "/proc/\(server.pid)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("Uid:") }
        XCTAssertEqual(owner?.split(separator: "\t").dropFirst().first, "65534", "the server does not run as nobody")
        XCTAssertEqual(try get(server, "/healthz").status, 200, server.log)
        let metrics = try get(server, "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains("bpf_program_info{id=\"\(id)\",name=\"\(name)\""),
                      "nobody's server does not list program \(id): \(metrics.text.prefix(2000))")
        // The test process holds the program: the holders come from the
        // task_file iterator, which needs no ptrace rights over it.
        XCTAssertGreaterThanOrEqual(sample("bpf_holder_processes", in: metrics.text) ?? 0, 1, server.log)
        XCTAssertEqual(sample("bpfnav_scrape_truncated", in: metrics.text), 0)

        let weak = try ServeProcess(arguments: ["--listen", "127.0.0.1:0"], cacheDirectory: cache, viaCLI: false,
                                    runner: runner("+bpf,+perfmon"), binary: copy)
        servers.append(weak)
        try weak.waitUntilListening()
        let health = try get(weak, "/healthz")
        XCTAssertEqual(health.status, 503, health.text)
        XCTAssertTrue(health.text.contains("EPERM"), health.text)
    }

    private func get(_ server: ServeProcess, _ path: String, method: String = "GET",
                     headers: [String: String] = [:]) throws -> HTTPResponse {
        try HTTPConnection(port: server.port).request(method, path, headers: headers)
    }

    /// The value of a sample without labels in an exposition.
    private func sample(_ name: String, in exposition: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            .flatMap { Double($0.split(separator: " ")[1]) }
    }

    func testProgsEqualBpfnavProgsJSON() throws {
        let name = uniqueName("srvp")
        let fd = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: name)
        let id = try ProgramInfo(fd: fd.raw).id
        let server = try serve()
        let response = try get(server, "/api/v1/progs")
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        let cli = try bpfnav("progs", "--json")
        XCTAssertEqual(cli.status, 0, cli.stderr)
        let served = try XCTUnwrap(try JSONText.parse(response.body) as? [[String: Any]])
        let printed = try XCTUnwrap(try JSONText.parse(cli.stdout) as? [[String: Any]])
        let ours = { (list: [[String: Any]]) in list.first { ($0["id"] as? Int) == Int(id) } }
        let a = try XCTUnwrap(ours(served), "program \(id) not in /api/v1/progs")
        let b = try XCTUnwrap(ours(printed), "program \(id) not in bpfnav progs --json")
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        // Counters move between the two reads; everything else is the same.
        let moving: Set<String> = ["run_time_ns", "run_cnt", "recursion_misses"]
        let canonical = { (value: Any?) in
            value.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
        }
        for key in a.keys where !moving.contains(key) {
            XCTAssertEqual(canonical(a[key]), canonical(b[key]), "field \(key): \(a[key] ?? "nil") against \(b[key] ?? "nil")")
        }
        XCTAssertEqual(a["name"] as? String, name)
        // HEAD: the status and headers, no body.
        let head = try get(server, "/api/v1/progs", method: "HEAD")
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
        // An object of its own, and one that does not exist.
        let one = try get(server, "/api/v1/prog/\(id)")
        XCTAssertEqual(one.status, 200, one.text)
        XCTAssertEqual((try JSONText.parse(one.body) as? [String: Any])?["id"] as? Int, Int(id))
        let missing = try get(server, "/api/v1/prog/4294967295")
        XCTAssertEqual(missing.status, 404, missing.text)
        XCTAssertNotNil((try JSONText.parse(missing.body) as? [String: Any])?["error"], missing.text)
        XCTAssertGreaterThanOrEqual(fd.raw, 0)
    }

    func testMetricsParseAndHoldTheProgram() throws {
        let fd = try loadProgram(BPF_PROG_TYPE_SOCKET_FILTER, name: uniqueName("srvm"))
        let id = try ProgramInfo(fd: fd.raw).id
        let server = try serve()
        let response = try get(server, "/metrics", headers: ["X-Prometheus-Scrape-Timeout-Seconds": "10"])
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        // The text format: comments, or NAME{LABELS} VALUE.
        let sampleLine = try NSRegularExpression(pattern: #"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [^ ]+( -?[0-9]+)?$"#)
        for line in response.text.split(separator: "\n") where !line.hasPrefix("#") {
            let text = String(line)
            XCTAssertNotNil(sampleLine.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)), "not a sample: \(text)")
            XCTAssertNotNil(Double(text.split(separator: " ").last!) ?? (text.hasSuffix("NaN") ? 0 : nil), text)
        }
        XCTAssertTrue(response.text.contains("id=\"\(id)\""), "program \(id) missing from\n\(response.text.prefix(2000))")
        XCTAssertGreaterThanOrEqual(fd.raw, 0)
    }

    func testUnknownPathsWrongMethodsAndBadParameters() throws {
        let server = try serve()
        let unknown = try get(server, "/nothing-here")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertNotNil((try JSONText.parse(unknown.body) as? [String: Any])?["error"], unknown.text)
        XCTAssertEqual(try get(server, "/api/v1/nothing").status, 404)
        for (method, path) in [("POST", "/metrics"), ("DELETE", "/api/v1/progs"), ("PUT", "/healthz")] {
            let response = try get(server, path, method: method)
            XCTAssertEqual(response.status, 405, "\(method) \(path)")
            XCTAssertEqual(response.headers["allow"], "GET, HEAD", "\(method) \(path)")
        }
        let bad = try get(server, "/api/v1/progs?bogus=1")
        XCTAssertEqual(bad.status, 400, bad.text)
        XCTAssertTrue(bad.text.contains("bogus"), bad.text)
        // A parameter the command takes, with a value it refuses: its usage error.
        let refused = try get(server, "/api/v1/tasks?pid=abc")
        XCTAssertEqual(refused.status, 400, refused.text)
        let pid = try get(server, "/api/v1/tasks?pid=\(getpid())")
        XCTAssertEqual(pid.status, 200, pid.text)
        let tasks = try XCTUnwrap(try JSONText.parse(pid.body) as? [[String: Any]])
        XCTAssertFalse(tasks.isEmpty)
        XCTAssertTrue(tasks.allSatisfy { ($0["pid"] as? Int) == Int(getpid()) })
        // A request with a body is refused.
        let connection = try HTTPConnection(port: server.port)
        connection.send("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd")
        XCTAssertEqual(try connection.response().status, 413)
        let health = try get(server, "/healthz")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.text, "ok\n")
        let index = try get(server, "/")
        XCTAssertEqual(index.status, 200)
        XCTAssertTrue(index.text.contains("/api/v1/progs"), index.text)
    }

    func testKeepAliveAnswersSeveralRequestsOnOneConnection() throws {
        let server = try serve()
        let connection = try HTTPConnection(port: server.port)
        connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/links HTTP/1.1\r\nHost: x\r\n\r\n" +
                        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let all = String(decoding: try XCTUnwrap(connection.readToEnd()), as: UTF8.self)
        XCTAssertEqual(all.components(separatedBy: "HTTP/1.1 200 OK\r\n").count - 1, 3, all)
    }

    /// An output past the first 64 KiB is streamed (chunked, 200) and
    /// arrives whole.
    func testLargeOutputIsStreamedWhole() throws {
        let entries: UInt32 = 4000
        let map = try createMap(BPF_MAP_TYPE_HASH, uniqueName("srvbig"), value: 8, entries: entries)
        for i in 0..<entries {
            var key = i
            var value = UInt64(i) * 3
            XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, &value, 0), 0)
        }
        let id = try MapInfo(fd: map.fd.raw).id
        let server = try serve(["--allow-map-contents"])
        let served = try get(server, "/api/v1/map/\(id)/entries")
        XCTAssertEqual(served.status, 200)
        XCTAssertEqual(served.headers["transfer-encoding"], "chunked")
        let cli = try bpfnav("map", "dump", String(id), "--json")
        XCTAssertGreaterThan(cli.stdout.count, 64 * 1024)
        XCTAssertEqual(served.body, cli.stdout)
        XCTAssertEqual((try JSONText.parse(served.body) as? [Any])?.count, Int(entries))
    }

    /// A handful of /api/v1 commands at once; the next gets 503 with
    /// Retry-After. A client that goes away takes its command with it.
    func testChildrenAreCappedAndEndWithTheirClients() throws {
        let entries: UInt32 = 100_000
        let map = try createMap(BPF_MAP_TYPE_HASH, uniqueName("srvcap"), value: 8, entries: entries)
        for i in 0..<entries {
            var key = i
            var value = UInt64(i)
            XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, &value, 0), 0)
        }
        let id = try MapInfo(fd: map.fd.raw).id
        let server = try serve(["--allow-map-contents"])
        // Four clients that ask for about 10 MB each and read none of it:
        // their commands wait on a full pipe.
        var stalled: [HTTPConnection] = []
        for _ in 0..<4 {
            let connection = try HTTPConnection(port: server.port, receiveBuffer: 4096)
            connection.send("GET /api/v1/map/\(id)/entries HTTP/1.1\r\nHost: x\r\n\r\n")
            stalled.append(connection)
        }
        XCTAssertTrue(waitUntil(timeout: 10) { self.children(of: server.pid).count == 4 },
                      "children: \(children(of: server.pid))")
        let refused = try get(server, "/api/v1/progs")
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertEqual(refused.headers["retry-after"], "1")
        // /metrics does not wait for them.
        XCTAssertEqual(try get(server, "/metrics").status, 200)
        stalled.removeAll()
        XCTAssertTrue(waitUntil(timeout: 10) { self.children(of: server.pid).isEmpty },
                      "children left after their clients went: \(children(of: server.pid))")
        XCTAssertEqual(try get(server, "/api/v1/links").status, 200)
    }

    func testMapEntriesOnlyWithTheFlag() throws {
        let map = try createMap(BPF_MAP_TYPE_HASH, uniqueName("srvh"), value: 8, entries: 4)
        var key: UInt32 = 7
        var value: UInt64 = 42
        XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, &value, 0), 0)
        let id = try MapInfo(fd: map.fd.raw).id
        let closed = try serve()
        let refused = try get(closed, "/api/v1/map/\(id)/entries")
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.text.contains("--allow-map-contents"), refused.text)
        XCTAssertEqual(try get(closed, "/api/v1/map/\(id)").status, 200)

        let open = try serve(["--allow-map-contents"])
        let served = try get(open, "/api/v1/map/\(id)/entries")
        XCTAssertEqual(served.status, 200, served.text)
        let entries = try XCTUnwrap(try JSONText.parse(served.body) as? [[String: Any]], served.text)
        XCTAssertEqual(entries.count, 1)
        let cli = try bpfnav("map", "dump", String(id), "--json")
        XCTAssertEqual(served.text, cli.text)
    }

    func testSlowClientIsClosedWhileOthersAreServed() throws {
        let idle = 2.0 * testTimeScale
        let server = try serve(["--idle-timeout", String(idle)])
        let slow = try HTTPConnection(port: server.port, timeout: idle * 4)
        slow.send("GET /met")
        let started = Date()
        let other = try get(server, "/metrics")
        XCTAssertEqual(other.status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(started), idle, "the other client waited for the slow one")
        // The slow one is closed by the server (end of file, no response).
        let rest = slow.readToEnd()
        XCTAssertNotNil(rest, "the slow client was not closed within \(idle * 4) s")
        XCTAssertEqual(rest?.count, 0, "the slow client got a response: \(String(decoding: rest ?? [], as: UTF8.self))")
        XCTAssertGreaterThan(Date().timeIntervalSince(started), idle * 0.5)
    }

    /// 200 scrapes at once share the collections in flight. Each collection
    /// here counts a 100,000-entry hash map's entries, so that it takes a
    /// while, as it does on a machine with many objects.
    func testConcurrentScrapesShareCollectionsWithBoundedMemory() throws {
        let map = try createMap(BPF_MAP_TYPE_HASH, uniqueName("srvcnt"), value: 8, entries: 100_000)
        for i in UInt32(0)..<100_000 {
            var key = i
            var value = UInt64(i)
            XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, &value, 0), 0)
        }
        let server = try serve(["--count-entries", "hash"])
        let first = try get(server, "/metrics")
        let before = try XCTUnwrap(sample("bpfnav_collections_total", in: first.text), "no bpfnav_collections_total")
        let rssBefore = try XCTUnwrap(server.rssKiB)
        let connections = try (0..<200).map { _ in try HTTPConnection(port: server.port) }
        for connection in connections {
            connection.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        }
        let statuses = try connections.map { try $0.response().status }
        XCTAssertEqual(statuses.filter { $0 == 200 }.count, 200, "statuses: \(Set(statuses))")
        let after = try XCTUnwrap(sample("bpfnav_collections_total", in: try get(server, "/metrics").text))
        // 200 scrapes, one last one, and far fewer collections.
        XCTAssertLessThan(after - before, 50, "\(after - before) collections for 201 scrapes")
        let rssAfter = try XCTUnwrap(server.rssKiB)
        XCTAssertLessThan(rssAfter, rssBefore + 64 * 1024, "VmRSS \(rssBefore) -> \(rssAfter) kB")
    }

    func testKilledMidScrapeLeavesNothingBehind() throws {
        let bpffsBefore = bpffsPaths()
        let statsHeldBefore = statsHolders()
        let server = try serve()
        let serverHoldsStats = waitUntil(timeout: 2) { statsHolders().contains(server.pid) }
        if statsHeldBefore.isEmpty, RunStats.sysctlEnabled() == false {
            XCTAssertTrue(serverHoldsStats, "the server holds no bpf-stats fd")
        }
        // A scrape and an /api/v1 request in flight: the latter's bpfnav
        // child is running when the server dies.
        let scrape = try HTTPConnection(port: server.port)
        scrape.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let api = try HTTPConnection(port: server.port)
        api.send("GET /api/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        var children: [pid_t] = []
        XCTAssertTrue(waitUntil(timeout: 5) {
            children = self.children(of: server.pid)
            return !children.isEmpty
        }, "no bpfnav child for /api/v1/files")
        server.kill(SIGKILL)
        // The orphaned child ends too (its output has nowhere to go).
        for child in children {
            XCTAssertTrue(waitUntil(timeout: 10) {
                let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)
                return stat == nil || stat!.contains(") Z ")
            }, "bpfnav child \(child) outlived the server")
        }
        // Statistics are off again unless others hold them: nothing of
        // the server's keeps a bpf-stats fd.
        let holders = statsHolders()
        XCTAssertTrue(holders.isDisjoint(with: [server.pid] + children), "bpf-stats fds still held by \(holders)")
        XCTAssertEqual(bpffsPaths().subtracting(bpffsBefore), [], "new pins in bpffs")
    }

    func testSIGTERMExitsZeroAndReleasesStatistics() throws {
        let othersHoldStats = !statsHolders().isEmpty || RunStats.sysctlEnabled() != false
        let server = try serve()
        XCTAssertEqual(try get(server, "/metrics").status, 200)
        if !othersHoldStats {
            XCTAssertTrue(statsHolders().contains(server.pid), "the server holds the statistics while it runs")
        }
        let status = server.kill(SIGTERM, within: 5)
        XCTAssertEqual(status, 0, server.log)
        XCTAssertFalse(statsHolders().contains(server.pid), "statistics still held after SIGTERM")
        XCTAssertEqual(server.log.split(separator: "\n").count, 1, "more than the listening line:\n\(server.log)")
    }

    func testPortInUseFailsClearly() throws {
        let first = try serve()
        // Through bpfnav, which runs bpfnav-serve from beside it.
        let second = try bpfnav(["serve", "--listen", "127.0.0.1:\(first.port)", "--no-stats"])
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("127.0.0.1:\(first.port)"), second.stderr)
        XCTAssertTrue(second.stderr.contains("EADDRINUSE"), second.stderr)
        XCTAssertEqual(second.stderr.split(separator: "\n").count, 2, second.stderr)
    }

    /// Headers past the decoder's limit: 400, and the connection closed
    /// then (not at the idle timeout).
    func testOversizedHeadersAreRefused() throws {
        let idle = 60 * testTimeScale
        let server = try serve(["--idle-timeout", String(idle)])
        let connection = try HTTPConnection(port: server.port, timeout: idle * 2)
        let started = Date()
        connection.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: \(String(repeating: "a", count: 32 * 1024))\r\n\r\n")
        let refused = try connection.response()
        XCTAssertEqual(refused.status, 400)
        XCTAssertLessThan(Date().timeIntervalSince(started), idle / 2, "closed only at the idle timeout")
        XCTAssertEqual(try get(server, "/healthz").status, 200)
    }

    func testSIGINTExitsZero() throws {
        let server = try serve()
        XCTAssertEqual(try get(server, "/healthz").status, 200)
        XCTAssertEqual(server.kill(SIGINT, within: 5), 0, server.log)
    }

    /// bpfnav without bpfnav-serve beside it (or with one it cannot run)
    /// says which file it looked for and what to do.
    func testMissingServerIsAClearError() throws {
        let directory = try temporaryDirectory("bpfnav-serve-missing")
        let copy = directory + "/bpfnav"
        try FileManager.default.copyItem(atPath: bpfnavBinary, toPath: copy)
        let missing = try runCommand(copy, ["serve", "--listen", "127.0.0.1:0"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("\(directory)/bpfnav-serve"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("ENOENT"), missing.stderr)
        XCTAssertTrue(missing.stderr.contains("install both there"), missing.stderr)
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/bpfnav-serve", contents: Data("#!/bin/sh\n".utf8),
                                                     attributes: [.posixPermissions: 0o644]))
        let notExecutable = try runCommand(copy, ["serve"])
        XCTAssertEqual(notExecutable.status, 1, notExecutable.stderr)
        XCTAssertTrue(notExecutable.stderr.contains("EACCES"), notExecutable.stderr)
    }

    func testCLIRunsTheServer() throws {
        let server = try serve(["--no-stats"], viaCLI: true)
        XCTAssertEqual(try get(server, "/healthz").status, 200)
        let help = try bpfnav("serve", "--help")
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.text.contains("--allow-map-contents"))
    }

    /// Every path under the mounted bpffs, but for this test's and this
    /// process's own directories and other test runs'.
    private func bpffsPaths() -> Set<String> {
        let root = BPFFS.defaultMount
        var paths = Set<String>()
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        while let path = walker.nextObject() as? String {
            let full = root + "/" + path
            if full.hasPrefix(pinDirectory) || full.hasPrefix(ProcessCacheDirectory.path) { continue }
            // Other test runs' own directories come and go meanwhile.
            if full.hasPrefix(root + "/bpfnav-test-"), !full.hasPrefix(root + "/bpfnav-test-\(getpid())-") { continue }
            paths.insert(full)
        }
        return paths
    }

    /// The processes whose parent is `pid`.
    private func children(of pid: pid_t) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let child = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
        }
    }

    /// Processes holding a BPF_ENABLE_STATS fd.
    private func statsHolders() -> Set<pid_t> {
        var holders = Set<pid_t>()
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry) else { continue }
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == "anon_inode:bpf-stats" {
                    holders.insert(pid)
                }
            }
        }
        return holders
    }
}

/// A running bpfnav-serve: its pid, port and stderr.
final class ServeProcess {
    let child: Child
    let logPath: String
    private(set) var port = 0
    var pid: pid_t { child.pid }

    static var binary: String {
        URL(fileURLWithPath: bpfnavBinary).deletingLastPathComponent().appendingPathComponent("bpfnav-serve").path
    }

    /// `runner`: words before the server's (setpriv and its options);
    /// `binary`: another copy of bpfnav-serve.
    init(arguments: [String], cacheDirectory: String, viaCLI: Bool, runner: [String] = [], binary: String? = nil) throws {
        logPath = NSTemporaryDirectory() + "bpfnav-serve-\(UUID().uuidString).log"
        let command = runner + (viaCLI ? [bpfnavBinary, "serve"] : [binary ?? Self.binary])
        child = try Child(shell: #"log=$1; export BPFNAV_CACHE_DIR="$2"; shift 2; exec "$@" 2>"$log""#,
                          arguments: [logPath, cacheDirectory] + command + arguments)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits for the whole "listening on" line (the log may be read while
    /// the server writes it) and takes the port from it.
    func waitUntilListening() throws {
        let prefix = "bpfnav serve: listening on http://127.0.0.1:"
        var port: Int?
        guard waitUntil(timeout: 20, {
            // Complete lines only: all but what follows the last newline.
            let lines = log.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            port = lines.first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
            return port != nil
        }), let port else {
            throw HTTPClientError("bpfnav-serve did not start listening: \(log)")
        }
        self.port = port
    }

    /// VmRSS in kB, from /proc.
    var rssKiB: Int? {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
    }

    /// Sends `signal` and reaps the server; its exit status (128 + signal
    /// if a signal ended it), nil if it did not end within `within` seconds.
    /// The zombie's /proc/PID/stat has it (exit_code, the last field), read
    /// before the reaping, so that the pid cannot be reused meanwhile.
    @discardableResult
    func kill(_ signal: Int32, within: Double = 5) -> Int32? {
        Glibc.kill(pid, signal)
        guard waitUntil(timeout: within, { child.state == "Z" }),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let last = stat.split(separator: " ").last,
              let status = Int32(last.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        child.stop()
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    func stop() {
        child.stop()
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

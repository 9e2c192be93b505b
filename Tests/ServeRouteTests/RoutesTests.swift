import XCTest
@testable import bpfnav_serve

/// Which path answers what, with which command line; what is refused.
final class RoutesTests: XCTestCase {
    private func route(_ uri: String, method: String = "GET", allow: Bool = false) -> Result<Route, RouteError> {
        Routes.route(method: method, uri: uri, allowMapContents: allow)
    }

    private func arguments(_ uri: String, allow: Bool = false, file: StaticString = #filePath, line: UInt = #line) -> [String]? {
        guard case .success(.api(let arguments)) = route(uri, allow: allow) else {
            XCTFail("\(uri): \(route(uri, allow: allow))", file: file, line: line)
            return nil
        }
        return arguments
    }

    private func status(_ uri: String, method: String = "GET") -> Int? {
        if case .failure(let error) = route(uri, method: method) { return error.status }
        return nil
    }

    func testEveryEndpointRunsItsCommandWithJSON() {
        XCTAssertEqual(arguments("/api/v1/progs"), ["progs", "--json"])
        XCTAssertEqual(arguments("/api/v1/maps"), ["maps", "--json"])
        XCTAssertEqual(arguments("/api/v1/cgroup/tree?effective&root=/sys/fs/cgroup/a%20b"),
                       ["cgroup", "tree", "--json", "--effective", "--", "/sys/fs/cgroup/a b"])
        XCTAssertEqual(arguments("/api/v1/tasks?pid=12"), ["tasks", "--json", "--pid=12"])
        XCTAssertEqual(arguments("/api/v1/pins?path=/sys/fs/bpf/x"), ["pins", "--json", "--dir=/sys/fs/bpf/x"])
        XCTAssertEqual(arguments("/api/v1/prog/42?xlated=1&linum=true"), ["prog", "42", "--json", "--xlated", "--linum"])
        XCTAssertEqual(arguments("/api/v1/link/7"), ["link", "7", "--json"])
        XCTAssertEqual(arguments("/api/v1/map/3/entries?limit=10", allow: true), ["map", "dump", "3", "--json", "--limit=10"])
        // A value that looks like an option stays a value.
        XCTAssertEqual(arguments("/api/v1/tasks?pid=--help"), ["tasks", "--json", "--pid=--help"])
        for path in Routes.paths where !path.contains("{id}") {
            if case .failure(let error) = route(path) { XCTFail("\(path): \(error)") }
        }
    }

    func testRefusals() {
        XCTAssertEqual(status("/nope"), 404)
        XCTAssertEqual(status("/api/v1/nope"), 404)
        XCTAssertEqual(status("/api/v1/prog/1/extra"), 404)
        XCTAssertEqual(status("/nope", method: "POST"), 404)
        XCTAssertEqual(status("/metrics", method: "POST"), 405)
        if case .failure(let error) = route("/api/v1/progs", method: "DELETE") {
            XCTAssertEqual(error.allow, "GET, HEAD")
        } else {
            XCTFail("DELETE accepted")
        }
        XCTAssertEqual(status("/api/v1/progs?pid=1"), 400)
        XCTAssertEqual(status("/api/v1/tasks?pid=1&pid=2"), 400)
        XCTAssertEqual(status("/api/v1/tasks?pid="), 400)
        XCTAssertEqual(status("/api/v1/cgroup/tree?effective=no"), 400)
        XCTAssertEqual(status("/api/v1/cgroup/tree?root=relative"), 400)
        XCTAssertEqual(status("/api/v1/prog/0"), 400)
        XCTAssertEqual(status("/api/v1/prog/-1"), 400)
        XCTAssertEqual(status("/api/v1/prog/+1"), 400)
        XCTAssertEqual(status("/metrics?x=1"), 400)
        XCTAssertEqual(route("/api/v1/map/3/entries").map { if case .forbidden = $0 { true } else { false } }, .success(true))
        XCTAssertEqual(route("/metrics", method: "HEAD"), .success(.metrics))
    }

    func testStatusOfTheCommandsExit() {
        let enoent = Array(#"{"error":"show program 9: No such file or directory (ENOENT)","errno":"ENOENT"}"#.utf8)
        XCTAssertEqual(APIProxy.status(exit: 0, body: []), 200)
        XCTAssertEqual(APIProxy.status(exit: 64, body: []), 400)
        XCTAssertEqual(APIProxy.status(exit: 1, body: enoent), 404)
        XCTAssertEqual(APIProxy.status(exit: 1, body: Array(#"{"error":"x","errno":"ESRCH"}"#.utf8)), 404)
        XCTAssertEqual(APIProxy.status(exit: 1, body: Array(#"{"error":"x","errno":"EPERM"}"#.utf8)), 500)
        XCTAssertEqual(APIProxy.status(exit: 1, body: Array(#"{"error":"x"}"#.utf8)), 500)
        XCTAssertEqual(APIProxy.status(exit: nil, body: enoent), 500)
    }

    func testErrorJSONEscapes() {
        XCTAssertEqual(String(decoding: errorJSON("a \"b\" \\ \n\u{1}"), as: UTF8.self), #"{"error":"a \"b\" \\ \n\u0001"}"# + "\n")
    }
}

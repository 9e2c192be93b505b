// The endpoints: which path answers what, and which query parameters each
// takes. Only GET and HEAD anywhere; nothing here changes anything.

/// What a request asks for, once its path and query are understood.
enum Route: Equatable {
    case index
    case metrics
    case health
    /// A CLI command's JSON: bpfnav run with these arguments.
    case api(arguments: [String])
    /// Map contents without --allow-map-contents.
    case forbidden(String)
}

/// A request the routes refuse: the status and the error's message.
struct RouteError: Error, Equatable {
    let status: Int
    let message: String
    /// For 405: the methods the path takes.
    var allow: String?
}

enum Routes {
    static let methods = "GET, HEAD"

    /// One /api/v1 endpoint: the command's words, and the query parameters
    /// it takes as the option each becomes.
    struct Endpoint {
        let path: String
        let command: [String]
        let parameters: [String: Parameter]
    }

    /// How a query parameter becomes command-line words; values always
    /// inline (`--pid=VALUE`), so a value never reads as an option.
    enum Parameter {
        /// `--NAME=VALUE`.
        case value(String)
        /// `--NAME` for `?NAME`, `?NAME=1`, `?NAME=true`.
        case flag(String)
        /// A positional argument after `--`, which must be an absolute path.
        case path
    }

    static let task: [String: Parameter] = ["pid": .value("pid"), "tid": .value("tid")]

    /// Endpoints without an id, `/api/v1/NAME`.
    static let lists: [Endpoint] = [
        Endpoint(path: "progs", command: ["progs"], parameters: [:]),
        Endpoint(path: "maps", command: ["maps"], parameters: [:]),
        Endpoint(path: "links", command: ["links"], parameters: [:]),
        Endpoint(path: "pins", command: ["pins"], parameters: ["path": .value("dir")]),
        Endpoint(path: "tasks", command: ["tasks"], parameters: task),
        Endpoint(path: "files", command: ["files"], parameters: task),
        Endpoint(path: "vmas", command: ["vmas"], parameters: task),
        Endpoint(path: "net", command: ["net"], parameters: [:]),
        Endpoint(path: "features", command: ["features"], parameters: [:]),
        Endpoint(path: "cgroup/tree", command: ["cgroup", "tree"], parameters: ["effective": .flag("effective"), "root": .path]),
    ]

    /// Endpoints of one object, `/api/v1/KIND/ID[/entries]`.
    static let objects: [Endpoint] = [
        Endpoint(path: "prog/{id}", command: ["prog"], parameters: ["xlated": .flag("xlated"), "linum": .flag("linum")]),
        Endpoint(path: "map/{id}", command: ["map"], parameters: [:]),
        Endpoint(path: "link/{id}", command: ["link"], parameters: [:]),
        Endpoint(path: "map/{id}/entries", command: ["map", "dump"], parameters: ["limit": .value("limit")]),
    ]

    /// Every path, for the index and the 404's message.
    static var paths: [String] {
        ["/metrics", "/healthz"] + (lists + objects).map { "/api/v1/" + $0.path }
    }

    /// The route of `method` on `uri` (path and query).
    static func route(method: String, uri: String, allowMapContents: Bool) -> Result<Route, RouteError> {
        let (path, query) = split(uri)
        let route: Result<Route, RouteError>
        switch path {
        case "/": route = query.isEmpty ? .success(.index) : .failure(noParameters(path))
        case "/metrics": route = query.isEmpty ? .success(.metrics) : .failure(noParameters(path))
        case "/healthz": route = query.isEmpty ? .success(.health) : .failure(noParameters(path))
        default:
            guard path.hasPrefix("/api/v1/") else {
                return .failure(RouteError(status: 404, message: "no endpoint \(path): see / for the list"))
            }
            route = api(String(path.dropFirst("/api/v1/".count)), query: query, allowMapContents: allowMapContents)
        }
        if case .failure(let error) = route, error.status == 404 { return route }
        guard method == "GET" || method == "HEAD" else {
            return .failure(RouteError(status: 405, message: "\(path) takes GET and HEAD only: bpfnav serve changes nothing", allow: methods))
        }
        return route
    }

    private static func noParameters(_ path: String) -> RouteError {
        RouteError(status: 400, message: "\(path) takes no query parameters")
    }

    /// The path, percent-decoded, and the query's parameters in order.
    static func split(_ uri: String) -> (path: String, query: [(String, String)]) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = percentDecoded(parts[0])
        guard parts.count > 1 else { return (path, []) }
        let query = parts[1].split(separator: "&").map { pair -> (String, String) in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (percentDecoded(kv[0]), kv.count > 1 ? percentDecoded(kv[1]) : "")
        }
        return (path, query)
    }

    /// `%2F` as `/`, `+` as a space (form encoding, as curl -G sends it);
    /// a malformed escape stays as it is.
    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
               let value = UInt8(String(decoding: utf8[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
                continue
            }
            bytes.append(byte == UInt8(ascii: "+") ? 0x20 : byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func api(_ rest: String, query: [(String, String)], allowMapContents: Bool) -> Result<Route, RouteError> {
        let words = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let endpoint: Endpoint
        var command: [String]
        if let list = lists.first(where: { $0.path == rest }) {
            endpoint = list
            command = list.command
        } else if words.count >= 2, let object = objects.first(where: { template in
            let parts = template.path.split(separator: "/")
            return parts.count == words.count && zip(parts, words).allSatisfy { $0 == "{id}" || $0 == $1 }
        }) {
            guard let id = UInt32(words[1]), id > 0, words[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                return .failure(RouteError(status: 400, message: "/api/v1/\(rest): the id must be a positive number, not '\(words[1])'"))
            }
            if object.path.hasSuffix("/entries"), !allowMapContents {
                return .success(.forbidden("map contents are not served: they can hold secrets; start bpfnav serve with --allow-map-contents to serve them"))
            }
            endpoint = object
            command = object.command + [String(id)]
        } else {
            return .failure(RouteError(status: 404, message: "no endpoint /api/v1/\(rest): see / for the list"))
        }
        command.append("--json")
        var positionals: [String] = []
        var seen = Set<String>()
        for (name, value) in query {
            guard let parameter = endpoint.parameters[name] else {
                let known = endpoint.parameters.keys.sorted().map { "?\($0)" }
                return .failure(RouteError(status: 400, message: "/api/v1/\(endpoint.path) takes " +
                    (known.isEmpty ? "no query parameters" : "only \(known.joined(separator: ", "))") + ", not ?\(name)"))
            }
            guard seen.insert(name).inserted else {
                return .failure(RouteError(status: 400, message: "?\(name) was given twice"))
            }
            switch parameter {
            case .value(let option):
                guard !value.isEmpty else { return .failure(RouteError(status: 400, message: "?\(name) needs a value")) }
                command.append("--\(option)=\(value)")
            case .flag(let option):
                guard ["", "1", "true"].contains(value) else {
                    return .failure(RouteError(status: 400, message: "?\(name) takes no value (or 1, true), not '\(value)'"))
                }
                command.append("--\(option)")
            case .path:
                guard value.hasPrefix("/") else {
                    return .failure(RouteError(status: 400, message: "?\(name) takes an absolute path, not '\(value)'"))
                }
                positionals.append(value)
            }
        }
        if !positionals.isEmpty { command += ["--"] + positionals }
        return .success(.api(arguments: command))
    }
}

import BPFKit
import Glibc

// `bpfnav serve`: the spec of the HTTP endpoint (/metrics, /api/v1/…,
// /healthz). The server itself is its own executable, bpfnav-serve, so that
// bpfnav's start-up carries no HTTP stack: in bpfnav this command execs
// bpfnav-serve from beside it with the same options; bpfnav-serve installs
// `ServeCommand.server` and runs this same command line, so that both share
// one parser, one help text, the completions and the man page.

/// What `bpfnav serve` was asked to do, for the server.
public struct ServeOptions: Sendable, Equatable {
    /// The numeric address to listen on ("127.0.0.1", "::1", "0.0.0.0").
    public var host: String
    /// 0: a free port the kernel picks.
    public var port: Int
    /// Seconds one collection may take.
    public var budget: Double
    /// Whether /api/v1/map/ID/entries serves map contents.
    public var allowMapContents: Bool
    /// Map types whose entries a collection counts, at any size.
    public var countEntries: Set<String>
    /// Hash-like maps of at most this many entries (max_entries) are
    /// counted too; 0: none.
    public var countUpTo: Int
    /// bpfnav's own objects in the metrics as well.
    public var includeOwn: Bool
    /// Whether run-time statistics are turned on while serving.
    public var runStats: Bool
    /// Seconds a connection may stay without a whole request before it is closed.
    public var idleTimeout: Double

    /// How the address reads in a URL: "127.0.0.1", "[::1]".
    public var urlHost: String { host.contains(":") ? "[\(host)]" : host }
}

extension OptionKey where Self == Option<ServeCommand.Listen> {
    static var listen: Option<ServeCommand.Listen> {
        Option("listen", "ADDR:PORT", "Address and port to listen on (default \(ServeCommand.defaultListen); [::1]:PORT for IPv6, :PORT for every address, port 0 for a free one).") { text throws(UsageError) in
            try ServeCommand.Listen(parsing: text)
        }
    }
}

extension OptionKey where Self == Option<Double> {
    static var budget: Option<Double> {
        Option("budget", "SECONDS", "Time one collection of the metrics may take (default 5); past it the scrape returns what it has and says so (bpfnav_scrape_truncated).") { text throws(UsageError) in
            try ServeCommand.seconds(text, option: "--budget")
        }
    }

    static var idleTimeout: Option<Double> {
        Option("idle-timeout", "SECONDS", "Close a connection that sends no whole request for SECONDS (default 10).") { text throws(UsageError) in
            try ServeCommand.seconds(text, option: "--idle-timeout")
        }
    }
}

extension OptionKey where Self == Option<Int> {
    static var countUpTo: Option<Int> {
        Option("count-up-to", "ENTRIES", "Count the entries of hash-like maps (hash, lru_hash, their per-CPU forms, lpm_trie, hash_of_maps, sockhash, devmap_hash) that hold at most ENTRIES (max_entries), a batch or two each (default \(ServeCommand.defaultCountUpTo); 0: none).") { text throws(UsageError) in
            try entryCount(text, option: "--count-up-to")
        }
    }
}

extension OptionKey where Self == Option<Set<String>> {
    static var countEntries: Option<Set<String>> {
        Option("count-entries", "TYPES", "Count the entries of maps of these types (bpftool's names, comma-separated: hash,lru_hash) at any size, by walking them.") { text throws(UsageError) in
            try ServeCommand.mapTypes(text)
        }
    }
}

extension OptionKey where Self == Flag {
    static var allowMapContents: Flag {
        Flag("allow-map-contents", "Serve map entries (/api/v1/map/ID/entries). Off by default: maps can hold secrets.")
    }

    static var includeOwn: Flag {
        Flag("include-own", "Count bpfnav's own programs, maps and links in the metrics as well.")
    }

    static var noServeStats: Flag {
        Flag("no-stats", "Leave run-time statistics off (run counts and run time then stay where they are). By default they are on while the server runs, as in the browser.")
    }
}

public enum ServeCommand {
    static let defaultListen = "127.0.0.1:10130"

    static let spec = CommandSpec(
        name: "serve",
        abstract: "Serve Prometheus metrics and the JSON of the commands over HTTP (read-only).",
        discussion: """
        GET /metrics                    the Prometheus text format: programs, maps, links, holders
                                        and the scrape's own figures; concurrent scrapes share one
                                        collection
        GET /api/v1/progs               what `bpfnav progs --json` prints; likewise maps, links,
                                        pins, tasks, files, vmas, net, features, cgroup/tree,
                                        prog/ID, map/ID, link/ID (?pid=, ?tid=, ?path=, ?root=,
                                        ?effective, ?xlated, ?linum where the command has them)
        GET /api/v1/map/ID/entries      `bpfnav map dump ID --json`, with --allow-map-contents only
        GET /healthz                    ok when BPF objects can be listed
        Nothing changes anything: only GET and HEAD, no request bodies. Run-time statistics are on
        while the server runs (unless --no-stats) and off when it exits. It listens on loopback
        unless --listen says otherwise, and needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (or root);
        CAP_SYS_PTRACE lets it see attachments in other users' network namespaces. SIGTERM or SIGINT
        stops it (exit status 0). bpfnav serve runs bpfnav-serve from the directory of bpfnav.
        """,
        options: [.listen, .budget, .allowMapContents, .countEntries, .countUpTo, .includeOwn, .noServeStats, .idleTimeout],
        run: run
    )

    /// Set by bpfnav-serve: runs the server and returns its exit status.
    /// In bpfnav it is nil, and the command execs bpfnav-serve.
    nonisolated(unsafe) public static var server: (@Sendable (ServeOptions) -> Int32)?

    static func run(_ args: Arguments) throws {
        let listen = try args[.listen] ?? Listen(parsing: defaultListen)
        let options = ServeOptions(
            host: listen.host, port: listen.port, budget: try args[.budget] ?? 5,
            allowMapContents: args[.allowMapContents], countEntries: try args[.countEntries] ?? [],
            countUpTo: try args[.countUpTo] ?? defaultCountUpTo,
            includeOwn: args[.includeOwn], runStats: !args[.noServeStats],
            idleTimeout: try args[.idleTimeout] ?? 10)
        guard let server else {
            try execServer(words(args))
        }
        let status = server(options)
        if status != 0 { throw Exit(status) }
    }

    /// The options as given, in words bpfnav-serve parses the same way.
    static func words(_ args: Arguments) -> [String] {
        args.declared.compactMap { option in
            if option.value == nil { return args.flags.contains(option.name) ? "--" + option.name : nil }
            return args.values[option.name].map { "--\(option.name)=\($0)" }
        }
    }

    /// `name` in the directory of the running executable (bpfnav-serve
    /// beside bpfnav; bpfnav beside bpfnav-serve).
    public static func besideExecutable(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        let directory = exe.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return directory + "/" + name
    }

    /// Replaces this process with bpfnav-serve; returns only by throwing.
    static func execServer(_ words: [String]) throws(BPFError) -> Never {
        let path = besideExecutable("bpfnav-serve")
        let hint = "bpfnav serve runs bpfnav-serve from the directory bpfnav is in: install both there (both are built by 'swift build')"
        if access(path, X_OK) != 0 {
            throw BPFError("run the server", path, errno: errno, hint: hint)
        }
        let argv = [path] + words
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        execv(path, &cargs)
        let code = errno
        for arg in cargs { free(arg) }
        throw BPFError("run the server", path, errno: code, hint: hint)
    }

    /// `--listen`'s value: ADDR:PORT, [IPV6]:PORT or :PORT.
    struct Listen: Equatable {
        let host: String
        let port: Int

        init(parsing text: String) throws(UsageError) {
            guard let colon = text.lastIndex(of: ":") else {
                throw UsageError("--listen takes ADDR:PORT (127.0.0.1:10130, [::1]:10130, :10130), not '\(text)'")
            }
            var address = String(text[..<colon])
            let portText = text[text.index(after: colon)...]
            guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let port = Int(portText), port <= 65535 else {
                throw UsageError("--listen: the port must be a number from 0 to 65535, not '\(portText)'")
            }
            if address.hasPrefix("[") && address.hasSuffix("]") {
                address = String(address.dropFirst().dropLast())
                var in6 = in6_addr()
                guard inet_pton(AF_INET6, address, &in6) == 1 else {
                    throw UsageError("--listen: '\(address)' is no IPv6 address")
                }
            } else if address.isEmpty {
                address = "0.0.0.0"
            } else {
                var in4 = in_addr()
                guard inet_pton(AF_INET, address, &in4) == 1 else {
                    throw UsageError("--listen: '\(address)' is no IPv4 address (a number like 127.0.0.1; IPv6 in brackets: [::1]:PORT)")
                }
            }
            host = address
            self.port = port
        }
    }

    static func seconds(_ text: String, option: String) throws(UsageError) -> Double {
        guard let seconds = Double(text), seconds.isFinite, seconds > 0, !text.hasPrefix("+") else {
            throw UsageError("\(option) takes a positive number of seconds (5, 0.5), not '\(text)'")
        }
        return seconds
    }

    /// bpftool's names of the map types this kernel's headers know.
    static let mapTypeNames: Set<String> = Set((0..<128).map { MapType.name(UInt32($0)) }.filter { !$0.hasPrefix("type_") && $0 != "unspec" })

    /// Hash-like maps up to this size are counted unless `--count-up-to`
    /// says otherwise: one or two batch reads each.
    static let defaultCountUpTo = 4096

    static func mapTypes(_ text: String) throws(UsageError) -> Set<String> {
        let names = text.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        guard !names.isEmpty else { throw UsageError("--count-entries takes map types (hash,lru_hash), not '\(text)'") }
        for name in names where !mapTypeNames.contains(name) {
            var error = UsageError("--count-entries: unknown map type '\(name)'")
            error.hint = Suggestion.best(for: name, among: Array(mapTypeNames)).map { "did you mean '\($0)'?" }
                ?? "map types: \(mapTypeNames.sorted().joined(separator: ", "))"
            throw error
        }
        for name in names {
            guard let type = (UInt32(1)..<256).first(where: { MapType.name($0) == name }),
                  let reason = MapContents.undumpableReason(type: type) else { continue }
            var error = UsageError("--count-entries: maps of type '\(name)' have no entries to count")
            error.hint = reason
            throw error
        }
        return Set(names)
    }
}

// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "bpfnav",
    products: [
        .executable(name: "bpfnav", targets: ["bpfnav"]),
        .executable(name: "bpfnav-serve", targets: ["bpfnav-serve"]),
    ],
    // Only the exporter (`bpfnav serve`, its own executable) uses these: the
    // HTTP server and the exposition format. bpfnav itself links none of them.
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C shims: system libraries plus the few helpers Swift cannot express.
        .systemLibrary(
            name: "CLibBPF",
            pkgConfig: "libbpf",
            providers: [.apt(["libbpf-dev", "libelf-dev"])]
        ),
        .systemLibrary(
            name: "CCurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        // rtnetlink (devices, XDP, tc filters and actions) through libnl.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-route-3-dev", "libnl-3-dev"])]
        ),
        // The record layouts in iters/bpfnav_records.h, seen from Swift.
        .systemLibrary(name: "CIterRecords"),

        // Compiles iters/*.bpf.c with the toolchain's clang and embeds the objects.
        .executableTarget(name: "EmbedIterTool"),
        .plugin(
            name: "EmbedIters",
            capability: .buildTool(),
            dependencies: ["EmbedIterTool"]
        ),

        .target(name: "BPFKit", dependencies: ["CLibBPF"]),
        // Network namespaces and what runs in them: devices, XDP, tc filters
        // and actions, tcx and netkit, flow dissector and sk_lookup.
        .target(name: "Netlink", dependencies: ["BPFKit", "CNetlink"]),
        .target(
            name: "Iterators",
            dependencies: ["BPFKit", "CIterRecords"],
            plugins: ["EmbedIters"]
        ),
        // Byte-level writers: the output buffer, JSON and terminal escaping, the
        // terminal filter. The buffer is on every row's hot path: dynamic
        // exclusivity checks on it were 15% of a large dump's profile, and it
        // is single-threaded, so release builds leave them out here only.
        .target(
            name: "Encoding",
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Readers of the platform's text files: mountinfo, tracefs, /etc/group.
        .target(name: "Platform"),
        // Text for kernel data: BTF values, xlated instructions, link summaries.
        .target(name: "Formatting", dependencies: ["BPFKit", "Encoding"]),
        // The objects and their relations: programs, maps, links, pins, holders.
        .target(name: "ObjectModel", dependencies: ["BPFKit", "Netlink", "Iterators", "Platform", "Encoding", "Formatting"]),
        // The browser's model: pages, rows and documents, and their live source.
        .target(name: "BrowserModel", dependencies: ["ObjectModel", "Formatting", "Encoding", "Platform"]),
        .target(name: "TUI", dependencies: ["BrowserModel", "CCurses"]),
        // The commands, their parser and encoders. No argument-parsing
        // library: see Sources/BPFNavCLI/CLI/Command.swift.
        .target(
            name: "BPFNavCLI",
            dependencies: ["BPFKit", "Netlink", "Iterators", "Encoding", "Platform", "Formatting", "ObjectModel", "BrowserModel", "TUI"],
            swiftSettings: [
                // The encoders write rows into Output: see Encoding above.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
            ]
        ),
        // Release builds are static executables: no dynamic loader at
        // start-up, which halves the time of a short command (2.3 -> 0.9 ms;
        // see bench/). libbpf's own dependencies come last for the archive.
        .executableTarget(
            name: "bpfnav",
            dependencies: ["BPFNavCLI", "BPFKit", "Netlink"],
            linkerSettings: [
                .unsafeFlags(["-static-executable"], .when(configuration: .release)),
                .linkedLibrary("elf", .when(configuration: .release)),
                .linkedLibrary("z", .when(configuration: .release)),
            ]
        ),

        // The exporter's collection: objects, statistics and holders as
        // Prometheus series, one shared collection at a time, within a budget.
        .target(
            name: "Exporter",
            dependencies: [
                "BPFKit", "Netlink", "ObjectModel", "Iterators", "Platform", "Formatting", "BrowserModel",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // `bpfnav serve`: the HTTP endpoint (/metrics, /api/v1/…, /healthz).
        // Its own executable, so that bpfnav's start-up does not carry an HTTP
        // stack; `bpfnav serve` runs it from beside bpfnav.
        .executableTarget(
            name: "bpfnav-serve",
            dependencies: [
                "BPFNavCLI", "Exporter", "ObjectModel", "BPFKit", "Netlink",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            linkerSettings: [
                .unsafeFlags(["-static-executable"], .when(configuration: .release)),
                .linkedLibrary("elf", .when(configuration: .release)),
                .linkedLibrary("z", .when(configuration: .release)),
            ]
        ),

        // What more than one test target needs (Tests/TestSupport/TestSupport.swift
        // says what belongs there). A plain target: on Linux it imports XCTest
        // like the test targets do.
        .target(name: "TestSupport", dependencies: ["BPFKit"], path: "Tests/TestSupport"),
        .testTarget(name: "BPFKitTests", dependencies: ["BPFKit", "TestSupport"]),
        .testTarget(name: "IteratorsTests", dependencies: ["Iterators", "TestSupport"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["BPFNavCLI", "bpfnav", "TestSupport"],
            // GoldenOutputTests reads these through #filePath: not resources.
            exclude: ["Golden"]
        ),
        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "FormattingTests", dependencies: ["Formatting", "Encoding", "BPFKit", "TestSupport"]),
        .testTarget(name: "ObjectModelTests", dependencies: ["ObjectModel", "BPFKit", "Netlink", "Formatting", "Platform", "Iterators", "TestSupport"]),
        // The exporter's rendering, from snapshots built by hand (no privileges).
        .testTarget(name: "ExporterTests", dependencies: ["Exporter", "ObjectModel", "BPFKit", "Netlink"]),
        // bpfnav-serve's routes and the statuses of the CLI's exits, without a socket.
        .testTarget(name: "ServeRouteTests", dependencies: ["bpfnav-serve"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "BrowserModel", "ObjectModel", "Formatting", "BPFKit"]),
        // perf_event_open for the tests (a uprobe link to look at).
        .target(name: "CTestSupport", path: "Tests/CTestSupport"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "BPFKit", "CLibBPF", "Netlink", "Iterators", "Encoding", "Platform", "Formatting", "ObjectModel",
                "BrowserModel", "BPFNavCLI", "bpfnav", "CTestSupport", "TestSupport", "Exporter",
            ],
            // BPF C sources the tests compile and load themselves.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The exporter's CPU benchmark (bench/exporter-load): built only with
// BPFNAV_EXPORTER_BENCH=1, in release mode, so that it measures what a
// server runs.
if Context.environment["BPFNAV_EXPORTER_BENCH"] == "1" {
    package.targets.append(.executableTarget(
        name: "exporter-bench",
        dependencies: ["Exporter", "Netlink"],
        path: "bench/ExporterBench"
    ))
}

// libFuzzer harnesses (fuzz/run): built only with BPFNAV_FUZZ=1, in their own
// build directory. The code under test is compiled with coverage
// instrumentation and AddressSanitizer; each harness links libFuzzer, whose
// main() runs it.
if Context.environment["BPFNAV_FUZZ"] == "1" {
    let instrumented = [
        "BPFKit", "Iterators", "Encoding", "Platform", "Formatting", "ObjectModel", "BrowserModel", "TUI", "BPFNavCLI",
    ]
    for target in package.targets where instrumented.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [
            .unsafeFlags(["-sanitize=fuzzer,address"]),
        ]
    }
    // The properties themselves are Sources/BPFNavCLI/FuzzChecks.swift.
    package.targets.append(.target(name: "FuzzSupport", path: "fuzz/FuzzSupport"))
    for harness in ["FuzzRecords", "FuzzBTF", "FuzzXlated", "FuzzArguments"] {
        package.targets.append(.executableTarget(
            name: harness,
            dependencies: ["BPFNavCLI", "FuzzSupport"],
            path: "fuzz/\(harness)",
            swiftSettings: [.unsafeFlags(["-parse-as-library", "-sanitize=fuzzer,address"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]
        ))
    }
}

// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "bpfnav",
    products: [
        .executable(name: "bpfnav", targets: ["bpfnav"]),
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
        .target(
            name: "Iterators",
            dependencies: ["BPFKit", "CIterRecords"],
            plugins: ["EmbedIters"]
        ),
        .target(
            name: "Explorer",
            dependencies: ["BPFKit", "Iterators"],
            // Output's buffer is on every row's hot path: see bpfnav below.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .target(name: "TUI", dependencies: ["Explorer", "CCurses"]),
        // The commands, their parser and encoders. No argument-parsing
        // library: see Sources/BPFNavCLI/CLI/Command.swift.
        .target(
            name: "BPFNavCLI",
            dependencies: ["BPFKit", "Iterators", "Explorer", "TUI"],
            swiftSettings: [
                // Dynamic exclusivity checks on the output buffer were 15% of
                // a large dump's profile; the encoders are single-threaded.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
            ]
        ),
        // Release builds are static executables: no dynamic loader at
        // start-up, which halves the time of a short command (2.3 -> 0.9 ms;
        // see bench/). libbpf's own dependencies come last for the archive.
        .executableTarget(
            name: "bpfnav",
            dependencies: ["BPFNavCLI", "BPFKit"],
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
        .testTarget(name: "ExplorerTests", dependencies: ["Explorer", "TestSupport"]),
        .testTarget(name: "TUITests", dependencies: ["TUI"]),
        // perf_event_open for the tests (a uprobe link to look at).
        .target(name: "CTestSupport", path: "Tests/CTestSupport"),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "BPFKit", "CLibBPF", "Iterators", "Explorer", "BPFNavCLI", "bpfnav", "CTestSupport", "TestSupport",
            ],
            // BPF C sources the tests compile and load themselves.
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer harnesses (fuzz/run): built only with BPFNAV_FUZZ=1, in their own
// build directory. The code under test is compiled with coverage
// instrumentation and AddressSanitizer; each harness links libFuzzer, whose
// main() runs it.
if Context.environment["BPFNAV_FUZZ"] == "1" {
    let instrumented = ["BPFKit", "Iterators", "Explorer", "TUI", "BPFNavCLI"]
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

import Foundation
import XCTest

/// The layering docs/architecture.md describes, checked on the
/// sources: only BPFKit talks to libbpf and bpf(2), each module imports
/// only the modules beneath it, and the browser sees only the model. A new
/// `import CLibBPF` elsewhere fails here rather than in a review.
final class LayeringTests: XCTestCase {
    /// Sources/, from this file's place in Tests/BPFKitTests.
    private let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    /// Module name → the modules its Swift files import.
    private func imports() throws -> [String: [(file: String, module: String)]] {
        var result: [String: [(file: String, module: String)]] = [:]
        let modules = try FileManager.default.contentsOfDirectory(atPath: sources.path)
        for module in modules {
            let directory = sources.appendingPathComponent(module)
            guard let walker = FileManager.default.enumerator(atPath: directory.path) else { continue }
            for case let file as String in walker where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ")
                    guard let at = words.firstIndex(of: "import"), at + 1 < words.count,
                          words[..<at].allSatisfy({ ["@testable", "public", "internal", "private", "package", "@_exported"].contains($0) })
                    else { continue }
                    result[module, default: []].append((file, String(words[at + 1])))
                }
            }
        }
        return result
    }

    func testOnlyBPFKitImportsLibbpf() throws {
        let all = try imports()
        XCTAssertFalse(all["BPFKit", default: []].isEmpty, "no sources found under \(sources.path)")
        for (module, list) in all where module != "BPFKit" {
            for (file, imported) in list where imported == "CLibBPF" {
                XCTFail("Sources/\(module)/\(file) imports CLibBPF: libbpf and bpf(2) belong in BPFKit")
            }
        }
    }

    /// The project's modules, each with those it may import (system modules
    /// such as Glibc are not listed). The order is docs/architecture.md's picture,
    /// bottom up.
    static let allowed: [String: Set<String>] = [
        "CLibBPF": [], "CCurses": [], "CIterRecords": [], "CNetlink": [],
        "BPFKit": ["CLibBPF"],
        "Netlink": ["BPFKit", "CNetlink"],
        "Iterators": ["BPFKit", "CIterRecords"],
        "Encoding": [],
        "Platform": [],
        "Formatting": ["BPFKit", "Encoding"],
        "ObjectModel": ["BPFKit", "Netlink", "Iterators", "Platform", "Encoding", "Formatting"],
        "BrowserModel": ["BPFKit", "Netlink", "Iterators", "Platform", "Formatting", "Encoding", "ObjectModel"],
        "TUI": ["BrowserModel", "ObjectModel", "Formatting", "Encoding", "Platform", "CCurses"],
        "BPFNavCLI": ["BPFKit", "Netlink", "Iterators", "Encoding", "Platform", "Formatting", "ObjectModel", "BrowserModel", "TUI"],
        "bpfnav": ["BPFNavCLI", "BPFKit", "Netlink"],
        // The exporter's collection reads through the model (the browser's
        // own-object rule among it); the HTTP server sits above it, and
        // holds the model's run-time statistics while it serves.
        "Exporter": ["BPFKit", "Netlink", "Iterators", "Platform", "Formatting", "ObjectModel", "BrowserModel"],
        "bpfnav-serve": ["BPFNavCLI", "Exporter", "ObjectModel", "BPFKit", "Netlink"],
        "EmbedIterTool": [],
    ]

    func testEachModuleImportsOnlyWhatIsBeneathIt() throws {
        let ours = Set(Self.allowed.keys)
        let all = try imports()
        for module in all.keys { XCTAssertNotNil(Self.allowed[module], "Sources/\(module) is not in the layering table") }
        for (module, list) in all {
            let allowed = Self.allowed[module] ?? []
            for (file, imported) in list where ours.contains(imported) && !allowed.contains(imported) {
                XCTFail("Sources/\(module)/\(file) imports \(imported), which is not beneath \(module)")
            }
        }
    }

    func testTheBrowserSeesOnlyTheModel() throws {
        for (file, imported) in try imports()["TUI", default: []]
            where ["CLibBPF", "CNetlink", "BPFKit", "Netlink", "Iterators", "BPFNavCLI"].contains(imported) {
            XCTFail("Sources/TUI/\(file) imports \(imported): the browser sees only the browser's model")
        }
    }
}

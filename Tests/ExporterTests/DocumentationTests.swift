import Foundation
import XCTest

/// The README's table of metrics is the exporter's: every family the
/// sources declare is there with its type, and nothing else is.
final class DocumentationTests: XCTestCase {
    private var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// name → "gauge" or "counter", from `Family.gauge("name", …)` and
    /// `Family.counter(…)` in Sources/Exporter.
    private func declaredFamilies() throws -> [String: String] {
        let directory = root.appendingPathComponent("Sources/Exporter")
        let regex = try NSRegularExpression(pattern: #"Family\.(gauge|counter)\(\s*"([a-z_]+)""#)
        var found: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let type = String(text[Range(match.range(at: 1), in: text)!])
                let name = String(text[Range(match.range(at: 2), in: text)!])
                XCTAssertNil(found[name], "\(name) is declared twice")
                found[name] = type
            }
        }
        return found
    }

    /// name → type, from the rows of the table under the README's "### Metrics".
    private func documentedFamilies() throws -> [String: String] {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.range(of: "\n### Metrics\n"), "README has no ### Metrics section")
        var found: [String: String] = [:]
        for line in readme[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            for name in cells[1].split(separator: ",") {
                found[name.trimmingCharacters(in: CharacterSet(charactersIn: " `"))] = cells[2]
            }
        }
        return found
    }

    func testTheREADMEDocumentsEveryMetricWithItsType() throws {
        let declared = try declaredFamilies()
        let documented = try documentedFamilies()
        XCTAssertGreaterThan(declared.count, 20, "the sources' families were not found")
        for (name, type) in declared.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(documented[name], type, "\(name) (\(type)) in the README's table of metrics")
        }
        for name in documented.keys.sorted() where declared[name] == nil {
            XCTFail("the README documents \(name), which the exporter does not have")
        }
    }
}

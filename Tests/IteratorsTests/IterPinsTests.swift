import BPFKit
import Foundation
import Glibc
import XCTest
@testable import Iterators

/// What IterPins does without privileges: recognising what is *not* its own.
final class IterPinsTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/bpfnav-iterpins-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        directory = String(cString: try XCTUnwrap(made))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testInspectMissing() {
        XCTAssertEqual(IterPins(directory: directory).inspect("tasks"), .missing)
        XCTAssertEqual(IterPins(directory: directory + "/nope").inspect("tasks"), .missing)
    }

    func testInspectDirectoryAndRegularFile() {
        let pins = IterPins(directory: directory)
        XCTAssertEqual(mkdir(pins.path("sub"), 0o700), 0)
        XCTAssertEqual(pins.inspect("sub"), .foreign("a directory"))
        XCTAssertTrue(FileManager.default.createFile(atPath: pins.path("plain"), contents: Data("x".utf8)))
        XCTAssertEqual(pins.inspect("plain"), .foreign("not a BPF object bpfnav can open"))
    }

    func testListIgnoresForeignEntries() throws {
        let pins = IterPins(directory: directory)
        XCTAssertEqual(try pins.list(), [])
        XCTAssertTrue(FileManager.default.createFile(atPath: pins.path("tasks"), contents: Data()))
        XCTAssertEqual(mkdir(pins.path("files"), 0o700), 0)
        XCTAssertEqual(try pins.list(), [])
        XCTAssertEqual(try IterPins(directory: directory + "/missing").list(), [])
    }

    func testRemoveRefusesWhatIsNotOurs() throws {
        let pins = IterPins(directory: directory)
        XCTAssertTrue(FileManager.default.createFile(atPath: pins.path("tasks"), contents: Data("keep".utf8)))
        XCTAssertThrowsError(try pins.remove(["tasks"])) { error in
            XCTAssertEqual((error as? BPFError)?.errno, EPERM)
        }
        XCTAssertThrowsError(try pins.remove(["missing"])) { error in
            XCTAssertEqual((error as? BPFError)?.errno, ENOENT)
        }
        XCTAssertThrowsError(try pins.remove(["bad.name"])) { error in
            XCTAssertEqual((error as? BPFError)?.errno, EINVAL)
        }
        // Nothing was removed, even for the names that came before a refusal.
        XCTAssertThrowsError(try pins.remove(["tasks", "missing"]))
        XCTAssertTrue(FileManager.default.fileExists(atPath: pins.path("tasks")))
        XCTAssertEqual(try pins.removeAll(), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: pins.path("tasks")))
    }
}

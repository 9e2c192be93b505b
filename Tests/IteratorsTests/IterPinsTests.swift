import BPFKit
import Foundation
import Glibc
import TestSupport
import XCTest
@testable import Iterators

/// What IterPins does without privileges: it refuses every directory that is
/// not a verified bpffs directory, and changes nothing there.
final class IterPinsTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = try temporaryDirectory("bpfnav-iterpins")
    }

    func testInspectMissing() {
        XCTAssertEqual(IterPins(directory: directory + "/nope").inspect("tasks"), .missing)
        XCTAssertEqual(try IterPins(directory: directory + "/missing").list(), [])
    }

    func testADirectoryNotOnBPFFSIsRefusedAndLeftAlone() throws {
        let pins = IterPins(directory: directory)
        XCTAssertTrue(FileManager.default.createFile(atPath: pins.path("tasks"), contents: Data("keep".utf8)))
        for attempt in [{ _ = try pins.list() }, { _ = try pins.remove(["tasks"]) }, { _ = try pins.removeAll() }] {
            XCTAssertThrowsError(try attempt()) { error in
                XCTAssertEqual((error as? BPFError)?.errno, ENODEV, "\(error)")
                XCTAssertTrue("\(error)".contains("not on a bpffs"), "\(error)")
            }
        }
        XCTAssertThrowsError(try pins.remove(["bad.name"])) { error in
            XCTAssertEqual((error as? BPFError)?.errno, EINVAL)
        }
        XCTAssertEqual(try String(contentsOfFile: pins.path("tasks"), encoding: .utf8), "keep")
    }

    func testSharedPinsLiveInTheCallersSubdirectory() {
        let pins = IterPins(directory: "/sys/fs/bpf/", shared: true)
        XCTAssertEqual(pins.requested, "/sys/fs/bpf")
        XCTAssertEqual(pins.directory, "/sys/fs/bpf/bpfnav-\(geteuid())")
        XCTAssertEqual(pins.path("tasks"), "/sys/fs/bpf/bpfnav-\(geteuid())/tasks")
        XCTAssertEqual(IterPins(directory: "/sys/fs/bpf/x").directory, "/sys/fs/bpf/x")
    }
}

/// The manifest's records survive their 256-byte encoding exactly.
final class PinManifestRecordTests: XCTestCase {
    func testRecordsRoundTrip() {
        var iterator = PinManifest.Record(role: .iterator, name: "files-pid-1234")
        iterator.state = .pending
        iterator.programID = 0xdead_beef
        iterator.kind = .taskFile
        iterator.format = .text
        iterator.params = .pid(1234)
        iterator.temporary = "bpfnav-new-99-0"
        var cached = PinManifest.Record(role: .cachedProgram, name: "progs-0123456789abcdef/bpfnav_file_bpf")
        cached.kind = .taskFile
        cached.format = .bpfObjects
        var thread = PinManifest.Record(role: .iterator, name: String(repeating: "v", count: 115))
        thread.kind = .taskVMA
        thread.format = .records
        thread.params = .tid(UInt32.max)
        let demo = PinManifest.Record(role: .demo, name: "demo/counts")
        let features = PinManifest.Record(role: .featureCache, name: "progs-1/features")
        for record in [iterator, cached, thread, demo, features] {
            let bytes = PinManifest.encode(record)
            XCTAssertEqual(bytes.count, 256)
            XCTAssertEqual(PinManifest.decode(bytes), record, record.name)
        }
    }

    func testGarbageDecodesToNothing() {
        XCTAssertNil(PinManifest.decode([UInt8](repeating: 0, count: 256)), "role 0 is the journal, not a record")
        XCTAssertNil(PinManifest.decode([UInt8](repeating: 0xff, count: 256)))
        XCTAssertNil(PinManifest.decode([1, 0, 0, 0]))
    }

    func testKeysSeparateSpaces() {
        XCTAssertNotEqual(PinManifest.key(.program, 7), PinManifest.key(.map, 7))
        XCTAssertNotEqual(PinManifest.key(.map, 7), PinManifest.key(.link, 7))
        XCTAssertNotEqual(PinManifest.key(.link, 0), 0, "key 0 is the journal's")
    }

    func testNamesThatDoNotFitAreRefused() throws {
        XCTAssertTrue(PinManifest.fits(String(repeating: "a", count: 115)))
        XCTAssertFalse(PinManifest.fits(String(repeating: "a", count: 116)))
        XCTAssertThrowsError(try PinName.validate(String(repeating: "a", count: 116)))
        XCTAssertThrowsError(try PinName.validate("bpfnav-manifest"), "bpfnav's own names are reserved")
        XCTAssertThrowsError(try PinName.validate("bpfnav-new-1-0"))
    }
}

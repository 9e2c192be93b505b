import BPFKit
import Foundation
import XCTest

/// `bpf_metadata_*` variables, shown as bpftool shows them.
final class ProgramMetadataTests: BPFTestCase {
    func testMetadataMatchesBpftool() throws {
        let object = try BPFObject(elf: try Fixture.compile("metadata.bpf.c"), name: "metadata")
        try object.load()
        let info = try ProgramInfo(fd: try object.programFD("bpfnav_metadata_fx"))

        let ours = try bpfnav("prog", "\(info.id)", "--json")
        XCTAssertEqual(ours.status, 0, ours.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(ours.stdout)) as? [String: Any])
        let metadata = try XCTUnwrap(json["metadata"] as? [String: Any], ours.text)
        XCTAssertEqual(metadata["owner"] as? String, "bpfnav tests")
        XCTAssertEqual((metadata["level"] as? NSNumber)?.intValue, 3)
        XCTAssertEqual(metadata.count, 2, "only bpf_metadata_ variables")

        let theirs = try runCommand("/usr/sbin/bpftool", ["-j", "prog", "show", "id", "\(info.id)"])
        XCTAssertEqual(theirs.status, 0, theirs.stderr)
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(theirs.stdout)) as? [String: Any])
        XCTAssertEqual(NSDictionary(dictionary: metadata), NSDictionary(dictionary: try XCTUnwrap(reference["metadata"] as? [String: Any])))

        let table = try bpfnav("prog", "\(info.id)")
        XCTAssertTrue(table.text.contains("metadata.owner") && table.text.contains("\"bpfnav tests\""), table.text)

        // In the list too, as bpftool's prog show.
        let list = try bpfnav("progs", "--json")
        let all = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(list.stdout)) as? [[String: Any]])
        let mine = try XCTUnwrap(all.first { ($0["id"] as? NSNumber)?.uint32Value == info.id })
        XCTAssertNotNil(mine["metadata"])
        _ = object
    }
}

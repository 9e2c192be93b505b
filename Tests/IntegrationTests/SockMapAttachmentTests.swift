import BPFKit
import CLibBPF
import Foundation
import TestSupport
import XCTest

/// A program attached to a sockmap itself (`bpf_prog_attach` with the map
/// as target, no link): among the program's attachments, with its map,
/// where the kernel can be asked (BPF_PROG_QUERY on a sockmap, 6.0+).
final class SockMapAttachmentTests: BPFTestCase {
    static let sockMapQuery = KernelVersion(6, 0)

    func testAProgramAttachedToASockmapListsIt() throws {
        let name = uniqueName("nav_sm")
        let map = try createMap(BPF_MAP_TYPE_SOCKMAP, name, key: 4, value: 4, entries: 4)
        let program = try loadProgram(BPF_PROG_TYPE_SK_SKB, name: "bpfnav_verdict")
        let mapFD = map.fd.raw
        let attached = bpf_prog_attach(program.raw, mapFD, BPF_SK_SKB_STREAM_VERDICT, 0)
        XCTAssertEqual(attached, 0, "attach to the sockmap: \(Errno.name(-attached))")
        defer { _ = bpf_prog_detach2(program.raw, mapFD, BPF_SK_SKB_STREAM_VERDICT) }
        let programID = try ObjectIdentity.id(of: program.raw, kind: .program)
        let mapID = try map.id()

        let shown = try bpfnav("prog", "\(programID)", "--json")
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(shown.stdout)) as? [String: Any])
        let places = try XCTUnwrap(json["attachments"] as? [[String: Any]], "\(json)")
        let kernel = try XCTUnwrap(KernelVersion(release: RunningKernel.release))
        guard kernel >= Self.sockMapQuery else {
            // The kernel cannot say: nothing listed, nothing made up.
            XCTAssertTrue(places.isEmpty, "\(places)")
            return
        }
        let place = try XCTUnwrap(places.first, "\(places)")
        XCTAssertEqual(place["kind"] as? String, "sockmap")
        XCTAssertEqual(place["attach_point"] as? String, "sk_skb_stream_verdict")
        XCTAssertEqual(place["map_id"] as? Int, Int(mapID))
        XCTAssertEqual(place["target"] as? String, "sockmap \(name) map \(mapID)")
    }
}

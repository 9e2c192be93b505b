import BPFKit
import CLibBPF
import CTestSupport
import Foundation
import XCTest

/// A perf_event link for real: a uprobe, with an attach cookie, on a file of
/// the test's own that no process runs (so nothing is patched anywhere),
/// read back through bpfnav's link decoding and `bpfnav link ID --json`.
final class PerfEventLinkTests: BPFTestCase {
    func testUprobeLinkWithCookie() throws {
        guard let typeText = try? String(contentsOfFile: "/sys/bus/event_source/devices/uprobe/type", encoding: .utf8),
              let pmu = Int32(typeText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw XCTSkip("no uprobe PMU (CONFIG_UPROBE_EVENTS)")
        }
        let formatText = (try? String(contentsOfFile: "/sys/bus/event_source/devices/uprobe/format/retprobe", encoding: .utf8)) ?? "config:0"
        let retprobeBit = Int32(formatText.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0

        let target = NSTemporaryDirectory() + "bpfnav-uprobe-target-\(getpid())"
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: target)
        defer { try? FileManager.default.removeItem(atPath: target) }

        let object = try BPFObject(elf: try Fixture.compile("uprobe_cookie.bpf.c"), name: "uprobe_cookie")
        try object.load()
        let program = try object.programFD("bpfnav_uprobe_fx")

        for (retprobe, offset, cookie) in [(false, UInt64(0x40), UInt64(0xc0ffee)), (true, UInt64(0x80), UInt64(2))] {
            let event = ctest_uprobe_perf_event(pmu, retprobeBit, retprobe ? 1 : 0, target, offset, -1)
            guard event >= 0 else { return XCTFail("perf_event_open uprobe: \(Errno.name(-event))") }
            let eventFD = OwnedFD(adopting: event)
            var opts = bpf_link_create_opts()
            opts.sz = MemoryLayout<bpf_link_create_opts>.size
            opts.perf_event.bpf_cookie = cookie
            let raw = bpf_link_create(program, eventFD.raw, BPF_PERF_EVENT, &opts)
            guard raw >= 0 else { return XCTFail("link_create perf_event: \(Errno.name(-raw))") }
            let link = OwnedFD(adopting: raw)

            let info = try LinkInfo(fd: link.raw)
            XCTAssertEqual(info.typeName, "perf_event")
            XCTAssertEqual(info.details, .perfEvent(.uprobe(file: target, offset: UInt32(offset), retprobe: retprobe,
                                                            cookie: cookie, refCtrOffset: 0)))

            let shown = try bpfnav("link", "\(info.id)", "--json")
            XCTAssertEqual(shown.status, 0, shown.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(shown.stdout)) as? [String: Any])
            XCTAssertEqual(json["type"] as? String, "perf_event")
            XCTAssertEqual(json["file"] as? String, target)
            XCTAssertEqual((json["offset"] as? NSNumber)?.uint64Value, offset)
            XCTAssertEqual((json["cookie"] as? NSNumber)?.uint64Value, cookie)
            XCTAssertEqual(json["retprobe"] as? Bool, retprobe)
            _ = link
        }
    }
}

import BPFKit
import CLibBPF
import CTestSupport
import Foundation
import Iterators
import XCTest

/// A perf_event link for real: a uprobe, with an attach cookie, on a file of
/// the test's own that no process runs (so nothing is patched anywhere),
/// read back through bpfnav's link decoding and `bpfnav link ID --json`.
/// Kernels before 5.15 make no such link (the uprobe is attached to the
/// perf event itself); before 6.6 they do not say what a link is attached to.
final class PerfEventLinkTests: BPFTestCase {
    /// BPF_LINK_CREATE of perf events: Linux 5.15 ("bpf: Implement minimal
    /// BPF perf link").
    static let perfLinks = KernelVersion(5, 15)

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
            let kernel = try XCTUnwrap(KernelVersion(release: RunningKernel.release))
            if kernel < Self.perfLinks {
                // The refusal this kernel gives (EINVAL: no such attach type).
                XCTAssertLessThan(raw, 0, "Linux \(kernel) made a perf_event link")
                print("perf_event links need Linux \(Self.perfLinks); this is \(RunningKernel.release): "
                      + "link_create said \(Errno.name(-raw))")
                return
            }
            guard raw >= 0 else { return XCTFail("link_create perf_event: \(Errno.name(-raw))") }
            let link = OwnedFD(adopting: raw)

            let info = try LinkInfo(fd: link.raw)
            XCTAssertEqual(info.typeName, "perf_event")
            if !Features.current.supports(.perfEventLinkInfo) {
                XCTAssertLessThan(kernel, Feature.perfEventLinkInfo.minimum)
                XCTAssertEqual(info.details, .perfEvent(.notReported))
                let shown = try bpfnav("link", "\(info.id)", "--json")
                XCTAssertEqual(shown.status, 0, shown.stderr)
                let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(shown.stdout)) as? [String: Any])
                XCTAssertEqual(json["type"] as? String, "perf_event")
                XCTAssertNil(json["file"], "nothing made up where the kernel says nothing")
                let text = try bpfnav("link", "\(info.id)")
                XCTAssertTrue(text.text.contains("need Linux 6.6"), text.text)
                continue
            }
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

@testable import BPFKit
@testable import Exporter
import Netlink
import ObjectModel
import XCTest

/// Labels stay within bounded sets: no pids, no addresses, nothing that
/// changes while the object lives.
final class LabelTests: XCTestCase {
    func link(_ details: LinkDetails, type: UInt32 = 0) -> LinkEntry {
        LinkEntry(info: LinkInfo(id: 5, type: type, programID: 9, details: details))
    }

    func testIteratorLinkHasNoPid() {
        let sample = LinkSample(link(.iter(target: "task", mapID: 0, cgroupID: 0, order: 0, tid: 0, pid: 4242)))
        XCTAssertEqual(sample.target, "task")
        XCTAssertFalse(sample.target.contains("4242"))
    }

    func testUprobeMultiLinkHasNoPid() {
        let sample = LinkSample(link(.uprobeMulti(path: "/usr/bin/app", count: 3, flags: 1, pid: 4242)))
        XCTAssertEqual(sample.target, "uretprobe_multi /usr/bin/app")
    }

    func testKprobeLinkHasNoAddress() {
        let event = PerfEventLink.kprobe(function: "tcp_connect", offset: 0, address: 0xffff_ffff_8100_0000,
                                         missed: 0, retprobe: false, cookie: 7)
        let sample = LinkSample(link(.perfEvent(event)))
        XCTAssertEqual(sample.target, "kprobe tcp_connect")
    }

    func testNamespaceByNameOrInodeNeverByPid() {
        let byPid = NetNamespace(inode: 4026532000, name: nil, pid: 4242, isCurrent: false, path: "/proc/4242/ns/net")
        XCTAssertEqual(LinkTarget.netns(byPid), "inode 4026532000")
        XCTAssertEqual(LinkTarget.netns(NetNamespace(inode: 1, name: "blue", pid: 7, isCurrent: false, path: "")), "blue")
        XCTAssertEqual(LinkTarget.netns(NetNamespace(inode: 1, name: nil, pid: 7, isCurrent: true, path: "")), "current")

        let device = NetDevice(ifindex: 3, name: "veth0", kind: "veth")
        let entry = AttachmentEntry(kind: "xdp", programID: 9, attachPoint: "generic", target: "veth0 (netns pid 4242)",
                                    device: device, namespace: byPid)
        let sample = AttachmentSample(entry, link: nil)
        XCTAssertEqual(sample, AttachmentSample(programID: 9, kind: "xdp", attachPoint: "generic", target: "veth0",
                                                netns: "inode 4026532000"))
        let hook = AttachmentEntry(kind: "sk_lookup", programID: 9, attachPoint: "sk_lookup", target: "netns pid 4242",
                                   namespace: byPid)
        XCTAssertEqual(AttachmentSample(hook, link: nil).target, "netns inode 4026532000")
    }

    func testCgroupLinkByPath() {
        var entry = link(.cgroup(cgroupID: 77, attachType: 0))
        XCTAssertEqual(LinkSample(entry).target, "cgroup id 77")
        entry.cgroupPath = "/sys/fs/cgroup/app.slice"
        let sample = LinkSample(entry)
        XCTAssertEqual(sample.target, "/sys/fs/cgroup/app.slice")
        XCTAssertEqual(sample.attachType, AttachType.name(0))
    }

    /// Entry counts refuse the types without entries, and names that are
    /// no type.
    func testEntryCountRefusals() {
        XCTAssertNil(Collector.entryCountRefusal(typeName: "hash"))
        XCTAssertNil(Collector.entryCountRefusal(typeName: "lru_hash"))
        XCTAssertNotNil(Collector.entryCountRefusal(typeName: "ringbuf"))
        XCTAssertNotNil(Collector.entryCountRefusal(typeName: "no_such_type"))
        XCTAssertNotNil(Collector.entryCountRefusal(typeName: "type_1"))
    }
}

/// Which maps a collection counts.
final class CountedMapTests: XCTestCase {
    func testSmallHashLikeMapsAndAskedTypes() {
        for name in ExporterConfiguration.countedWhenSmall {
            XCTAssertNil(MapEntryCount.refusal(typeName: name), "\(name) is not a map type whose entries can be walked")
        }
        let configuration = ExporterConfiguration(countEntries: ["array"], countUpTo: 4096)
        XCTAssertTrue(configuration.counts(type: "hash", maxEntries: 4096))
        XCTAssertFalse(configuration.counts(type: "hash", maxEntries: 4097))
        XCTAssertTrue(configuration.counts(type: "array", maxEntries: 1 << 20))
        XCTAssertFalse(configuration.counts(type: "percpu_array", maxEntries: 1))
        XCTAssertFalse(configuration.counts(type: "ringbuf", maxEntries: 4096))
        XCTAssertFalse(ExporterConfiguration(countUpTo: 0).counts(type: "hash", maxEntries: 1))
    }
}

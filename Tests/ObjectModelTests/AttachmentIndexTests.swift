@testable import BPFKit
import Formatting
import Netlink
import XCTest
@testable import ObjectModel

/// AttachmentIndex.build from fixed snapshots: each place listed once,
/// links joined to what the net and cgroup sides saw, devices named in
/// their own namespace or not at all.
final class AttachmentIndexTests: XCTestCase {
    let blue = NetNamespace(inode: 4_026_532_300, name: "blue", pid: nil, isCurrent: false, path: "/run/netns/blue")
    let home = NetNamespace(inode: 4_026_531_840, name: nil, pid: 1, isCurrent: true, path: "/proc/1/ns/net")
    let zoon = NetDevice(ifindex: 3, name: "zoon0", kind: "veth")
    let ifb = NetDevice(ifindex: 3, name: "ifb0", kind: "ifb")
    let noCgroups = CgroupSnapshot(root: nil, attachments: [], paths: [:], errors: [])

    /// `type`: enum bpf_link_type (xdp 6, tcx 11, cgroup 3, struct_ops 9).
    func link(_ id: UInt32, program: UInt32, _ details: LinkDetails, type: UInt32) -> LinkEntry {
        LinkEntry(info: LinkInfo(id: id, type: type, programID: program, details: details))
    }

    /// The "Wrong": an XDP link made in namespace blue, where
    /// ifindex 3 is zoon0, while bpfnav's own has ifb0 at 3.
    func testAnXDPLinkIsNamedInItsOwnNamespaceAndListedOnce() {
        let net = NetSnapshot(namespaces: [
            NetNamespaceSnapshot(namespace: home, devices: [ifb]),
            NetNamespaceSnapshot(namespace: blue, devices: [zoon], xdp: [XDPAttachment(device: zoon, mode: .driver, programID: 7)]),
        ])
        var xdp = link(5, program: 7, .xdp(ifindex: 3), type: 6)
        let index = AttachmentIndex.build(links: [xdp], net: net, cgroups: noCgroups, structOps: [], programName: { _ in "p" })
        let places = index.of(program: 7)
        XCTAssertEqual(places.count, 1, "\(places)")
        XCTAssertEqual(places.first?.linkID, 5)
        XCTAssertEqual(places.first?.device?.name, "zoon0")
        XCTAssertEqual(places.first?.namespace?.name, "blue")
        XCTAssertEqual(places.first?.attachPoint, "driver")
        index.place(&xdp)
        XCTAssertEqual(xdp.device?.name, "zoon0")
        XCTAssertTrue(xdp.attachedText.contains("devname zoon0"), xdp.attachedText)
        XCTAssertTrue(xdp.attachedText.contains("netns blue"), xdp.attachedText)
    }

    /// A link whose device no namespace shows: its ifindex, and the name
    /// said to be unknown, never the same index's device here.
    func testALinkInNoNamespaceFoundSaysTheNameIsUnknown() {
        let net = NetSnapshot(namespaces: [NetNamespaceSnapshot(namespace: home, devices: [ifb])])
        var xdp = link(5, program: 7, .xdp(ifindex: 3), type: 6)
        let index = AttachmentIndex.build(links: [xdp], net: net, cgroups: noCgroups, structOps: [], programName: { _ in nil })
        XCTAssertEqual(index.of(program: 7).first?.target, "ifindex 3 (device name unknown: its namespace was not found)")
        index.place(&xdp)
        XCTAssertNil(xdp.device)
        XCTAssertEqual(LinkSummary.pairs(xdp.info.details, place: xdp.place).first?.1, "(unknown)")
        XCTAssertFalse(xdp.attachedText.contains("ifb0"))
    }

    /// tc: a classifier and the action bound into it; a standalone action
    /// only when no filter runs it; tcx with its link and position.
    func testTCFiltersActionsAndTCX() {
        let bound = TCAction(index: 1, programID: 9, programName: "act", references: 2, bindings: 1)
        let loose = TCAction(index: 2, programID: 9, programName: "act", references: 1, bindings: 0)
        let filter = TCFilter(device: zoon, attachPoint: "clsact/egress", parent: 0xffff_fff3, priority: 1, proto: 3,
                              handle: 0x10001, chain: nil, kind: "bpf", programID: 8, programName: "cls", directAction: false,
                              tag: nil, actions: [bound])
        let tcx = MultiProgAttachment(device: zoon, attachType: AttachType.tcxIngress, programID: 8, linkID: 12,
                                      position: 1, revision: 3)
        let net = NetSnapshot(namespaces: [
            NetNamespaceSnapshot(namespace: blue, devices: [zoon], tc: [filter], multiProg: [tcx], actions: [bound, loose]),
        ])
        let tcxLink = link(12, program: 8, .tcx(ifindex: 3, attachType: AttachType.tcxIngress), type: 11)
        let index = AttachmentIndex.build(links: [tcxLink], net: net, cgroups: noCgroups, structOps: [], programName: { _ in nil })
        let cls = index.of(program: 8)
        XCTAssertEqual(cls.map(\.kind), ["tc", "tcx"])
        XCTAssertEqual(cls[0].attachPoint, "clsact/egress")
        XCTAssertTrue(cls[0].extra.contains(.init("handle", .text("1:1"))), "\(cls[0].extra)")
        XCTAssertTrue(cls[0].extra.contains(.init("direct_action", .flag(false))))
        XCTAssertEqual(cls[1].attachPoint, "tcx/ingress")
        XCTAssertEqual(cls[1].linkID, 12, "the tcx link is the query's, not listed a second time")
        let actions = index.of(program: 9)
        XCTAssertEqual(actions.count, 2)
        XCTAssertEqual(actions.map(\.attachPoint), ["clsact/egress bpf filter", "action table"])
    }

    /// Cgroups: the legacy attachment and the link one from the tree (the
    /// link not listed again from the link list); a cgroup link the walk
    /// did not see named by its path where known; inherited ones left out.
    func testCgroupAttachments() {
        let ingress: UInt32 = 0, egress: UInt32 = 1  // BPF_CGROUP_INET_INGRESS, _EGRESS
        let cgroups = CgroupSnapshot(root: "/sys/fs/cgroup", attachments: [
            CgroupAttachment(path: "/sys/fs/cgroup/a", cgroupID: 10, attachType: ingress, attachFlags: 2, programID: 4,
                             linkID: nil, inherited: false),
            CgroupAttachment(path: "/sys/fs/cgroup/a", cgroupID: 10, attachType: egress, attachFlags: 0, programID: 5,
                             linkID: 20, inherited: false),
            CgroupAttachment(path: "/sys/fs/cgroup/a/b", cgroupID: 11, attachType: egress, attachFlags: 0, programID: 5,
                             linkID: 20, inherited: true),
        ], paths: [10: "/sys/fs/cgroup/a", 11: "/sys/fs/cgroup/a/b", 12: "/sys/fs/cgroup/c"], errors: [])
        let links = [
            link(20, program: 5, .cgroup(cgroupID: 10, attachType: egress), type: 3),
            link(21, program: 6, .cgroup(cgroupID: 12, attachType: egress), type: 3),
        ]
        let index = AttachmentIndex.build(links: links, net: NetSnapshot(namespaces: []), cgroups: cgroups, structOps: [],
                                          programName: { _ in nil })
        XCTAssertEqual(index.of(program: 4).map(\.target), ["/sys/fs/cgroup/a"])
        XCTAssertEqual(index.of(program: 4).first?.extra, [.init("attach_flags", .text("multi"))])
        XCTAssertEqual(index.of(program: 5).map(\.linkID), [20])
        XCTAssertEqual(index.of(program: 6).map(\.cgroupPath), ["/sys/fs/cgroup/c"])
        var cgroupLink = links[1]
        index.place(&cgroupLink)
        XCTAssertTrue(cgroupLink.attachedText.contains("cgroup /sys/fs/cgroup/c"), cgroupLink.attachedText)
    }

    /// struct_ops: the table's members are the places; the link shows the
    /// table and its member programs instead of program 0.
    func testStructOpsMembers() {
        let table = StructOpsTable(mapID: 30, mapName: "my_cc", typeName: "tcp_congestion_ops",
                                   members: [.init(name: "ssthresh", programID: 40), .init(name: "cong_avoid", programID: 41)])
        var structLink = link(50, program: 0, .structOps(mapID: 30), type: 9)
        let index = AttachmentIndex.build(links: [structLink], net: NetSnapshot(namespaces: []), cgroups: noCgroups,
                                          structOps: [table], programName: { _ in nil })
        XCTAssertEqual(index.of(program: 40).map(\.attachPoint), ["tcp_congestion_ops.ssthresh"])
        XCTAssertEqual(index.of(program: 41).first?.mapID, 30)
        XCTAssertTrue(index.of(program: 0).isEmpty, "a struct_ops link runs no program of its own")
        index.place(&structLink)
        XCTAssertEqual(structLink.programCell, "40,41")
        XCTAssertEqual(structLink.attachedText, "tcp_congestion_ops my_cc map_id 30")
    }

    func testHandlesAndFlagsAsTcAndBpftoolWriteThem() {
        XCTAssertEqual(AttachmentIndex.hexHandle(1), "1")
        XCTAssertEqual(AttachmentIndex.hexHandle(0xffff_fff2), "ffff:fff2")
        XCTAssertEqual(CgroupAttachment.flagsName(1), "override")
        XCTAssertEqual(CgroupAttachment.flagsName(2), "multi")
        XCTAssertEqual(CgroupAttachment.flagsName(0x12), "unknown(12)")
    }
}

import XCTest
@testable import BPFKit
@testable import BPFNavCLI
import Encoding
@testable import ObjectModel

/// `cgroup tree` and `cgroup show` from fixed snapshots: bpftool's layout
/// and field names, bpfnav's extra fields.
final class CgroupOutputTests: XCTestCase {
    private let root = "/cg"
    private let egress: UInt32 = 1, ingress: UInt32 = 0, sockOps: UInt32 = 3

    private func snapshot(effective: Bool = false) -> CgroupSnapshot {
        var snapshot = CgroupSnapshot(root: root, attachments: [
            CgroupAttachment(path: root, cgroupID: 1, attachType: ingress, attachFlags: ProgQuery.allowMulti,
                             programID: 10, linkID: nil, inherited: false),
            CgroupAttachment(path: root + "/a", cgroupID: 7, attachType: egress, attachFlags: ProgQuery.allowOverride,
                             programID: 11, linkID: 5, inherited: effective),
            CgroupAttachment(path: root + "/a", cgroupID: 7, attachType: sockOps, attachFlags: 0,
                             programID: 12, linkID: nil, inherited: false),
            // Freed before its name was read: left out, as bpftool does.
            CgroupAttachment(path: root + "/b", cgroupID: 8, attachType: egress, attachFlags: 0,
                             programID: 13, linkID: nil, inherited: false),
        ], paths: [1: root, 7: root + "/a", 8: root + "/b"], errors: [])
        snapshot.effective = effective
        snapshot.programs = [
            10: CgroupProgram(name: "in\"q", attachBTFName: ""),
            11: CgroupProgram(name: "out"),
            12: CgroupProgram(name: "ops", attachBTFObjectID: 2, attachBTFID: 99),
        ]
        return snapshot
    }

    private func text(_ body: (Output) -> Void) -> String { String(decoding: capture(body), as: UTF8.self) }

    func testAttachTypeNamesAreLibbpfsAsCurrentBpftoolPrints() {
        XCTAssertEqual(AttachType.cgroupTypes.count, 29)
        XCTAssertEqual(Set(AttachType.cgroupTypes).count, 29)
        XCTAssertEqual(AttachType.cgroupTypes.first.map(CgroupCommand.attachTypeName), "cgroup_inet_ingress")
        XCTAssertEqual(AttachType.cgroupTypes.last.map(CgroupCommand.attachTypeName), "lsm_cgroup")
        for type in AttachType.cgroupTypes {
            let name = CgroupCommand.attachTypeName(type)
            XCTAssertNotNil(name, "attach type \(type)")
            XCTAssertTrue(name == "lsm_cgroup" || name?.hasPrefix("cgroup_") == true, name ?? "")
        }
        XCTAssertNil(CgroupCommand.attachTypeName(9999))
        XCTAssertEqual(CgroupCommand.flagsName(ProgQuery.allowMulti), "multi")
        XCTAssertEqual(CgroupCommand.flagsName(ProgQuery.allowOverride), "override")
        XCTAssertEqual(CgroupCommand.flagsName(0), "")
        XCTAssertEqual(CgroupCommand.flagsName(6), "unknown(6)")
    }

    func testTreeJSON() {
        XCTAssertEqual(text { CgroupCommand.writeTreeJSON(snapshot(), out: $0) }, """
        [
        {"cgroup":"/cg","programs":[{"id":10,"attach_type":"cgroup_inet_ingress","attach_flags":"multi","name":"in\\"q","attach_btf_name":"","attach_btf_obj_id":0,"attach_btf_id":0,"cgroup_id":1}]},
        {"cgroup":"/cg/a","programs":[{"id":11,"attach_type":"cgroup_inet_egress","attach_flags":"override","name":"out","attach_btf_obj_id":0,"attach_btf_id":0,"cgroup_id":7,"link_id":5},{"id":12,"attach_type":"cgroup_sock_ops","attach_flags":"","name":"ops","attach_btf_obj_id":2,"attach_btf_id":99,"cgroup_id":7}]}
        ]

        """)
        let empty = CgroupSnapshot(root: root, attachments: [], paths: [1: root], errors: [])
        XCTAssertEqual(text { CgroupCommand.writeTreeJSON(empty, out: $0) }, "[]\n")
        XCTAssertEqual(text { CgroupCommand.writeShowJSON(empty, out: $0) }, "[]\n")
    }

    func testEffectiveShowJSONHasNoFlagsAndSaysInherited() {
        let out = text { CgroupCommand.writeShowJSON(snapshot(effective: true), out: $0) }
        XCTAssertFalse(out.contains("attach_flags"), out)
        XCTAssertTrue(out.contains("\"cgroup_id\":7,\"link_id\":5,\"inherited\":true}"), out)
        XCTAssertTrue(out.contains("\"cgroup_id\":1,\"inherited\":false}"), out)
        XCTAssertEqual(out.split(separator: "\n").count, 5, out)  // [, three programs, ]
    }

    func testTreeTextAsBpftool() {
        XCTAssertEqual(text { CgroupCommand.writeTreeText(snapshot(), out: $0) }, """
        CgroupPath
        ID       AttachType      AttachFlags     Name           
        /cg
        10       cgroup_inet_ingress multi           in"q                           
        /cg/a
            11       cgroup_inet_egress override        out            
            12       cgroup_sock_ops                 ops             attach_btf_obj_id=2 attach_btf_id=99

        """)
    }

    func testShowTextAsBpftool() {
        XCTAssertEqual(text { CgroupCommand.writeShowText(snapshot(effective: true), out: $0) }, """
        ID       AttachType      Name           
        10       cgroup_inet_ingress in"q                           
        11       cgroup_inet_egress out            
        12       cgroup_sock_ops ops             attach_btf_obj_id=2 attach_btf_id=99

        """)
        let empty = CgroupSnapshot(root: root, attachments: [], paths: [:], errors: [])
        XCTAssertEqual(text { CgroupCommand.writeShowText(empty, out: $0) }, "", "bpftool prints nothing")
    }

    func testByCgroupGroupsInTreeOrder() {
        let groups = snapshot().byCgroup
        XCTAssertEqual(groups.map(\.path), [root, root + "/a", root + "/b"])
        XCTAssertEqual(groups.map(\.attachments.count), [1, 2, 1])
        XCTAssertEqual(snapshot().path(forID: 7), root + "/a")
        XCTAssertNil(snapshot().path(forID: 99))
    }
}

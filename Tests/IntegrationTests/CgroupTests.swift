import BPFKit
import CLibBPF
import Foundation
import ObjectModel
import TestSupport
import XCTest

/// `bpfnav cgroup tree|show` against bpftool's, on a cgroup directory the
/// test makes under the cgroup2 mount: a cgroup_skb program attached the
/// legacy way (bpf_prog_attach, multi) on ingress, another through a link
/// on egress, and a child cgroup that inherits both.
final class CgroupTests: BPFTestCase {
    private var directory = ""
    private var child = ""
    private var legacyID: UInt32 = 0
    private var linkedID: UInt32 = 0
    private var linkID: UInt32 = 0

    private var bpftool: String? {
        ["/usr/sbin/bpftool", "/usr/bin/bpftool", "/sbin/bpftool"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Makes the cgroups and attachments; the teardown blocks undo each
    /// step that succeeded, also when the test fails.
    private func makeCgroups() throws {
        guard let mount = CgroupSnapshot.cgroup2Mounts().first else { throw XCTSkip("cgroup v2 is not mounted") }
        directory = mount + "/bpfnav-test-\(UInt32.random(in: 0..<UInt32.max))"
        child = directory + "/child"
        guard mkdir(directory, 0o755) == 0 else {
            throw XCTSkip("cannot make a cgroup here (\(directory)): \(String(cString: strerror(errno)))")
        }
        let made = directory
        addTeardownBlock { XCTAssertEqual(rmdir(made), 0, "rmdir \(made): \(String(cString: strerror(errno)))") }
        XCTAssertEqual(mkdir(child, 0o755), 0, "mkdir \(child): \(String(cString: strerror(errno)))")
        let madeChild = child
        addTeardownBlock { XCTAssertEqual(rmdir(madeChild), 0, "rmdir \(madeChild): \(String(cString: strerror(errno)))") }

        let cgroup = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(cgroup, 0)
        addTeardownBlock { close(cgroup) }

        let legacy = try loadProgram(BPF_PROG_TYPE_CGROUP_SKB, name: "bpfnav_cg_old")
        legacyID = try ProgramInfo(fd: legacy.raw).id
        let legacyFD = legacy.release()
        addTeardownBlock { close(legacyFD) }
        let attached = bpf_prog_attach(legacyFD, cgroup, BPF_CGROUP_INET_INGRESS, UInt32(BPF_F_ALLOW_MULTI))
        XCTAssertEqual(attached, 0, "bpf_prog_attach: \(String(cString: strerror(-attached)))")
        if attached == 0 {
            addTeardownBlock {
                XCTAssertEqual(bpf_prog_detach2(legacyFD, cgroup, BPF_CGROUP_INET_INGRESS), 0, "bpf_prog_detach2")
            }
        }

        let linked = try loadProgram(BPF_PROG_TYPE_CGROUP_SKB, name: "bpfnav_cg_link")
        linkedID = try ProgramInfo(fd: linked.raw).id
        let link = bpf_link_create(linked.raw, cgroup, BPF_CGROUP_INET_EGRESS, nil)
        XCTAssertGreaterThanOrEqual(link, 0, "bpf_link_create: \(String(cString: strerror(-link)))")
        if link >= 0 {
            addTeardownBlock { close(link) }  // the last fd: the link detaches
            linkID = try LinkInfo(fd: link).id
        }
    }

    // MARK: - Reading JSON

    private func jsonArray(_ result: RunResult, _ what: String) throws -> [[String: Any]] {
        XCTAssertEqual(result.status, 0, "\(what): \(result.stderr)")
        // bpftool prints an empty line for a cgroup without programs.
        if result.text.allSatisfy(\.isWhitespace) { return [] }
        let value = try JSONSerialization.jsonObject(with: Data(result.stdout))
        return try XCTUnwrap(value as? [[String: Any]], "\(what): \(result.text)")
    }

    /// The fields bpftool prints, per program, sorted by id.
    private func bpftoolFields(_ programs: [[String: Any]]) -> [String] {
        programs.map { program in
            ["id", "attach_type", "attach_flags", "name", "attach_btf_name", "attach_btf_obj_id", "attach_btf_id"].map { key in
                program[key].map { "\(key)=\($0)" } ?? "\(key) absent"
            }.joined(separator: " ")
        }.sorted()
    }

    private func programs(inTree tree: [[String: Any]], cgroup: String) -> [[String: Any]] {
        tree.filter { $0["cgroup"] as? String == cgroup }.flatMap { $0["programs"] as? [[String: Any]] ?? [] }
    }

    private func cgroupID(_ path: String) -> UInt64 {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        return UInt64(st.st_ino)
    }

    // MARK: - Tests

    func testTreeAndShowAsBpftool() throws {
        try makeCgroups()
        let tree = try jsonArray(try bpfnav("cgroup", "tree", "--json"), "bpfnav cgroup tree")
        let ours = programs(inTree: tree, cgroup: directory)
        XCTAssertEqual(Set(ours.compactMap { $0["id"] as? Int }), [Int(legacyID), Int(linkedID)], "\(tree)")
        // The child has nothing of its own: bpftool's tree leaves it out.
        XCTAssertTrue(programs(inTree: tree, cgroup: child).isEmpty)
        for program in ours {
            let id = try XCTUnwrap(program["id"] as? Int)
            XCTAssertEqual(program["cgroup_id"] as? UInt64, cgroupID(directory))
            XCTAssertEqual(program["attach_flags"] as? String, "multi")
            if id == Int(legacyID) {
                XCTAssertEqual(program["attach_type"] as? String, "cgroup_inet_ingress")
                XCTAssertEqual(program["name"] as? String, "bpfnav_cg_old")
                XCTAssertNil(program["link_id"], "a legacy attachment has no link")
            } else {
                XCTAssertEqual(program["attach_type"] as? String, "cgroup_inet_egress")
                XCTAssertEqual(program["name"] as? String, "bpfnav_cg_link")
                XCTAssertEqual(program["link_id"] as? Int, Int(linkID))
            }
        }
        let show = try jsonArray(try bpfnav("cgroup", "show", directory, "--json"), "bpfnav cgroup show")
        XCTAssertEqual(bpftoolFields(show), bpftoolFields(ours))
        let rooted = try jsonArray(try bpfnav("cgroup", "tree", directory, "--json"), "bpfnav cgroup tree ROOT")
        XCTAssertEqual(rooted.compactMap { $0["cgroup"] as? String }, [directory])

        guard let bpftool else { throw XCTSkip("no bpftool to compare with") }
        // Debian 12's bpftool (7.1) asks for per-program attach flags, which
        // kernels before 6.0 refuse (EINVAL): it then lists nothing and
        // `show` fails. There the fields above, checked against what this
        // test attached, are the comparison; bpfnav asks again without them.
        if let kernel = KernelVersion(release: RunningKernel.release), kernel < KernelVersion(6, 0) {
            if try runCommand(bpftool, ["cgroup", "show", directory, "-j"]).status != 0 { return }
        }
        let theirs = try jsonArray(try runCommand(bpftool, ["cgroup", "tree", "-j"]), "bpftool cgroup tree")
        XCTAssertEqual(bpftoolFields(ours), bpftoolFields(programs(inTree: theirs, cgroup: directory)))
        let theirShow = try jsonArray(try runCommand(bpftool, ["cgroup", "show", directory, "-j"]), "bpftool cgroup show")
        XCTAssertEqual(bpftoolFields(show), bpftoolFields(theirShow))
        let theirRooted = try jsonArray(try runCommand(bpftool, ["cgroup", "tree", directory, "-j"]), "bpftool tree ROOT")
        XCTAssertEqual(bpftoolFields(programs(inTree: rooted, cgroup: directory)),
                       bpftoolFields(programs(inTree: theirRooted, cgroup: directory)))
    }

    func testEffectiveInChild() throws {
        try makeCgroups()
        let own = try jsonArray(try bpfnav("cgroup", "show", child, "--json"), "bpfnav cgroup show child")
        XCTAssertTrue(own.isEmpty, "\(own)")
        let effective = try jsonArray(try bpfnav("cgroup", "show", child, "--effective", "--json"), "show --effective")
        XCTAssertEqual(Set(effective.compactMap { $0["id"] as? Int }), [Int(legacyID), Int(linkedID)], "\(effective)")
        for program in effective {
            XCTAssertEqual(program["inherited"] as? Bool, true)
            XCTAssertNil(program["attach_flags"], "bpftool prints no flags for effective programs")
            XCTAssertEqual(program["cgroup_id"] as? UInt64, cgroupID(child))
            if program["id"] as? Int == Int(linkedID) {
                XCTAssertEqual(program["link_id"] as? Int, Int(linkID), "the ancestor's link")
            } else {
                XCTAssertNil(program["link_id"])
            }
        }
        let text = try bpfnav("cgroup", "show", child, "--effective")
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.text.hasPrefix("ID       AttachType      Name           \n"), text.text)

        guard let bpftool else { throw XCTSkip("no bpftool to compare with") }
        let theirs = try jsonArray(try runCommand(bpftool, ["cgroup", "show", child, "effective", "-j"]), "bpftool")
        XCTAssertEqual(bpftoolFields(effective), bpftoolFields(theirs))
        let theirOwn = try jsonArray(try runCommand(bpftool, ["cgroup", "show", child, "-j"]), "bpftool show child")
        XCTAssertTrue(theirOwn.isEmpty)
    }

    /// The model: paths by id, the cheap resolver, inherited origins.
    func testSnapshotPathsAndLinks() throws {
        try makeCgroups()
        let snapshot = try CgroupSnapshot.collect(root: directory, effective: true)
        XCTAssertEqual(snapshot.errors, [])
        XCTAssertEqual(snapshot.path(forID: cgroupID(directory)), directory)
        XCTAssertEqual(snapshot.path(forID: cgroupID(child)), child)
        let inChild = snapshot.attachments.filter { $0.path == child }
        XCTAssertEqual(inChild.count, 2)
        XCTAssertTrue(inChild.allSatisfy { $0.inherited && $0.attachedAt == cgroupID(directory) })
        XCTAssertEqual(inChild.map(\.attachFlags), [ProgQuery.allowMulti, ProgQuery.allowMulti])
        let ids: Set<UInt64> = [cgroupID(directory), cgroupID(child)]
        XCTAssertEqual(CgroupPaths.resolve(ids: ids), [cgroupID(directory): directory, cgroupID(child): child])
        XCTAssertEqual(CgroupPaths.resolve(ids: [UInt64.max]), [:])
    }

    func testShowOfAMissingCgroupNamesOperationPathAndErrno() throws {
        let result = try bpfnav("cgroup", "show", "/nonexistent")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("open cgroup /nonexistent"), result.stderr)
        XCTAssertTrue(result.stderr.contains("ENOENT"), result.stderr)
        let json = try bpfnav("cgroup", "show", "/nonexistent", "--json")
        XCTAssertNotEqual(json.status, 0)
        XCTAssertTrue(json.text.contains("\"errno\":\"ENOENT\""), json.text)
    }
}

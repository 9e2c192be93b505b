import BPFKit
import CLibBPF
import Foundation
import Netlink
import TestSupport
import XCTest

/// `bpfnav net` against what ip, tc and bpftool say, one kind of attachment
/// per test, each in a network namespace of its own (bpfnav-test-<random>)
/// with a veth pair that has no addresses. Nothing of the host's network is
/// touched; the namespace (and with it its devices, filters and XDP
/// programs) is removed when the test ends, also when it fails.
final class NetAttachmentTests: BPFTestCase {
    struct Namespace {
        var name: String
        /// The veth end the test attaches to, and its peer.
        var device: String
        var peer: String
        var path: String { "/run/netns/\(name)" }
    }

    /// A new namespace with a veth pair, removed by the test's teardown.
    func makeNamespace() throws -> Namespace {
        let tag = String(UInt32.random(in: 0..<0xffff_ffff), radix: 36)
        let namespace = Namespace(name: "bpfnav-test-\(tag)", device: "bnv\(tag)a", peer: "bnv\(tag)b")
        try run("/usr/bin/env", ["ip", "netns", "add", namespace.name])
        addTeardownBlock {
            _ = try? runCommand("/usr/bin/env", ["ip", "netns", "delete", namespace.name])
        }
        try run("/usr/bin/env", ["ip", "-n", namespace.name, "link", "add", namespace.device, "type", "veth",
                                 "peer", "name", namespace.peer])
        return namespace
    }

    /// The fixture's object file, for tc and ip (which load it themselves).
    func objectFile() throws -> String {
        let path = NSTemporaryDirectory() + "net_progs-\(UUID().uuidString).o"
        try Data(try Fixture.compile("net_progs.bpf.c")).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Loads the fixture's `program` and makes a link of `type` to
    /// `ifindex` from inside the namespace (setns on this thread, and
    /// back): the kernel resolves the ifindex in the caller's namespace.
    /// Returns bpf_link_create's result (an fd, or -errno) and the object.
    func linkInside(_ namespace: Namespace, program: String, ifindex: Int, _ type: bpf_attach_type,
                    flags: UInt32 = 0) throws -> (Int32, BPFObject) {
        let object = try BPFObject(elf: try Fixture.compile("net_progs.bpf.c"), name: "net_progs")
        try object.setAutoload("bpfnav_net_act", false)
        try object.load()
        let fd = try object.programFD(program)
        let entering = NetNamespace(inode: 0, name: namespace.name, pid: nil, isCurrent: false, path: namespace.path)
        let raw = try entering.entered { _ in
            var opts = bpf_link_create_opts()
            opts.sz = MemoryLayout<bpf_link_create_opts>.size
            opts.flags = flags
            return bpf_link_create(fd, Int32(ifindex), type, &opts)
        }
        return (raw, object)
    }

    struct CommandFailed: Error, CustomStringConvertible { var description: String }

    /// Runs a command that must succeed.
    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> RunResult {
        let result = try runCommand(executable, arguments)
        guard result.status == 0 else {
            throw CommandFailed(description: "\(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result
    }

    func json(_ result: RunResult) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(result.stdout))
    }

    /// bpfnav net --json's object for `namespace`.
    func bpfnavNet(_ namespace: Namespace) throws -> [String: Any] {
        let result = try bpfnav("net", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        let all = try XCTUnwrap(try json(result) as? [[String: Any]])
        XCTAssertEqual((all.first?["namespace"] as? [String: Any])?["current"] as? Bool, true, "bpfnav's own namespace comes first")
        return try XCTUnwrap(all.first { (($0["namespace"] as? [String: Any])?["name"] as? String) == namespace.name },
                             "bpfnav net shows no namespace \(namespace.name)")
    }

    /// `ip netns exec NS bpftool net -j`'s one object.
    func bpftoolNet(_ namespace: Namespace) throws -> [String: Any] {
        let result = try run("/usr/bin/env", ["ip", "netns", "exec", namespace.name, "bpftool", "net", "-j"])
        return try XCTUnwrap((try json(result) as? [[String: Any]])?.first)
    }

    /// `ip -n NS -j link show dev DEV`'s one device.
    func ipLink(_ namespace: Namespace, _ device: String) throws -> [String: Any] {
        let result = try run("/usr/bin/env", ["ip", "-n", namespace.name, "-j", "link", "show", "dev", device])
        return try XCTUnwrap((try json(result) as? [[String: Any]])?.first)
    }

    /// The keys bpftool has, compared one by one (bpfnav adds others).
    func assertSameEntries(_ ours: Any?, _ bpftool: Any?, keys: [String], file: StaticString = #filePath, line: UInt = #line) {
        let ours = (ours as? [[String: Any]]) ?? [], theirs = (bpftool as? [[String: Any]]) ?? []
        XCTAssertEqual(ours.count, theirs.count, "bpfnav \(ours) bpftool \(theirs)", file: file, line: line)
        for (a, b) in zip(ours, theirs) {
            for key in keys {
                XCTAssertEqual(a[key].map { "\($0)" }, b[key].map { "\($0)" }, key, file: file, line: line)
            }
        }
    }

    func testClsactBPFFilterInDirectActionMode() throws {
        let namespace = try makeNamespace()
        let object = try objectFile()
        try run("/usr/bin/env", ["tc", "-n", namespace.name, "qdisc", "add", "dev", namespace.device, "clsact"])
        try run("/usr/bin/env", ["tc", "-n", namespace.name, "filter", "add", "dev", namespace.device, "ingress",
                                 "bpf", "da", "obj", object, "sec", "tc"])

        let ours = try bpfnavNet(namespace)
        assertSameEntries(ours["tc"], try bpftoolNet(namespace)["tc"], keys: ["devname", "ifindex", "kind", "name", "id"])
        let filter = try XCTUnwrap((ours["tc"] as? [[String: Any]])?.first)
        XCTAssertEqual(filter["kind"] as? String, "clsact/ingress")
        XCTAssertEqual(filter["direct_action"] as? Bool, true)

        let tc = try run("/usr/bin/env", ["tc", "-n", namespace.name, "-j", "filter", "show", "dev", namespace.device, "ingress"])
        let theirs = try XCTUnwrap((try json(tc) as? [[String: Any]])?.first { $0["options"] != nil })
        let options = try XCTUnwrap(theirs["options"] as? [String: Any])
        XCTAssertEqual(filter["id"] as? Int, (options["prog"] as? [String: Any])?["id"] as? Int)
        XCTAssertEqual(filter["name"] as? String, options["bpf_name"] as? String)
        XCTAssertEqual(filter["priority"] as? Int, theirs["pref"] as? Int)
        XCTAssertEqual(filter["chain"] as? Int, theirs["chain"] as? Int)
        XCTAssertEqual(filter["handle"] as? Int, Int((options["handle"] as? String ?? "").dropFirst(2), radix: 16))
        XCTAssertEqual(theirs["protocol"] as? String, "all")
        XCTAssertEqual(filter["protocol"] as? Int, 3, "ETH_P_ALL")
        XCTAssertEqual(options["direct-action"] as? Bool, true)
        XCTAssertEqual(filter["ifindex"] as? Int, try ipLink(namespace, namespace.device)["ifindex"] as? Int)
    }

    func testXDPInGenericMode() throws {
        let namespace = try makeNamespace()
        let object = try objectFile()
        try run("/usr/bin/env", ["ip", "-n", namespace.name, "link", "set", "dev", namespace.device,
                                 "xdpgeneric", "obj", object, "sec", "xdp"])

        let ours = try bpfnavNet(namespace)
        assertSameEntries(ours["xdp"], try bpftoolNet(namespace)["xdp"], keys: ["devname", "ifindex", "mode", "id"])
        let entry = try XCTUnwrap((ours["xdp"] as? [[String: Any]])?.first)
        let link = try ipLink(namespace, namespace.device)
        let xdp = try XCTUnwrap(link["xdp"] as? [String: Any])
        XCTAssertEqual(entry["devname"] as? String, link["ifname"] as? String)
        XCTAssertEqual(entry["ifindex"] as? Int, link["ifindex"] as? Int)
        XCTAssertEqual(entry["id"] as? Int, (xdp["prog"] as? [String: Any])?["id"] as? Int)
        XCTAssertEqual(entry["mode"] as? String, "generic")
        XCTAssertEqual(xdp["mode"] as? Int, 2, "XDP_ATTACHED_SKB")
    }

    /// An XDP link made inside the namespace: the snapshot names its device
    /// in that namespace, not after bpfnav's own device with the same
    /// ifindex (issue #13).
    func testXDPLinkIsNamedInItsOwnNamespace() throws {
        let namespace = try makeNamespace()
        let device = try ipLink(namespace, namespace.device)
        let ifindex = try XCTUnwrap(device["ifindex"] as? Int)
        // XDP_FLAGS_SKB_MODE: generic, which any device has.
        let (raw, _) = try linkInside(namespace, program: "bpfnav_net_xdp", ifindex: ifindex, BPF_XDP, flags: 1 << 1)
        guard raw >= 0 else { return XCTFail("link_create xdp in \(namespace.name): \(Errno.name(-raw))") }
        let link = OwnedFD(adopting: raw)
        let info = try LinkInfo(fd: link.raw)
        XCTAssertEqual(info.details, .xdp(ifindex: UInt32(ifindex)))

        let snapshot = NetSnapshot.collect()
        let (where_, named) = try XCTUnwrap(snapshot.xdpDevice(ifindex: UInt32(ifindex), programID: info.programID),
                                            "the XDP link's device is found")
        XCTAssertEqual(where_.name, namespace.name)
        XCTAssertEqual(named.name, device["ifname"] as? String)
        XCTAssertEqual(named.name, namespace.device)
        // bpfnav's own namespace may well have a device at this ifindex:
        // it is not the one named.
        if let own = snapshot.namespaces.first(where: { $0.namespace.isCurrent }),
           let same = own.devices.first(where: { $0.ifindex == UInt32(ifindex) }) {
            XCTAssertNotEqual(same.name, named.name)
        }
        XCTAssertNil(snapshot.xdpDevice(ifindex: UInt32(ifindex), programID: info.programID &+ 100_000))

        let ours = try bpfnavNet(namespace)
        assertSameEntries(ours["xdp"], try bpftoolNet(namespace)["xdp"], keys: ["devname", "ifindex", "mode", "id"])
        XCTAssertEqual((ours["xdp"] as? [[String: Any]])?.first?["devname"] as? String, namespace.device)

        // The link and its program say the same, in JSON and in words.
        let linkID = try ObjectIdentity.id(of: link.raw, kind: .link)
        let linkJSON = try XCTUnwrap(try json(try bpfnav("link", "\(linkID)", "--json")) as? [String: Any])
        XCTAssertEqual(linkJSON["devname"] as? String, namespace.device, "\(linkJSON)")
        XCTAssertEqual((linkJSON["netns"] as? [String: Any])?["name"] as? String, namespace.name, "\(linkJSON)")
        let links = try bpfnav("links")
        let row = try XCTUnwrap(links.text.split(separator: "\n").first { $0.hasPrefix("\(linkID) ") }, links.text)
        XCTAssertTrue(row.contains("devname \(namespace.device) ifindex \(ifindex) netns \(namespace.name)"), String(row))
        let program = try XCTUnwrap(try json(try bpfnav("prog", "\(info.programID)", "--json")) as? [String: Any])
        let places = try XCTUnwrap(program["attachments"] as? [[String: Any]], "\(program)")
        XCTAssertEqual(places.count, 1, "\(places)")
        XCTAssertEqual(places.first?["kind"] as? String, "xdp")
        XCTAssertEqual(places.first?["attach_point"] as? String, "generic")
        XCTAssertEqual(places.first?["link_id"] as? Int, Int(linkID))
        XCTAssertEqual(places.first?["devname"] as? String, namespace.device)
        XCTAssertEqual((places.first?["netns"] as? [String: Any])?["name"] as? String, namespace.name)
    }

    /// Filters of a classful qdisc: one on an htb class (parent 1:1) and
    /// one on the qdisc itself (parent 1:), both listed with the qdisc's
    /// kind as bpftool lists them.
    func testFiltersOfAClassAndItsQdisc() throws {
        let namespace = try makeNamespace()
        let object = try objectFile()
        let tc = ["tc", "-n", namespace.name]
        try run("/usr/bin/env", tc + ["qdisc", "add", "dev", namespace.device, "root", "handle", "1:", "htb"])
        try run("/usr/bin/env", tc + ["class", "add", "dev", namespace.device, "parent", "1:", "classid", "1:1",
                                     "htb", "rate", "1mbit"])
        for parent in ["1:1", "1:"] {
            try run("/usr/bin/env", tc + ["filter", "add", "dev", namespace.device, "parent", parent, "bpf", "da",
                                         "obj", object, "sec", "tc"])
        }
        let ours = try XCTUnwrap(try bpfnavNet(namespace)["tc"] as? [[String: Any]])
        XCTAssertEqual(ours.count, 2, "\(ours)")
        XCTAssertEqual(Set(ours.compactMap { $0["kind"] as? String }), ["htb"], "\(ours)")
        assertSameEntries(ours, try bpftoolNet(namespace)["tc"], keys: ["devname", "ifindex", "kind", "name", "id"])
    }

    /// A tc filter's program lists the filter among its attachments, with
    /// tc's own priority and handle (`tc -j filter show`).
    func testProgramJSONListsItsTCFilter() throws {
        let namespace = try makeNamespace()
        try run("/usr/bin/env", ["tc", "-n", namespace.name, "qdisc", "add", "dev", namespace.device, "clsact"])
        try run("/usr/bin/env", ["tc", "-n", namespace.name, "filter", "add", "dev", namespace.device, "egress",
                                 "pref", "7", "bpf", "da", "obj", try objectFile(), "sec", "tc"])
        let filters = try XCTUnwrap(try json(try run("/usr/bin/env", ["tc", "-n", namespace.name, "-j", "filter", "show",
                                                                    "dev", namespace.device, "egress"])) as? [[String: Any]])
        let filter = try XCTUnwrap(filters.first { ($0["options"] as? [String: Any])?["prog"] != nil }, "\(filters)")
        let programID = try XCTUnwrap(((filter["options"] as? [String: Any])?["prog"] as? [String: Any])?["id"] as? Int)
        let program = try XCTUnwrap(try json(try bpfnav("prog", "\(programID)", "--json")) as? [String: Any])
        let places = try XCTUnwrap(program["attachments"] as? [[String: Any]], "\(program)")
        let tc = try XCTUnwrap(places.first { $0["kind"] as? String == "tc" }, "\(places)")
        XCTAssertEqual(tc["attach_point"] as? String, "clsact/egress")
        XCTAssertEqual(tc["devname"] as? String, namespace.device)
        let details = try XCTUnwrap(tc["details"] as? [String: Any])
        XCTAssertEqual(details["priority"] as? Int, filter["pref"] as? Int)
        XCTAssertEqual(details["direct_action"] as? Bool, true)
        // tc -j writes the handle "0x1"; bpfnav as tc's text does, "1" (or "maj:min").
        let theirs = ((filter["options"] as? [String: Any])?["handle"] as? String).map { $0.replacingOccurrences(of: "0x", with: "") }
        XCTAssertEqual(details["handle"] as? String, theirs, "\(details) vs \(filter)")
    }

    /// The namespace's own hooks: a flow dissector attached without a link
    /// (from inside the namespace: the kernel attaches it to the caller's)
    /// and an sk_lookup program through a netns link; each listed once,
    /// under the namespace, the link's with its id.
    func testFlowDissectorAndSkLookupInTheirNamespace() throws {
        let namespace = try makeNamespace()
        let entering = NetNamespace(inode: 0, name: namespace.name, pid: nil, isCurrent: false, path: namespace.path)
        let dissector = try loadProgram(BPF_PROG_TYPE_FLOW_DISSECTOR, name: "nav_dissect")
        let attached = try entering.entered { _ in bpf_prog_attach(dissector.raw, 0, BPF_FLOW_DISSECTOR, 0) }
        XCTAssertEqual(attached, 0, "attach the flow dissector: \(Errno.name(-attached))")
        defer { _ = try? entering.entered { _ in bpf_prog_detach2(dissector.raw, 0, BPF_FLOW_DISSECTOR) } }

        var insns = [bpf_insn(code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 1),   // r0 = SK_PASS
                     bpf_insn(code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0)]   // exit
        var load = bpf_prog_load_opts()
        load.sz = MemoryLayout<bpf_prog_load_opts>.size
        load.expected_attach_type = BPF_SK_LOOKUP
        let lookupFD = bpf_prog_load(BPF_PROG_TYPE_SK_LOOKUP, "nav_lookup", "GPL", &insns, 2, &load)
        XCTAssertGreaterThanOrEqual(lookupFD, 0, "load an sk_lookup program: \(Errno.name(-lookupFD))")
        let lookup = OwnedFD(adopting: lookupFD)
        let netns = open(namespace.path, O_RDONLY | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(netns, 0, namespace.path)
        defer { close(netns) }
        let linkFD = bpf_link_create(lookup.raw, netns, BPF_SK_LOOKUP, nil)
        XCTAssertGreaterThanOrEqual(linkFD, 0, "link sk_lookup: \(Errno.name(-linkFD))")
        let link = OwnedFD(adopting: linkFD)
        let linkID = try ObjectIdentity.id(of: link.raw, kind: .link)

        let ours = try bpfnavNet(namespace)
        let dissectorID = try ObjectIdentity.id(of: dissector.raw, kind: .program)
        let lookupID = try ObjectIdentity.id(of: lookup.raw, kind: .program)
        XCTAssertEqual((ours["flow_dissector"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }, [Int(dissectorID)], "\(ours)")
        // bpftool agrees on the flow dissector (it has no sk_lookup list); in
        // text, as its JSON for it is not JSON (`["id":N]`).
        let theirs = try run("/usr/bin/env", ["ip", "netns", "exec", namespace.name, "bpftool", "net"]).text
        XCTAssertTrue(theirs.contains("flow_dissector:\nid \(dissectorID)"), theirs)

        for (id, kind, link) in [(dissectorID, "flow_dissector", nil), (lookupID, "sk_lookup", Optional(linkID))] {
            let program = try XCTUnwrap(try json(try bpfnav("prog", "\(id)", "--json")) as? [String: Any])
            let places = try XCTUnwrap(program["attachments"] as? [[String: Any]], "\(program)")
            XCTAssertEqual(places.count, 1, "\(kind): \(places)")
            XCTAssertEqual(places.first?["kind"] as? String, kind)
            XCTAssertEqual(places.first?["target"] as? String, "netns \(namespace.name)")
            XCTAssertEqual(places.first?["link_id"] as? Int, link.map { Int($0) }, "\(kind): \(places)")
        }
    }

    /// tcx (6.6+): a link on the veth's ingress, shown in "tc" with kind
    /// tcx/ingress as bpftool does. Before 6.6 the kernel refuses the link
    /// and bpfnav shows no tcx entry.
    func testTCXLink() throws {
        let namespace = try makeNamespace()
        let ifindex = try XCTUnwrap(try ipLink(namespace, namespace.device)["ifindex"] as? Int)
        let (raw, _) = try linkInside(namespace, program: "bpfnav_net_tc", ifindex: ifindex, BPF_TCX_INGRESS)
        let kernel = try XCTUnwrap(KernelVersion(release: RunningKernel.release))
        if kernel < KernelVersion(6, 6) {
            XCTAssertLessThan(raw, 0, "Linux \(kernel) made a tcx link")
            let tc = try bpfnavNet(namespace)["tc"] as? [[String: Any]] ?? []
            XCTAssertFalse(tc.contains { ($0["kind"] as? String)?.hasPrefix("tcx/") == true }, "\(tc)")
            return
        }
        guard raw >= 0 else { return XCTFail("link_create tcx in \(namespace.name): \(Errno.name(-raw))") }
        let link = OwnedFD(adopting: raw)
        let info = try LinkInfo(fd: link.raw)

        let tc = try XCTUnwrap(try bpfnavNet(namespace)["tc"] as? [[String: Any]])
        XCTAssertEqual(tc.count, 1, "\(tc)")
        let entry = try XCTUnwrap(tc.first)
        XCTAssertEqual(entry["kind"] as? String, "tcx/ingress")
        XCTAssertEqual(entry["devname"] as? String, namespace.device)
        XCTAssertEqual(entry["ifindex"] as? Int, ifindex)
        XCTAssertEqual(entry["prog_id"] as? Int, Int(info.programID))
        XCTAssertEqual(entry["link_id"] as? Int, Int(info.id))
        XCTAssertEqual(entry["name"] as? String, "bpfnav_net_tc")
        XCTAssertEqual(entry["prog_flags"] as? [Int], [])

        let snapshot = NetSnapshot.collect()
        let found = snapshot.multiProgDevice(ifindex: UInt32(ifindex), programID: info.programID, attachType: AttachType.tcxIngress)
        XCTAssertEqual(found?.0.name, namespace.name)
        XCTAssertEqual(found?.1.name, namespace.device)
        XCTAssertNil(snapshot.multiProgDevice(ifindex: UInt32(ifindex), programID: info.programID, attachType: AttachType.tcxEgress))
    }

    /// A standalone bpf action in the namespace's action table. Needs
    /// act_bpf, which not every kernel has (it runs on the kernel matrix).
    func testTCAction() throws {
        let probe = try runCommand("/usr/bin/env", ["modprobe", "act_bpf"])
        if probe.status != 0 {
            throw XCTSkip("act_bpf is not available (CONFIG_NET_ACT_BPF)")
        }
        let namespace = try makeNamespace()
        let object = try objectFile()
        let index = Int.random(in: 1000..<100_000)
        try run("/usr/bin/env", ["tc", "-n", namespace.name, "actions", "add", "action", "bpf", "obj", object,
                                 "sec", "action", "index", "\(index)"])

        let actions = try XCTUnwrap(try bpfnavNet(namespace)["actions"] as? [[String: Any]])
        let action = try XCTUnwrap(actions.first { $0["index"] as? Int == index }, "\(actions)")
        let programID = try XCTUnwrap(action["id"] as? Int)
        let info = try ProgramInfo(id: UInt32(programID))
        XCTAssertEqual(info.name, "bpfnav_net_act")
        XCTAssertEqual(actions.count, 1, "only this namespace's actions: \(actions)")
    }
}

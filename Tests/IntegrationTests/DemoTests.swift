import BPFKit
import CLibBPF
import Foundation
import Iterators
import TestSupport
import XCTest

/// `bpfnav demo`: pins a live program and its maps in DIR/demo, replaces
/// them on a second run, and `unpin --all` takes them away again.
final class DemoTests: BPFTestCase {
    private static let pinNames = ["counts", "cpus", "events", "link", "packets", "totals", "xdp"]

    private var demoDirectory: String { "\(pinDirectory)/demo" }
    /// Every demo program a test saw: none may outlive it.
    private var programIDs: Set<UInt32> = []

    override func tearDownWithError() throws {
        try super.tearDownWithError()
        for id in programIDs.sorted() { waitUntilGone(program: id) }
        XCTAssertFalse(BPFFS.isDirectory(pinDirectory), "\(pinDirectory) is left")
    }

    private func runDemo(environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let result = try bpfnav(["demo", "--no-browse", "--dir", pinDirectory], environment: environment)
        XCTAssertEqual(result.status, 0, "bpfnav demo: \(result.stderr)", file: file, line: line)
        return result
    }

    /// The demo's link (or its XDP link, "xdp"): its id and its program's id.
    private func link(_ name: String = "link") throws -> LinkInfo {
        let pinned = try PinnedObject(path: "\(demoDirectory)/\(name)")
        let info = try LinkInfo(fd: pinned.fd.raw)
        programIDs.insert(info.programID)
        return info
    }

    private func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0, path)
        return st.st_mode & 0o7777
    }

    private func dumpJSON(_ pin: String) throws -> [[String: Any]] {
        let result = try bpfnav("map", "dump", "\(demoDirectory)/\(pin)", "--json")
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]])
    }

    /// Waits until no program of that id is loaded (a detached tracing
    /// program is freed after an RCU grace period, not at once).
    private func waitUntilGone(program id: UInt32, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(waitUntil(timeout: 10) {
            do {
                _ = try ProgramInfo(id: id)
                return false
            } catch let error as BPFError {
                return error.errno == ENOENT
            } catch {
                return false
            }
        }, "program \(id) is still loaded", file: file, line: line)
    }

    func testDemoPinsALinkAndMapsThatFillUp() throws {
        let result = try runDemo()
        for name in Self.pinNames {
            XCTAssertTrue(result.text.contains("\(demoDirectory)/\(name) "), "output lacks \(name):\n\(result.text)")
        }
        XCTAssertEqual(try BPFFS.entries(of: demoDirectory), Self.pinNames)
        XCTAssertEqual(mode(demoDirectory), 0o700)
        for name in Self.pinNames {
            XCTAssertEqual(mode("\(demoDirectory)/\(name)"), 0o600, name)
        }

        let info = try link()
        XCTAssertEqual(info.typeName, "raw_tracepoint")
        // The demo's link has no cookie: 0, or nil on a kernel whose link info ends before it (5.10).
        let cookie: UInt64? = info.details == .rawTracepoint(name: "sched_switch", cookie: nil) ? nil : 0
        XCTAssertEqual(info.details, .rawTracepoint(name: "sched_switch", cookie: cookie))
        let program = try ProgramInfo(id: info.programID)
        XCTAssertEqual(program.name, "bpfnav_demo_sw")
        XCTAssertEqual(program.typeName, "raw_tracepoint")
        for (name, map) in [("counts", "bpfnav_demo_cnt"), ("events", "bpfnav_demo_log"),
                            ("cpus", "bpfnav_demo_cpu"), ("totals", "bpfnav_demo_tot")] {
            let pinned = try PinnedObject(path: "\(demoDirectory)/\(name)")
            let mapInfo = try MapInfo(fd: pinned.fd.raw)
            XCTAssertEqual(mapInfo.name, map)
            XCTAssertNotEqual(mapInfo.btfID, 0, "\(map) has BTF")
            XCTAssertTrue(program.mapIDs.contains(mapInfo.id), "\(map) is the program's")
        }

        // The program runs after bpfnav exited: the counts fill up. This
        // test's sleeps are context switches of its own.
        var counted: [(comm: String, events: Int)] = []
        XCTAssertTrue(waitUntil(timeout: 10) {
            usleep(20_000)
            counted = ((try? self.dumpJSON("counts")) ?? []).compactMap { entry in
                guard let formatted = entry["formatted"] as? [String: Any],
                      let key = formatted["key"] as? [String: Any], let comm = key["comm"] as? String,
                      let value = formatted["value"] as? [String: Any], let events = value["events"] as? Int
                else { return nil }
                return (comm, events)
            }
            return counted.contains { !$0.comm.isEmpty && $0.events > 0 }
        }, "no comm with events > 0 in the counts map: \(counted)")

        let events = try dumpJSON("events")
        XCTAssertEqual(events.count, 64)
        let states = events.compactMap { (($0["formatted"] as? [String: Any])?["value"] as? [String: Any])?["prev_state"] as? String }
        XCTAssertFalse(states.isEmpty)
        XCTAssertTrue(states.allSatisfy { $0.hasPrefix("BPFNAV_DEMO_") }, "enum by name: \(Set(states))")

        let totals = try dumpJSON("totals")
        let value = (totals.first?["formatted"] as? [String: Any])?["value"] as? [String: Any]
        XCTAssertGreaterThan(value?["events"] as? Int ?? 0, 0)

        let cpus = try dumpJSON("cpus")
        let perCPU = (cpus.first?["formatted"] as? [String: Any])?["values"] as? [[String: Any]]
        XCTAssertEqual(perCPU?.count, Int(sysconf(Int32(_SC_NPROCESSORS_CONF))))
    }

    func testDemoOpensTheBrowserOnATerminal() throws {
        let tmux = try TmuxSession([bpfnavBinary, "demo", "--dir", pinDirectory], columns: 120, rows: 35,
                                   environment: ["BPFNAV_CACHE_DIR": pinDirectory, "BPFNAV_DEMO_NETNS": demoNetns])
        XCTAssertTrue(tmux.waitFor("the browser starts") { $0.contains("q quit") })
        let programID = try link().programID
        // It opens on the demo's program, the cursor on it: Enter opens it.
        XCTAssertTrue(tmux.waitFor("the browser lists the demo program") { $0.contains("\(programID) raw_tracepoint") })
        tmux.sendKeys("Enter")
        XCTAssertTrue(tmux.waitFor("Enter opens the demo's program") { $0.contains("Programs › Program \(programID) bpfnav_demo_sw") })
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, "q quits the browser; the screen:\n\(tmux.capture())")
        // The browser is gone and the pins stay: the demo outlives bpfnav.
        XCTAssertTrue(tmux.waitFor { $0.contains("\(self.demoDirectory)/counts ") })
        XCTAssertEqual(try BPFFS.entries(of: demoDirectory), Self.pinNames)
        XCTAssertNoThrow(try ProgramInfo(id: programID))
    }

    func testDemoAgainReplacesIt() throws {
        _ = try runDemo()
        let old = try link()
        let oldMaps = try ProgramInfo(id: old.programID).mapIDs
        let oldXDP = try link("xdp")
        _ = try runDemo()
        let new = try link()
        // Its own namespace is replaced too, and the old XDP link with it.
        // (Not by the inode: a freed namespace's inode number is given to
        // the next one, as 7.x kernels do here.)
        _ = try netnsInode()
        XCTAssertEqual(try xdpProgramID(), Int(try link("xdp").programID))
        XCTAssertThrowsError(try LinkInfo(id: oldXDP.id), "the old XDP link is gone")
        XCTAssertNotEqual(new.id, old.id)
        XCTAssertNotEqual(new.programID, old.programID)
        XCTAssertEqual(try BPFFS.entries(of: demoDirectory), Self.pinNames)
        // No temporary directory is left beside it.
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory).filter { $0.hasPrefix("demo") }, ["demo"])
        XCTAssertThrowsError(try LinkInfo(id: old.id), "the old link is gone")
        waitUntilGone(program: old.programID)
        for id in oldMaps {
            XCTAssertTrue(waitUntil { (try? MapInfo(id: id)) == nil }, "old map \(id) is freed")
        }
    }

    /// bpffs before 5.16 cannot exchange directories (EINVAL; injected
    /// here): the old demo moves aside and the new one takes its name, and
    /// nothing of the old one is left.
    func testDemoAgainReplacesItWhereBPFFSCannotExchange() throws {
        let probe = try bpfnav(["--help"], environment: ["BPFNAV_FAULTS": "no-such-point"])
        guard probe.status == 70 else {
            throw XCTSkip("this bpfnav build ignores BPFNAV_FAULTS (a release build): it cannot be made to act as on 5.10")
        }
        let noExchange = ["BPFNAV_FAULTS": "exchange=EINVAL@1+"]
        _ = try runDemo(environment: noExchange)
        let old = try link()
        let oldMaps = try ProgramInfo(id: old.programID).mapIDs
        _ = try runDemo(environment: noExchange)
        let new = try link()
        XCTAssertNotEqual(new.id, old.id)
        XCTAssertEqual(try BPFFS.entries(of: demoDirectory), Self.pinNames)
        XCTAssertEqual(mode(demoDirectory), 0o700)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory).filter { $0.hasPrefix("demo") }, ["demo"], "nothing moved aside is left")
        XCTAssertThrowsError(try LinkInfo(id: old.id), "the old link is gone")
        waitUntilGone(program: old.programID)
        for id in oldMaps {
            XCTAssertTrue(waitUntil { (try? MapInfo(id: id)) == nil }, "old map \(id) is freed")
        }
    }

    func testUnpinAllRemovesTheDemoAndNothingElse() throws {
        _ = try runDemo()
        let programID = try link().programID
        // Someone else's map beside it, which bpfnav must leave.
        let foreign = try BPFMap(type: .array, name: uniqueName("keep"), keySize: 4, valueSize: 4, maxEntries: 1)
        try foreign.pin(at: "\(pinDirectory)/keep")

        let result = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(result.status, 0, result.stderr)
        for name in Self.pinNames {
            XCTAssertTrue(result.text.contains("removed \(demoDirectory)/\(name)\n"), result.text)
        }
        XCTAssertTrue(result.text.contains("removed \(demoDirectory)\n"), result.text)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest", "keep"], "the manifest stays")
        waitUntilGone(program: programID)

        // Nothing of the demo: a second unpin --all has nothing to do.
        let again = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.text, "")
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest", "keep"], "the manifest stays")
    }

    func testUnpinAllRemovesWhatAKilledDemoLeft() throws {
        _ = try runDemo()
        let programID = try link().programID
        // What a demo killed between pinning and the swap leaves behind.
        let leftover = "\(pinDirectory)/demo-new-99999"
        XCTAssertEqual(rename(demoDirectory, leftover), 0)
        // And what one killed while it moved an old demo aside leaves.
        let movedAside = "\(pinDirectory)/demo-old-99998"
        XCTAssertEqual(mkdir(movedAside, 0o700), 0)
        let unrelated = "\(pinDirectory)/demo-newer"
        XCTAssertEqual(mkdir(unrelated, 0o700), 0)

        let result = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.text.contains("removed \(leftover)\n"), result.text)
        XCTAssertTrue(result.text.contains("removed \(movedAside)\n"), result.text)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest", "demo-newer"])
        waitUntilGone(program: programID)
    }

    func testDemoLeavesAForeignDemoDirectoryAlone() throws {
        XCTAssertEqual(mkdir(demoDirectory, 0o700), 0)
        let foreign = try BPFMap(type: .array, name: uniqueName("other"), keySize: 4, valueSize: 4, maxEntries: 1)
        try foreign.pin(at: "\(demoDirectory)/counts")

        let result = try bpfnav("demo", "--no-browse", "--dir", pinDirectory)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("counts in it was not pinned by bpfnav's demo"), result.stderr)
        XCTAssertEqual(try BPFFS.entries(of: demoDirectory), ["counts"])
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["demo"], "no temporary directory left")

        // unpin --all keeps it too, and the directory that holds it.
        let unpin = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(unpin.status, 0, unpin.stderr)
        XCTAssertEqual(try BPFFS.entries(of: demoDirectory), ["counts"])
    }

    func testDemoRefusesAPinNamedDemo() throws {
        let foreign = try BPFMap(type: .array, name: uniqueName("other"), keySize: 4, valueSize: 4, maxEntries: 1)
        try foreign.pin(at: demoDirectory)
        let result = try bpfnav("demo", "--no-browse", "--dir", pinDirectory)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("EEXIST"), result.stderr)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["demo"])
    }

    // MARK: - The network part

    private func command(_ arguments: String...) throws -> RunResult {
        try runCommand("/usr/bin/env", arguments)
    }

    private func jsonArray(_ arguments: String...) throws -> [[String: Any]] {
        let result = try runCommand("/usr/bin/env", arguments)
        XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout)) as? [[String: Any]], result.text)
    }

    private func namespaces() throws -> [String] {
        try command("ip", "netns", "list").text.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
    }

    private func netnsInode() throws -> UInt64 {
        var st = stat()
        XCTAssertEqual(stat("/run/netns/\(demoNetns)", &st), 0, "no /run/netns/\(demoNetns)")
        return UInt64(st.st_ino)
    }

    /// The XDP program on demo0 as ip sees it.
    private func xdpProgramID() throws -> Int? {
        let links = try jsonArray("ip", "-n", demoNetns, "-j", "link", "show", "dev", "demo0")
        return ((links.first?["xdp"] as? [String: Any])?["prog"] as? [String: Any])?["id"] as? Int
    }

    func testDemoMakesANetworkAttachmentThatUnpinAllRemoves() throws {
        let result = try runDemo()
        XCTAssertTrue(result.text.contains("made network namespace \(demoNetns)"), result.text)
        XCTAssertTrue(result.text.contains("tc -n \(demoNetns) filter show dev demo1 ingress"), result.text)
        XCTAssertTrue(try namespaces().contains(demoNetns))
        XCTAssertEqual(mode("\(demoDirectory)/xdp"), 0o600)

        // XDP on demo0 through the pinned link, as ip and bpftool see it.
        let xdp = try link("xdp")
        XCTAssertEqual(xdp.typeName, "xdp")
        XCTAssertEqual(try xdpProgramID(), Int(xdp.programID))
        let net = try jsonArray("ip", "netns", "exec", demoNetns, "bpftool", "net", "-j")
        let attached = try XCTUnwrap(net.first?["xdp"] as? [[String: Any]], "\(net)")
        XCTAssertEqual(attached.first?["devname"] as? String, "demo0")
        XCTAssertEqual(attached.first?["id"] as? Int, Int(xdp.programID))
        XCTAssertEqual(try ProgramInfo(id: xdp.programID).name, "bpfnav_demo_xdp")

        // The direct-action bpf filter on demo1's clsact ingress.
        let filters = try jsonArray("tc", "-n", demoNetns, "-j", "filter", "show", "dev", "demo1", "ingress")
        let options = try XCTUnwrap(filters.compactMap { $0["options"] as? [String: Any] }.first, "\(filters)")
        XCTAssertEqual(filters.first?["kind"] as? String, "bpf")
        XCTAssertEqual(options["direct-action"] as? Bool, true)
        XCTAssertEqual(options["bpf_name"] as? String, "bpfnav_demo_tc")
        let tcProgram = try XCTUnwrap((options["prog"] as? [String: Any])?["id"] as? Int)
        programIDs.insert(UInt32(tcProgram))
        // No addresses but IPv6 link-local ones.
        let addresses = try jsonArray("ip", "-n", demoNetns, "-j", "addr", "show")
        for info in addresses.flatMap({ $0["addr_info"] as? [[String: Any]] ?? [] }) {
            XCTAssertEqual(info["scope"] as? String, "link", "\(info)")
            XCTAssertEqual(info["family"] as? String, "inet6", "\(info)")
        }

        let unpin = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(unpin.status, 0, unpin.stderr)
        XCTAssertTrue(unpin.text.contains("removed /run/netns/\(demoNetns)\n"), unpin.text)
        XCTAssertFalse(try namespaces().contains(demoNetns))
        XCTAssertNotEqual(access("/run/netns/\(demoNetns)", F_OK), 0)
        waitUntilGone(program: xdp.programID)
    }

    func testDemoRefusesAForeignNamespaceOfItsName() throws {
        let made = try command("ip", "netns", "add", demoNetns)
        XCTAssertEqual(made.status, 0, made.stderr)
        defer { _ = try? command("ip", "netns", "del", demoNetns) }
        let inode = try netnsInode()

        let result = try bpfnav("demo", "--no-browse", "--dir", pinDirectory)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("/run/netns/\(demoNetns)") && result.stderr.contains("EEXIST")
                      && result.stderr.contains("did not make it"), result.stderr)
        XCTAssertEqual(try netnsInode(), inode, "left untouched")
        XCTAssertFalse(BPFFS.isDirectory(demoDirectory), "nothing of the demo is made")

        // unpin --all leaves it too.
        _ = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(try netnsInode(), inode, "left untouched by unpin --all")
        XCTAssertEqual(try command("ip", "-n", demoNetns, "-br", "link").text.contains("demo0"), false)
    }
}

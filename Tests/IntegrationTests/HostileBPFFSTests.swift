import BPFKit
import CLibBPF
import Foundation
import Iterators
import TestSupport
import XCTest

/// bpffs's root is mode 1777: any local user can create directories, links
/// and symlinks in it. These tests play the hostile local user (through
/// setpriv as nobody) and the unlucky operator, and check that root's
/// bpfnav changes nothing outside its own pins, and only pins it can prove
/// its own.
final class HostileBPFFSTests: BPFTestCase {
    private var extraDirectories: [String] = []

    override func tearDownWithError() throws {
        for dir in extraDirectories { removeTree(dir) }
        if !pinDirectory.isEmpty {
            // Deeper than BPFTestCase's tearDown goes.
            for name in (try? BPFFS.entries(of: pinDirectory)) ?? [] { removeTree("\(pinDirectory)/\(name)") }
        }
        try super.tearDownWithError()
    }

    /// A file outside bpffs that root owns: nothing may change it.
    private func makeVictim(mode: mode_t) throws -> (path: String, before: stat) {
        let path = NSTemporaryDirectory() + "bpfnav-victim-\(getpid())-\(UUID().uuidString.prefix(8))"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("secret\n".utf8)))
        XCTAssertEqual(chmod(path, mode), 0)
        addTeardownBlock { unlink(path) }
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        return (path, st)
    }

    private func assertUnchanged(_ victim: (path: String, before: stat), _ context: String,
                                 file: StaticString = #filePath, line: UInt = #line) {
        var st = stat()
        XCTAssertEqual(stat(victim.path, &st), 0, file: file, line: line)
        XCTAssertEqual(st.st_mode, victim.before.st_mode, "\(context): mode changed", file: file, line: line)
        XCTAssertEqual(st.st_uid, victim.before.st_uid, "\(context): owner changed", file: file, line: line)
        XCTAssertEqual(st.st_gid, victim.before.st_gid, "\(context): group changed", file: file, line: line)
        XCTAssertEqual(try? String(contentsOfFile: victim.path, encoding: .utf8), "secret\n", file: file, line: line)
    }

    /// Runs bpfnav with `arguments`, which must fail (status 1) with each of
    /// `texts` in its stderr.
    private func assertRefused(_ arguments: String..., saying texts: [String] = [],
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try bpfnav(arguments)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        for text in texts {
            XCTAssertTrue(result.stderr.contains(text), "stderr lacks '\(text)': \(result.stderr)", file: file, line: line)
        }
    }

    /// Runs a shell script as nobody, without capabilities, in the background.
    private func asNobody(_ script: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all",
                             "/bin/sh", "-c", script]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A directory nobody controls, mode 0777, inside the test's own
    /// (which nobody may then traverse, not write).
    private func nobodysDirectory(_ name: String) throws -> String {
        XCTAssertEqual(chmod(pinDirectory, 0o711), 0)
        let dir = "\(pinDirectory)/\(name)"
        XCTAssertEqual(mkdir(dir, 0o777), 0)
        XCTAssertEqual(chmod(dir, 0o777), 0)
        XCTAssertEqual(chown(dir, 65534, 65534), 0)
        return dir
    }

    // MARK: - 1. Shared directories and the symlink race

    /// nobody replaces every new entry of a 0777 directory with a symlink to
    /// a root-owned file while root pins there: root refuses the directory
    /// (it names --shared), and with --shared works only in its own 0700
    /// subdirectory, where nobody can plant anything. The victim file never
    /// changes mode, owner or content.
    func testASharedDirectoryIsRefusedAndTheSymlinkRaceChangesNothing() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv (util-linux)")
        let shared = try nobodysDirectory("adv")
        let victim = try makeVictim(mode: 0o400)
        let other = try makeVictim(mode: 0o644)
        // Every entry that appears, pins and directories alike, becomes a
        // symlink to a victim, as fast as a shell can.
        let racer = try asNobody("""
            cd '\(shared)' || exit 1
            while :; do
                for f in *; do
                    case "$f" in '*'|bpfnav-race-*) continue;; esac
                    [ -L "$f" ] && continue
                    ln -s '\(victim.path)' "bpfnav-race-$$" 2>/dev/null && mv -fT "bpfnav-race-$$" "$f" 2>/dev/null
                    ln -s '\(other.path)' "bpfnav-race-$$" 2>/dev/null && mv -fT "bpfnav-race-$$" "$f" 2>/dev/null
                    rm -f "bpfnav-race-$$"
                done
            done
            """)
        defer { racer.terminate(); racer.waitUntilExit() }

        for mode in ["644", "600"] {
            let refused = try bpfnav("pin", "files", "--pid", "\(getpid())", "--dir", shared, "--mode", mode)
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertEqual(refused.text, "", "nothing reported as pinned")
            XCTAssertTrue(refused.stderr.contains("owned by uid 65534") && refused.stderr.contains("--shared"), refused.stderr)
            XCTAssertTrue(refused.stderr.contains("(EPERM)"), refused.stderr)
        }
        let own = "\(shared)/bpfnav-\(geteuid())"
        for round in 0..<10 {
            let pinned = try bpfnav("pin", "files", "tasks", "--pid", "\(getpid())", "--dir", shared, "--shared",
                                    "--mode", round % 2 == 0 ? "644" : "600")
            XCTAssertEqual(pinned.status, 0, "round \(round): \(pinned.stderr)")
            XCTAssertEqual(pinned.text, "\(own)/files-pid-\(getpid())\n\(own)/tasks-pid-\(getpid())\n", "round \(round)")
            assertUnchanged(victim, "round \(round)")
            assertUnchanged(other, "round \(round)")
        }
        var st = stat()
        XCTAssertEqual(lstat(own, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFDIR)
        XCTAssertEqual(st.st_mode & 0o777, 0o700)
        XCTAssertEqual(st.st_uid, geteuid())
        let read = try runCommand("/bin/cat", ["\(own)/tasks-pid-\(getpid())"])
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertTrue(read.text.contains("COMM"), read.text)

        let removed = try bpfnav("unpin", "--all", "--dir", shared, "--shared")
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertTrue(removed.text.contains("removed \(own)/tasks-pid-\(getpid())\n"), removed.text)
        assertUnchanged(victim, "unpin --all")
    }

    /// nobody plants bpfnav's own subdirectory name before root's first
    /// --shared run: as a symlink, or as a directory of nobody's. Root
    /// refuses both and changes nothing.
    func testAPlantedSharedSubdirectoryIsRefused() throws {
        let shared = try nobodysDirectory("adv")
        let victimDir = "\(pinDirectory)/victim"
        XCTAssertEqual(mkdir(victimDir, 0o700), 0)
        let own = "\(shared)/bpfnav-\(geteuid())"

        XCTAssertEqual(symlink(victimDir, own), 0)
        try assertRefused("pin", "tasks", "--dir", shared, "--shared", saying: ["symlink", "(ELOOP)"])
        XCTAssertEqual(try BPFFS.entries(of: victimDir), [], "nothing pinned through the symlink")
        XCTAssertEqual(unlink(own), 0)

        XCTAssertEqual(mkdir(own, 0o700), 0)
        XCTAssertEqual(chown(own, 65534, 65534), 0)
        try assertRefused("pin", "tasks", "--dir", shared, "--shared", saying: ["owned by uid 65534"])
        XCTAssertEqual(try BPFFS.entries(of: own), [])
    }

    /// A symlink anywhere on the way to --dir on a bpffs is not followed.
    func testASymlinkedPinDirectoryIsRefused() throws {
        let real = "\(pinDirectory)/real"
        XCTAssertEqual(mkdir(real, 0o700), 0)
        XCTAssertEqual(symlink(real, "\(pinDirectory)/link"), 0)
        for target in ["\(pinDirectory)/link", "\(pinDirectory)/link/sub"] {
            try assertRefused("pin", "tasks", "--dir", target, saying: ["\(pinDirectory)/link", "(ELOOP)"])
        }
        XCTAssertEqual(try BPFFS.entries(of: real), [])
    }

    /// A --dir that does not exist is created 0700 (with its parents), and
    /// kept by unpin --all with its manifest, so nobody can take its name.
    func testANewPinDirectoryIsPrivateAndKept() throws {
        let dir = "\(pinDirectory)/a/b"
        let pinned = try bpfnav("pin", "tasks", "--dir", dir)
        XCTAssertEqual(pinned.status, 0, pinned.stderr)
        for path in ["\(pinDirectory)/a", dir] {
            var st = stat()
            XCTAssertEqual(lstat(path, &st), 0)
            XCTAssertEqual(st.st_mode & 0o7777, 0o700, path)
        }
        let removed = try bpfnav("unpin", "--all", "--dir", dir)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(try BPFFS.entries(of: dir), ["bpfnav-manifest"])
        let listed = try bpfnav("pins", "--json", dir)
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout)) as? [[String: Any]])
        let manifest = try XCTUnwrap(entries.first { ($0["path"] as? String)?.hasSuffix("/bpfnav-manifest") == true })
        XCTAssertEqual(manifest["owner"] as? String, "bpfnav")
    }

    // MARK: - 2. Planted symlinks

    /// Symlinks in the pin directory named like bpfnav's cache, demo and
    /// pins, pointing at another bpfnav directory with all of those: unpin
    /// --all follows none of them (the other directory keeps everything),
    /// leaves the symlinks, and pins reports them; pin and demo refuse to
    /// replace them.
    func testPlantedSymlinksAreNeverFollowed() throws {
        let victim = "\(BPFFS.defaultMount)/bpfnav-test-\(getpid())-victim-\(UUID().uuidString.prefix(8).lowercased())"
        extraDirectories.append(victim)
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = victim
        // The demo's network namespace: this test's, never a user's bpfnav-demo.
        environment["BPFNAV_DEMO_NETNS"] = demoNetns
        let made = try runCommand(bpfnavBinary, ["pin", "tasks", "--dir", victim], environment: environment)
        XCTAssertEqual(made.status, 0, made.stderr)
        let demo = try runCommand(bpfnavBinary, ["demo", "--no-browse", "--dir", victim], environment: environment)
        XCTAssertEqual(demo.status, 0, demo.stderr)
        let before = try treeListing(victim)
        XCTAssertTrue(before.contains { $0.hasPrefix("progs-") && $0.hasSuffix("/bpfnav_task_txt") }, "\(before)")
        XCTAssertTrue(before.contains("demo/link"), "\(before)")

        let cacheName = try XCTUnwrap(try BPFFS.entries(of: victim).first { $0.hasPrefix("progs-") })
        let planted = ["progs-evil": "\(victim)/\(cacheName)", cacheName: "\(victim)/\(cacheName)",
                       "demo": "\(victim)/demo", "tasks": "\(victim)/tasks", "bpfnav-new-1-0": "\(victim)/tasks"]
        for (name, target) in planted { XCTAssertEqual(symlink(target, "\(pinDirectory)/\(name)"), 0, name) }

        let removed = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(removed.text, "", "nothing of bpfnav's was there")
        XCTAssertEqual(try treeListing(victim), before, "the other directory lost something")
        XCTAssertEqual(Set(try BPFFS.entries(of: pinDirectory)), Set(planted.keys), "the symlinks stay")

        let listed = try bpfnav("pins", pinDirectory)
        for name in planted.keys {
            let row = listed.text.split(separator: "\n").first { $0.hasPrefix("\(pinDirectory)/\(name) ") }
            XCTAssertTrue(row?.contains(" symlink ") == true && row?.contains("-> ") == true, "\(name): \(listed.text)")
        }
        try assertRefused("pin", "tasks", "--dir", pinDirectory, saying: ["symlink", "(EEXIST)"])
        try assertRefused("unpin", "tasks", "--dir", pinDirectory, saying: ["symlink"])
        try assertRefused("demo", "--no-browse", "--dir", pinDirectory)
        XCTAssertEqual(try treeListing(victim), before)
    }

    // MARK: - 3. A program's name proves nothing

    /// An iterator of bpfnav's own program (same name, same code) pinned by
    /// another tool, bpftool, is not bpfnav's: pins marks it foreign, and
    /// neither unpin nor pin touches it, with or without a manifest in the
    /// directory.
    func testAnIteratorNamedLikeBPFNavsIsNotBPFNavs() throws {
        let bpftool = "/usr/sbin/bpftool"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: bpftool), "needs bpftool")
        let object = NSTemporaryDirectory() + "bpfnav-spoof-\(getpid()).bpf.o"
        XCTAssertTrue(FileManager.default.createFile(atPath: object, contents: Data(try Catalog.object(for: .task))))
        defer { unlink(object) }
        for withManifest in [false, true] {
            if withManifest {
                let maps = try bpfnav("pin", "maps", "--dir", pinDirectory)
                XCTAssertEqual(maps.status, 0, maps.stderr)
            }
            let spoof = try runCommand(bpftool, ["iter", "pin", object, pins.path("tasks")])
            XCTAssertEqual(spoof.status, 0, spoof.stderr)
            let spoofed = try PinnedObject(path: pins.path("tasks"))
            let spoofedLink = try IterLinkInfo(linkFD: spoofed.fd.raw)
            XCTAssertEqual(try ProgramInfo(id: spoofedLink.programID).name.hasPrefix("bpfnav_task_"), true)

            let listed = try bpfnav("pins", "--json", pinDirectory)
            let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout)) as? [[String: Any]])
            let tasks = try XCTUnwrap(entries.first { $0["path"] as? String == pins.path("tasks") })
            XCTAssertEqual(tasks["owner"] as? String, "foreign", "manifest \(withManifest)")

            try assertRefused("unpin", "tasks", "--dir", pinDirectory, saying: ["bpfnav did not pin", "(EPERM)"])
            try assertRefused("pin", "tasks", "--dir", pinDirectory, saying: ["(EEXIST)"])
            let all = try bpfnav("unpin", "--all", "--dir", pinDirectory)
            XCTAssertEqual(all.status, 0, all.stderr)
            XCTAssertFalse(all.text.contains("/tasks\n"), all.text)
            let still = try PinnedObject(path: pins.path("tasks"))
            XCTAssertEqual(try IterLinkInfo(linkFD: still.fd.raw).id, spoofedLink.id, "the spoofed pin is still there")
            XCTAssertEqual(unlink(pins.path("tasks")), 0)
        }
    }

    // MARK: - 4. One lock

    /// `pin tasks files maps` racing `unpin --all` on one directory, round
    /// after round: the directory always ends with the whole set or none,
    /// each command's exit status and output say what it did, and no
    /// message names a temporary.
    func testPinAndUnpinAllRacingLeaveWholeSets() throws {
        // Each round loads every program again (unpin --all takes the
        // caches): under emulation a round costs ~15 s, so fewer rounds there
        // (12 at a time scale of 4) keep a kernel's run within its timeout.
        let rounds = max(10, Int(200 / (testTimeScale * testTimeScale)))
        let names = ["tasks", "files", "maps"]
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        var outcomes: [String: Int] = [:]
        for round in 0..<rounds {
            let pin = try start(["pin", "tasks", "files", "maps", "--dir", pinDirectory], environment)
            // pin probes and loads before it takes the lock (the caches go
            // with each unpin --all): unpin starts anywhere in that window.
            usleep(UInt32.random(in: 0..<UInt32(250_000 * testTimeScale)))
            let unpin = try start(["unpin", "--all", "--dir", pinDirectory], environment)
            let pinResult = finish(pin), unpinResult = finish(unpin)
            XCTAssertEqual(pinResult.status, 0, "round \(round): \(pinResult.stderr)")
            XCTAssertEqual(unpinResult.status, 0, "round \(round): \(unpinResult.stderr)")
            for result in [pinResult, unpinResult] {
                XCTAssertFalse(result.stderr.contains("bpfnav-new-") || result.text.contains("bpfnav-new-"),
                               "round \(round): a temporary name: \(result.stderr)\(result.text)")
            }
            let left = Set(try BPFFS.entries(of: pinDirectory)).intersection(names + ["bpfnav-new-"])
            let temporaries = try BPFFS.entries(of: pinDirectory).filter { $0.hasPrefix("bpfnav-new-") }
            XCTAssertEqual(temporaries, [], "round \(round)")
            let pinnedAll = names.allSatisfy { pinResult.text.contains("\(pinDirectory)/\($0)\n") }
            XCTAssertTrue(pinnedAll, "round \(round): pin said \(pinResult.text)")
            if left.isEmpty {
                // unpin ran last: it removed the whole new set, and said so.
                for name in names {
                    XCTAssertTrue(unpinResult.text.contains("removed \(pinDirectory)/\(name)\n"), "round \(round): \(unpinResult.text)")
                }
                outcomes["none", default: 0] += 1
            } else {
                XCTAssertEqual(left, Set(names), "round \(round): a partial set")
                outcomes["whole", default: 0] += 1
                // Remove it for the next round.
                XCTAssertEqual(try bpfnav("unpin", "--all", "--dir", pinDirectory).status, 0)
            }
        }
        print("pin/unpin race: \(rounds) rounds, outcomes \(outcomes)")
    }

    // MARK: - 5. SIGKILL

    /// `pin` killed at random moments over an existing set: the next `pin`
    /// completes or rolls back what the killed one left, and leaves a whole
    /// set and no temporaries; bpfnav's manifest then records exactly the
    /// pins there are.
    func testPinKilledAtRandomMomentsIsCompletedOrUndone() throws {
        let kinds = onThisKernel(["tasks", "files", "vmas", "maps"])
        var environment = ProcessInfo.processInfo.environment
        environment["BPFNAV_CACHE_DIR"] = pinDirectory
        let first = try bpfnav("pin", "--dir", pinDirectory)
        XCTAssertEqual(first.status, 0, first.stderr)
        environment["BPFNAV_NO_CACHE"] = "1"  // every run loads: a wide window
        let kills = max(6, Int(50 / (testTimeScale * testTimeScale)))
        for round in 0..<kills {
            let process = try start(["pin", "--dir", pinDirectory], environment)
            usleep(UInt32.random(in: 0..<UInt32(60_000 * testTimeScale)))
            kill(process.process.processIdentifier, SIGKILL)
            _ = finish(process)
            let next = try bpfnav("pin", "--dir", pinDirectory)
            XCTAssertEqual(next.status, 0, "round \(round): \(next.stderr)")
            let entries = try BPFFS.entries(of: pinDirectory).filter { !$0.hasPrefix("progs-") }
            XCTAssertEqual(Set(entries), Set(kinds + ["bpfnav-manifest"]), "round \(round)")
            let listed = try bpfnav("pins", "--json", pinDirectory)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout)) as? [[String: Any]])
            let ours = json.filter { $0["kind"] as? String == "link" && $0["owner"] as? String == "bpfnav" }
            XCTAssertEqual(ours.count, kinds.count, "round \(round): \(listed.text)")
            for kind in ["tasks", "maps"] {
                let read = try runCommand("/bin/cat", [pins.path(kind)])
                XCTAssertEqual(read.status, 0, "round \(round): \(read.stderr)")
            }
        }
        let removed = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest"])
    }

    /// The journal itself: a run killed after its whole set was pinned but
    /// before it was moved into place (made here by hand: the new pins under
    /// temporary names, journaled as prepared) is rolled forward by the next
    /// `unpin`; one killed before is rolled back.
    func testTheJournalRollsForwardOrBack() throws {
        for prepared in [true, false] {
            let created = try bpfnav("pin", "tasks", "--dir", pinDirectory)
            XCTAssertEqual(created.status, 0, created.stderr)
            let oldPin = try PinnedObject(path: pins.path("tasks"))
            let old = try IterLinkInfo(linkFD: oldPin.fd.raw).id
            // A "killed run": a new tasks link pinned as bpfnav-new-1-0.
            let directory = try PinDirectory.open(pinDirectory, create: false)
            let manifest = try XCTUnwrap(try PinManifest.open(in: directory, create: false))
            let link = try IterLoader().attach(.task, .text, params: .all)
            let info = try link.info()
            var record = PinManifest.Record(role: .iterator, name: "tasks")
            record.state = .pending
            record.programID = info.programID
            record.kind = .task
            record.format = .text
            record.temporary = "bpfnav-new-1-0"
            try manifest.setJournal(.preparing)
            try manifest.set(.link, info.id, record)
            try directory.pin(link.fd.raw, at: "bpfnav-new-1-0", what: "link")
            if prepared { try manifest.setJournal(.prepared) }

            // Another pin's unpin recovers first.
            let other = try bpfnav("pin", "maps", "--dir", pinDirectory)
            XCTAssertEqual(other.status, 0, other.stderr)
            XCTAssertEqual(Set(try BPFFS.entries(of: pinDirectory).filter { !$0.hasPrefix("progs-") }),
                           ["bpfnav-manifest", "tasks", "maps"], "prepared \(prepared)")
            let nowPin = try PinnedObject(path: pins.path("tasks"))
            let now = try IterLinkInfo(linkFD: nowPin.fd.raw).id
            XCTAssertEqual(now, prepared ? info.id : old, "prepared \(prepared): rolled \(prepared ? "forward" : "back")")
            guard case .ours = pins.inspect("tasks") else { return XCTFail("tasks is bpfnav's after recovery") }
            XCTAssertEqual(try bpfnav("unpin", "--all", "--dir", pinDirectory).status, 0)
        }
    }

    // MARK: - 6. CAP_BPF and CAP_PERFMON only

    /// root without CAP_SYS_ADMIN (only CAP_BPF and CAP_PERFMON, as a
    /// service would run): pin prints what it pinned, pins marks it
    /// bpfnav's, pinning again replaces it, unpin and unpin --all remove it,
    /// and cat reads it: bpfnav never opens a program by id for any of it.
    func testCapBPFAndPerfmonAreEnoughForPins() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs setpriv (util-linux)")
        func limited(_ arguments: [String]) throws -> RunResult {
            var environment = ProcessInfo.processInfo.environment
            environment["BPFNAV_CACHE_DIR"] = pinDirectory
            let caps = "-all,+bpf,+perfmon"
            return try runCommand("/usr/bin/setpriv", ["--inh-caps=\(caps)", "--ambient-caps=\(caps)", "--bounding-set=\(caps)",
                                                       bpfnavBinary] + arguments, environment: environment)
        }
        let check = try runCommand("/usr/bin/setpriv", ["--bounding-set=-all,+bpf,+perfmon", "--inh-caps=-all,+bpf,+perfmon",
                                                        "--ambient-caps=-all,+bpf,+perfmon", "/bin/grep", "CapEff", "/proc/self/status"])
        XCTAssertTrue(check.text.contains("000000c000000000"), "CAP_BPF and CAP_PERFMON only: \(check.text)")

        let pinned = try limited(["pin", "tasks", "--dir", pinDirectory])
        XCTAssertEqual(pinned.status, 0, pinned.stderr)
        XCTAssertEqual(pinned.text, "\(pins.path("tasks"))\n")
        let listed = try limited(["pins", "--json", pinDirectory])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        let entries = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.stdout)) as? [[String: Any]])
        XCTAssertEqual(entries.first { $0["path"] as? String == pins.path("tasks") }?["owner"] as? String, "bpfnav", listed.text)
        let again = try limited(["pin", "tasks", "--dir", pinDirectory])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.text, "\(pins.path("tasks"))\n")
        let read = try limited(["cat", "tasks", "--dir", pinDirectory])
        XCTAssertEqual(read.status, 0, read.stderr)
        XCTAssertTrue(read.text.contains("COMM"), read.text)
        let unpinned = try limited(["unpin", "tasks", "--dir", pinDirectory])
        XCTAssertEqual(unpinned.status, 0, unpinned.stderr)
        XCTAssertEqual(unpinned.text, "removed \(pins.path("tasks"))\n")

        XCTAssertEqual(try limited(["pin", "tasks", "maps", "--dir", pinDirectory]).status, 0)
        let all = try limited(["unpin", "--all", "--dir", pinDirectory])
        XCTAssertEqual(all.status, 0, all.stderr)
        for name in ["tasks", "maps"] { XCTAssertTrue(all.text.contains("removed \(pins.path(name))\n"), all.text) }
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest"], "unpin --all removed everything, the cache too")
    }

    // MARK: - Helpers

    private struct Started {
        var process: Process
        var out: Pipe
        var err: Pipe
    }

    private func start(_ arguments: [String], _ environment: [String: String]) throws -> Started {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bpfnavBinary)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return Started(process: process, out: out, err: err)
    }

    private func finish(_ started: Started) -> RunResult {
        let out = started.out.fileHandleForReading.readDataToEndOfFile()
        let err = started.err.fileHandleForReading.readDataToEndOfFile()
        started.process.waitUntilExit()
        return RunResult(status: started.process.terminationStatus, stdout: Array(out),
                         stderr: String(decoding: err, as: UTF8.self))
    }

    /// Every path under `dir` (relative), without following symlinks.
    private func treeListing(_ dir: String, prefix: String = "") throws -> [String] {
        var result: [String] = []
        for name in try BPFFS.entries(of: dir) {
            let path = "\(dir)/\(name)"
            result.append(prefix + name)
            var st = stat()
            if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                result += try treeListing(path, prefix: prefix + name + "/")
            }
        }
        return result
    }

    /// Removes `path` and everything below it, never following a symlink.
    private func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            for name in (try? BPFFS.entries(of: path)) ?? [] { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

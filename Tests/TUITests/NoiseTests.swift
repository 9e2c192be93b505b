@testable import BPFKit
@testable import BrowserModel
import ObjectModel
import XCTest
@testable import TUI

/// What the lists hide by default: bpfnav's own objects (`O`), kernel
/// threads (`K`); and the Tasks view's BPF holders (`b`) and tree (`t`).
final class NoiseTests: XCTestCase {
    // MARK: Recognising bpfnav's own objects

    func cachePin(_ path: String, _ kind: PinKind, id: UInt32, owner: PinOwner) -> PinEntry {
        var entry = PinEntry(path: Array(path.utf8), kind: kind)
        entry.id = id
        entry.owner = owner
        return entry
    }

    func directory(_ path: String) -> PinEntry { PinEntry(path: Array(path.utf8), kind: .directory) }

    func link(_ id: UInt32, program: UInt32, pinned: [String] = []) -> LinkEntry {
        var entry = LinkEntry(info: LinkInfo(id: id, type: 4, programID: program,
                                             details: .iter(target: "task", mapID: 0, cgroupID: 0, order: 0, tid: 0, pid: 0)))
        entry.pinned = pinned.map { Array($0.utf8) }
        return entry
    }

    func testOwnObjectsAreRecognisedByIdsAndTheManifestNotByName() {
        let pins = [
            directory("/sys/fs/bpf"),
            directory("/sys/fs/bpf/bpfnav"),
            cachePin("/sys/fs/bpf/bpfnav/bpfnav-manifest", .map, id: 70, owner: .manifest),
            directory("/sys/fs/bpf/bpfnav/progs-new"),
            cachePin("/sys/fs/bpf/bpfnav/progs-new/bpfnav_task_rec", .program, id: 11,
                     owner: .programCache(kind: .task, format: .records)),
            cachePin("/sys/fs/bpf/bpfnav/progs-new/features", .map, id: 71, owner: .featureCache),
            // A stale generation: another build's, still recorded.
            directory("/sys/fs/bpf/bpfnav/progs-old"),
            cachePin("/sys/fs/bpf/bpfnav/progs-old/bpfnav_task_rec", .program, id: 5,
                     owner: .programCache(kind: .task, format: .records)),
            // A user's pinned iterator stays, and so does its directory.
            cachePin("/sys/fs/bpf/bpfnav/tasks", .link, id: 90, owner: .iterator(kind: .task, format: .text, params: .all)),
            // Named like bpfnav's, pinned by someone else: theirs.
            directory("/sys/fs/bpf/theirs"),
            cachePin("/sys/fs/bpf/theirs/bpfnav_task_rec", .program, id: 66, owner: .foreign),
        ]
        let programs = [program(11, "bpfnav_task_rec", maps: [80]), program(5, "bpfnav_task_rec", maps: [81]),
                        program(12, "bpfnav_file_rec", maps: [82]), program(66, "bpfnav_task_rec", maps: [83]),
                        program(40, "counter", maps: [84])]
        let links = [link(91, program: 12), link(90, program: 11, pinned: ["/sys/fs/bpf/bpfnav/tasks"]),
                     link(92, program: 66), link(93, program: 40)]
        let own = OwnObjectSet(noted: [.program(12)], programs: programs, links: links, pins: pins)

        XCTAssertEqual(Set(programs.map(\.id).filter { own.contains(.program($0)) }), [11, 5, 12],
                       "this process's (12) and both cache generations' (11, 5)")
        XCTAssertEqual(Set([70, 71, 80, 81, 82, 83, 84].filter { own.contains(.map($0)) }), [70, 71, 80, 81, 82],
                       "the manifest, the feature cache and the own programs' maps")
        XCTAssertTrue(own.contains(.link(91)), "a link of an own program that nobody pinned")
        XCTAssertFalse(own.contains(.link(90)), "an iterator the user pinned")
        XCTAssertFalse(own.contains(.link(92)))
        XCTAssertFalse(own.contains(.link(93)))
        let hiddenPins = pins.map { String(decoding: $0.path, as: UTF8.self) }.filter { own.contains(.pin(Array($0.utf8))) }
        XCTAssertEqual(hiddenPins, [
            "/sys/fs/bpf/bpfnav/bpfnav-manifest",
            "/sys/fs/bpf/bpfnav/progs-new", "/sys/fs/bpf/bpfnav/progs-new/bpfnav_task_rec",
            "/sys/fs/bpf/bpfnav/progs-new/features",
            "/sys/fs/bpf/bpfnav/progs-old", "/sys/fs/bpf/bpfnav/progs-old/bpfnav_task_rec",
        ], "bpfnav/ holds the user's iterator: it stays")
        XCTAssertFalse(own.contains(.task(1)))
    }

    func testADirectoryOfOnlyCachesIsHiddenButAnEmptyOneIsNot() {
        let pins = [directory("/sys/fs/bpf/bpfnav"), directory("/sys/fs/bpf/bpfnav/progs-a"),
                    cachePin("/sys/fs/bpf/bpfnav/progs-a/bpfnav_task_txt", .program, id: 3,
                             owner: .programCache(kind: .task, format: .text)),
                    directory("/sys/fs/bpf/empty")]
        let own = OwnObjectSet(noted: [], programs: [], links: [], pins: pins)
        XCTAssertTrue(own.contains(.pin(Array("/sys/fs/bpf/bpfnav".utf8))))
        XCTAssertTrue(own.contains(.pin(Array("/sys/fs/bpf/bpfnav/progs-a".utf8))))
        XCTAssertFalse(own.contains(.pin(Array("/sys/fs/bpf/empty".utf8))), "nothing of bpfnav's in it")
    }

    // MARK: O

    func ownSnapshot() -> BrowserSnapshot {
        let programs = [program(10, "counter", maps: [20]), program(50, "bpfnav_task_rec", maps: [60]),
                        program(51, "bpfnav_file_rec")]
        var snap = snapshot(programs: programs, maps: [map(20, "counts"), map(60, "bpfnav_rodata")])
        snap.own = OwnObjectSet(noted: [.program(50), .program(51)], programs: programs, links: [], pins: [])
        return snap
    }

    func testOwnProgramsAreHiddenUntilO() {
        let h = Harness(ownSnapshot())
        XCTAssertTrue(h.screen.contains("counter"), h.text)
        XCTAssertFalse(h.screen.contains("bpfnav_task_rec"), "hidden by default:\n\(h.text)")
        XCTAssertTrue(h.screen.contains("2 own hidden"), h.text)
        XCTAssertTrue(h.screen.contains("1/1"), h.text)
        XCTAssertTrue(h.lines[0].contains("1 programs · 1 maps"), "the header counts what the lists show:\n\(h.text)")

        h.press(.char("O"))
        XCTAssertTrue(h.lines[0].contains("3 programs · 2 maps"), h.text)
        XCTAssertTrue(h.screen.contains("bpfnav_task_rec"), h.text)
        XCTAssertTrue(h.screen.contains("bpfnav_file_rec"), h.text)
        XCTAssertFalse(h.screen.contains("own hidden"), h.text)
        XCTAssertTrue(h.screen.contains("own objects shown (3)"), h.text)

        h.press(.char("2"))
        XCTAssertTrue(h.screen.contains("bpfnav_rodata"), "O applies to every list:\n\(h.text)")
        h.press(.char("O"))
        XCTAssertFalse(h.screen.contains("bpfnav_rodata"), h.text)
        XCTAssertTrue(h.screen.contains("1 own hidden"), h.text)
    }

    func testAListEmptiedByWhatIsHiddenSaysHowToSeeIt() {
        var snap = snapshot(programs: [program(50, "bpfnav_task_rec")],
                            tasks: [process(2, 0, "kthreadd", kernel: true)])
        snap.own = OwnObjectSet(noted: [.program(50)], programs: snap.programs, links: [], pins: [])
        let h = Harness(snap)
        XCTAssertTrue(h.screen.contains("only bpfnav's own objects here (O shows them)"), h.text)
        h.press(.char("5"))
        XCTAssertTrue(h.screen.contains("only kernel threads (K shows them)"), h.text)
        h.press(.char("K"), .char("b"))
        XCTAssertTrue(h.screen.contains("no process holds a BPF object (b shows every process)"), h.text)
    }

    func testOwnObjectsStayHiddenAcrossRefreshes() {
        let h = Harness(ownSnapshot())
        h.now += 5
        h.settle()
        XCTAssertGreaterThanOrEqual(h.source.snapshotCalls, 2)
        XCTAssertFalse(h.screen.contains("bpfnav_task_rec"), h.text)
    }

    // MARK: Tasks: K, b, t

    func process(_ pid: UInt32, _ ppid: UInt32, _ comm: String, kernel: Bool = false, holds: Bool = false,
                 command: String? = nil) -> TaskEntry {
        var entry = TaskEntry(pid: pid, ppid: ppid, uid: 1000, comm: Array(comm.utf8), isKernelThread: kernel)
        entry.user = "alice"
        entry.holdsBPF = holds
        entry.commandLine = command.map { Array($0.utf8) }
        return entry
    }

    func tasksSnapshot() -> BrowserSnapshot {
        snapshot(tasks: [
            process(2, 0, "kthreadd", kernel: true), process(5, 2, "kworker/0:1", kernel: true),
            process(100, 1, "bash", command: "-bash"),
            process(200, 100, "loader", holds: true, command: "./loader --pin /sys/fs/bpf/demo"),
            process(300, 100, "vim", command: "vim notes.txt"),
        ])
    }

    func testKernelThreadsAreHiddenUntilK() {
        let h = Harness(tasksSnapshot(), cols: 120)
        h.press(.char("5"))
        XCTAssertTrue(h.screen.contains("./loader --pin /sys/fs/bpf/demo"), "the command line:\n\(h.text)")
        XCTAssertTrue(h.screen.contains("alice"), h.text)
        XCTAssertFalse(h.screen.contains("kworker"), "kernel threads hidden by default:\n\(h.text)")
        XCTAssertTrue(h.screen.contains("2 kthreads hidden"), h.text)
        XCTAssertTrue(h.lines[0].contains("3 tasks"), "the header counts what the list shows:\n\(h.text)")
        h.press(.char("K"))
        XCTAssertTrue(h.screen.contains("[kworker/0:1]"), h.text)
        XCTAssertTrue(h.screen.contains("[kthreadd]"), h.text)
        h.press(.char("K"))
        XCTAssertFalse(h.screen.contains("kworker"), h.text)
    }

    func testBShowsOnlyProcessesHoldingBPFObjects() {
        let h = Harness(tasksSnapshot(), cols: 120)
        h.press(.char("5"), .char("b"))
        XCTAssertTrue(h.screen.contains("./loader"), h.text)
        XCTAssertFalse(h.screen.contains("vim notes.txt"), h.text)
        XCTAssertFalse(h.screen.contains("-bash"), h.text)
        XCTAssertTrue(h.screen.contains("holding BPF"), h.text)
        XCTAssertTrue(h.screen.contains("1/1"), h.text)
        h.press(.char("b"))
        XCTAssertTrue(h.screen.contains("vim notes.txt"), h.text)
    }

    func testTDrawsTheProcessTreeAndSortingShowsItFlat() {
        let h = Harness(tasksSnapshot(), cols: 120)
        h.press(.char("5"), .char("t"))
        XCTAssertTrue(h.screen.contains("-bash"), h.text)
        XCTAssertTrue(h.screen.contains("├─ ./loader"), h.text)
        XCTAssertTrue(h.screen.contains("└─ vim notes.txt"), h.text)
        XCTAssertLessThan(h.row("-bash"), h.row("├─ ./loader"))
        XCTAssertLessThan(h.row("├─ ./loader"), h.row("└─ vim"))

        h.press(.char("K"))
        XCTAssertTrue(h.screen.contains("[kthreadd]"), h.text)
        XCTAssertTrue(h.screen.contains("└─ [kworker/0:1]"), "kernel threads under kthreadd:\n\(h.text)")

        h.press(.char("s"))
        XCTAssertFalse(h.screen.contains("├─"), "a sorted list is flat:\n\(h.text)")
        h.press(.char("t"), .char("t"))
        XCTAssertTrue(h.screen.contains("├─ ./loader"), "t again: the tree, the sort put aside:\n\(h.text)")
        h.press(.char("t"))
        XCTAssertFalse(h.screen.contains("├─"), h.text)
    }

    func testTreeKeyOutsideTasksSaysWhere() {
        let h = Harness(tasksSnapshot())
        h.press(.char("t"))
        XCTAssertTrue(h.screen.contains("process tree is in Tasks"), h.text)
        h.press(.char("5"))
        XCTAssertTrue(h.screen.contains("└─"), h.text)
    }

    func testToggleTreeIsAnAppMethod() {
        // F5 is routed to it by the key table: the method alone toggles.
        let h = Harness(tasksSnapshot(), cols: 120)
        h.press(.char("5"))
        h.app.toggleTree()
        h.settle()
        XCTAssertTrue(h.app.listOptions.tree)
        XCTAssertTrue(h.screen.contains("├─ ./loader"), h.text)
    }
}

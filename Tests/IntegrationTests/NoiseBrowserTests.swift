import BPFKit
import Foundation
import Iterators
import TestSupport
import XCTest

/// What the browser leaves out by default, in tmux with real BPF: its own
/// collection programs (`O` shows them), kernel threads; and the Tasks view
/// with command lines, users and the processes holding BPF objects (`b`).
final class NoiseBrowserTests: BPFTestCase {
    private func browser(columns: Int = 160, rows: Int = 40) throws -> TmuxSession {
        let session = try TmuxSession([bpfnavBinary, "browse", "-d", "1"], columns: columns, rows: rows,
                                      environment: ["BPFNAV_CACHE_DIR": pinDirectory])
        session.waitFor(timeout: 20, "the browser starts") { $0.contains("1 Programs") && $0.contains("5 Tasks") }
        return session
    }

    /// The id of the browser's cached task program, once it has pinned it.
    private func cachedTaskProgramID() throws -> UInt32 {
        let path = "\(ProgramCache(base: pinDirectory).directory)/bpfnav_task_rec"
        XCTAssertTrue(waitUntil(timeout: 20) { access(path, F_OK) == 0 }, "the browser caches its programs in \(path)")
        let pinned = try PinnedObject(path: path)
        return try ProgramInfo(fd: pinned.fd.raw).id
    }

    func testOwnProgramsAreHiddenAndOShowsThem() throws {
        // An older build's cache generation, left behind: the browser
        // removes it when it starts.
        let stale = ProgramCache(base: pinDirectory, generation: "0000000000000000")
        _ = try IterLoader(cache: stale).programFD(.task, .text)
        XCTAssertTrue(BPFFS.isDirectory(stale.directory))
        let tmux = try browser()
        XCTAssertTrue(waitUntil(timeout: 20) { !BPFFS.isDirectory(stale.directory) },
                      "the stale generation is removed on start:\n\(tmux.capture())")
        let id = try cachedTaskProgramID()
        // Only this browser's program is looked for: other bpfnav runs on
        // the machine have their own.
        let row = { (screen: String) in
            screen.split(separator: "\n").contains { $0.contains(" \(id) ") && $0.contains("bpfnav_task_rec") }
        }
        tmux.waitFor(timeout: 20, "a refresh that knows the cache, and hides it") { screen in
            screen.contains("own hidden") && !row(screen)
        }
        tmux.sendKeys("/")
        tmux.sendText("bpfnav_task_rec")
        tmux.sendKeys("Enter")
        tmux.sendKeys("O")
        tmux.waitFor(timeout: 20, "O shows the browser's own program \(id)") { screen in
            row(screen) && !screen.contains("own hidden")
        }
        tmux.sendKeys("O")
        tmux.waitFor(timeout: 20, "O hides it again") { screen in !row(screen) && screen.contains("own hidden") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
    }

    func testTasksShowCommandLineUserAndBPFHolders() throws {
        let dir = NSTemporaryDirectory() + "bpfnav-noise-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Two copies of sleep under names of the test's: one holds a BPF
        // map (an fd the test passes it), one does not.
        let holderComm = uniqueName("navhold")
        let plainComm = uniqueName("navplain")
        for comm in [holderComm, plainComm] {
            try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: "\(dir)/\(comm)")
        }
        let map = try BPFMap(type: .array, name: uniqueName("nav_held"), keySize: 4, valueSize: 4, maxEntries: 1)
        let holder = spawn(try Child(shell: "exec \"$1\" 1001", arguments: ["\(dir)/\(holderComm)"],
                                     passing: [9: map.fd.raw]))
        let plain = spawn(try Child(shell: "exec \"$1\" 1002", arguments: ["\(dir)/\(plainComm)"]))
        XCTAssertTrue(holder.waitForExec(holderComm))
        XCTAssertTrue(plain.waitForExec(plainComm))

        let tmux = try browser()
        tmux.sendKeys("5")
        tmux.waitFor(timeout: 20, "the Tasks view with the command lines and users") { screen in
            screen.contains("COMMAND") && screen.contains("USER") && screen.contains("CPU%")
        }
        tmux.sendKeys("/")
        tmux.sendText(plainComm)
        tmux.sendKeys("Enter")
        let line = { (screen: String, text: String) in
            screen.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
        }
        tmux.waitFor(timeout: 20, "the plain process: its command line and user") { screen in
            let row = line(screen, "\(plainComm) 1002")
            return row.contains("\(plain.pid)") && row.contains("root") && row.contains("/\(plainComm) 1002")
        }
        tmux.sendKeys("Escape")
        tmux.sendKeys("b")
        tmux.waitFor(timeout: 20, "b: processes holding BPF objects") { $0.contains("holding BPF") }
        tmux.sendKeys("/")
        tmux.sendText("nav")
        tmux.sendKeys("Enter")
        tmux.waitFor(timeout: 20, "the map holder is listed, the plain process is not") { screen in
            line(screen, "\(holderComm) 1001").contains("\(holder.pid)") && !screen.contains("\(plainComm) 1002")
        }
        tmux.sendKeys("Escape")
        tmux.sendKeys("b")
        tmux.waitFor(timeout: 20, "b again: every process") { !$0.contains("holding BPF") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
        withExtendedLifetime(map) {}
    }

    func testKernelThreadsHiddenUntilKAndABusyProcessShowsCPU() throws {
        let comm = uniqueName("navbusy")
        let dir = NSTemporaryDirectory() + "bpfnav-busy-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A shell named by the test, spinning.
        let shell = URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path
        try FileManager.default.copyItem(atPath: shell, toPath: "\(dir)/\(comm)")
        let busy = spawn(try Child(shell: "exec \"$1\" -c 'while :; do :; done'", arguments: ["\(dir)/\(comm)"]))
        XCTAssertTrue(waitUntil(timeout: 5) { busy.comm == comm })

        let tmux = try browser()
        tmux.sendKeys("5")
        tmux.waitFor(timeout: 20, "the Tasks view, kernel threads hidden") { screen in
            screen.contains("COMMAND") && screen.contains(" hidden") && !screen.contains("[kthreadd]")
        }
        tmux.sendKeys("/")
        tmux.sendText(comm)
        tmux.sendKeys("Enter")
        tmux.waitFor(timeout: 30, "the spinning process's CPU% once sampled twice") { screen in
            guard let row = screen.split(separator: "\n").first(where: { $0.contains("\(busy.pid)") && $0.contains(comm) }) else {
                return false
            }
            let cells = row.split(separator: " ")
            guard let at = cells.firstIndex(where: { $0 == "R" || $0 == "S" }), at + 1 < cells.count,
                  let percent = Double(cells[at + 1]) else { return false }
            return percent > 0
        }
        tmux.sendKeys("Escape")
        tmux.sendKeys("/")
        tmux.sendText("kthreadd")
        tmux.sendKeys("Enter")
        tmux.sendKeys("K")
        tmux.waitFor(timeout: 20, "K shows kernel threads") { $0.contains("[kthreadd]") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
    }
}

import BPFKit
import CLibBPF
import Foundation
import Iterators
import TestSupport
import XCTest

/// The browser as a person uses it: in tmux, with keys, reading the screen.
final class BrowserTests: BPFTestCase {
    private func browser(columns: Int = 120, rows: Int = 40, wrapper: [String]? = nil) throws -> TmuxSession {
        let command = wrapper ?? [bpfnavBinary, "browse", "-d", "1"]
        let session = try TmuxSession(command, columns: columns, rows: rows,
                                      environment: ["BPFNAV_CACHE_DIR": pinDirectory])
        session.waitFor(timeout: 20, "the browser starts") { $0.contains("1 Programs") && $0.contains("5 Tasks") && $0.contains("6 Attached") }
        return session
    }

    func testFindAMapByFilterAndSeeItsEntry() throws {
        let name = uniqueName("navbr")
        let map = try BPFMap(type: .hash, name: name, keySize: 4, valueSize: 8, maxEntries: 8)
        var key: UInt32 = 0x2a
        var value: UInt64 = 0x4433_2211
        XCTAssertEqual(bpf_map_update_elem(map.fd.raw, &key, &value, 0), 0)

        let tmux = try browser()
        tmux.sendKeys("2")
        tmux.waitFor("the Maps section") { $0.contains("MAX_ENTRIES") }
        tmux.sendKeys("/")
        tmux.sendText(name)
        tmux.waitFor("the filter finds the test's map") { screen in
            screen.contains(name) && screen.contains("1/1")
        }
        tmux.sendKeys("Enter")   // keep the filter
        tmux.sendKeys("Enter")   // open the map
        tmux.waitFor("the map's entries") { screen in
            screen.contains("Map \(try! map.id()) \(name)") && screen.contains("2a 00 00 00  11 22 33 44 00 00 00 00")
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    func testPinnedIteratorOutputAndATasksFiles() throws {
        let dir = NSTemporaryDirectory() + "bpfnav-browse-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let comm = uniqueName("navt")
        let binary = dir + "/" + comm
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: binary)
        let held = dir + "/held-by-the-task"
        XCTAssertTrue(FileManager.default.createFile(atPath: held, contents: Data("x".utf8)))
        let child = spawn(try Child(shell: "exec 5<\"$1\"; exec \"$2\" 1000", arguments: [held, binary]))
        XCTAssertTrue(child.waitForExec(comm))
        let spec = PinSpec(kind: .task, params: .pid(UInt32(child.pid)))
        try pins.create([spec])

        let tmux = try browser()
        tmux.sendKeys("4")
        tmux.waitFor("the Pins section") { $0.contains("2 Maps") && $0.contains(self.pinDirectory.split(separator: "/").last.map(String.init) ?? "") }
        tmux.sendKeys("/")
        tmux.sendText(spec.name)
        tmux.waitFor("the test's pin") { $0.contains(spec.name) }
        tmux.sendKeys("Enter")
        tmux.sendKeys("Enter")
        tmux.waitFor("the iterator's output, as cat shows it") { screen in
            screen.contains("PID     TID    PPID") && screen.contains(comm)
        }

        tmux.sendKeys("5")
        tmux.waitFor("the Tasks section") { $0.contains("5 Tasks") && $0.contains("COMM") }
        tmux.sendKeys("/")
        tmux.sendText(comm)
        tmux.waitFor("the test's task") { $0.contains(comm) && $0.contains("\(child.pid)") }
        tmux.sendKeys("Enter")
        tmux.sendKeys("Enter")
        tmux.waitFor("the task's open files") { $0.contains("held-by-the-task") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0, tmux.capture())
    }

    func testResizeQuitAndInterruptRestoreTheTerminal() throws {
        // After the browser exits, the shell shows its status and the
        // terminal's modes on the same screen.
        // The shell catches SIGINT (a caught signal is reset to the default
        // across exec) so that Ctrl-C reaches the browser and the shell
        // lives on to report.
        let script = "trap : INT; '\(bpfnavBinary)' browse -d 1; echo \"exit=$?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; sleep 30"
        var tmux = try browser(wrapper: ["/bin/sh", "-c", script])
        tmux.resize(cols: 60, rows: 20)
        tmux.waitFor("60x20 still shows the essentials") { screen in
            screen.contains("1 Programs") && screen.contains("q quit")
        }
        tmux.resize(cols: 40, rows: 10)
        tmux.waitFor("too small: a message, not garbage") { $0.lowercased().contains("too small") }
        tmux.resize(cols: 120, rows: 40)
        tmux.waitFor("back to full size") { $0.contains("1 Programs") && $0.contains("5 Tasks") }
        tmux.sendKeys("q")
        tmux.waitFor("q exits 0 and the terminal is back in cooked mode") { screen in
            screen.contains("exit=0") && screen.contains("icanon echo") && !screen.contains("1 Programs")
        }
        tmux.kill()

        // SIGINT (Ctrl-C) restores the terminal too.
        tmux = try browser(wrapper: ["/bin/sh", "-c", script])
        tmux.sendKeys("C-c")
        tmux.waitFor("Ctrl-C exits 130 and the terminal is back in cooked mode") { screen in
            screen.contains("exit=130") && screen.contains("icanon echo")
        }
        tmux.kill()
    }

    /// The demo's XDP program in the Attached list, under its device in
    /// the demo's namespace; Enter opens the place, Enter on the program
    /// line opens the program's page, which says where it runs.
    func testAttachedListShowsTheDemosXDPInItsNamespace() throws {
        let result = try bpfnav(["demo", "--no-browse", "--dir", pinDirectory])
        XCTAssertEqual(result.status, 0, result.stderr)
        guard result.text.contains("made network namespace") else {
            throw XCTSkip("the demo made no network namespace here: \(result.text)")
        }
        defer { _ = try? bpfnav(["unpin", "--all", "--dir", pinDirectory]) }
        let namespace = demoNetns
        let tmux = try browser(columns: 160, rows: 45)
        tmux.sendKeys("6")
        tmux.waitFor("the Attached list") { $0.contains("ATTACH POINT") && $0.contains("demo0 (netns \(namespace))") }
        // Only this test's demo (another may run on the machine).
        tmux.sendKeys("/")
        tmux.sendText("demo0 (netns \(namespace))")
        tmux.sendKeys("Enter")
        tmux.sendKeys("Enter")
        tmux.waitFor("the place: the device and what runs there") { screen in
            screen.contains("Attached › netns \(namespace) · demo0") && screen.contains("device  demo0")
                && screen.contains("bpfnav_demo_xdp")
        }
        // The last line is the link's; the one above it the program's. End
        // as tmux sends it (ESC [4~, which xterm's terminfo, the pane's
        // TERM, does not list) must be End, not Esc and "4".
        tmux.sendKeys("End")
        tmux.sendKeys("Up")
        tmux.waitFor("the cursor on the program's line") { $0.contains("4/5") }
        tmux.sendKeys("Enter")
        tmux.waitFor("the program's page says where it runs") { screen in
            screen.contains("Attached to (1)") && screen.contains("xdp") && screen.contains("demo0 (netns \(namespace))")
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

}

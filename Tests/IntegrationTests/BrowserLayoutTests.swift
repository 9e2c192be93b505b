import BPFKit
import BrowserModel
import CLibBPF
import Foundation
import Iterators
import TestSupport
import XCTest

/// The browser's layout and habits in tmux: widths at 80x24 and 250x60,
/// the mouse, `:` jumps and F9 on a real bpffs.
final class BrowserLayoutTests: BPFTestCase {
    private func browser(columns: Int, rows: Int, _ extra: [String] = []) throws -> TmuxSession {
        let session = try TmuxSession([bpfnavBinary, "browse", "-d", "1"] + extra, columns: columns, rows: rows,
                                      environment: ["BPFNAV_CACHE_DIR": pinDirectory])
        session.waitFor(timeout: 20, "the browser starts") { $0.contains("1 Programs") && $0.contains("4 Pins") }
        return session
    }

    /// Opens `view` (a key, "Escape" to stay) and keeps a filter for `text`.
    private func filter(_ tmux: TmuxSession, view: String, _ text: String) {
        tmux.sendKeys(view)
        tmux.answer("/", text)
    }

    private func line(_ screen: String, containing text: String) -> String {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init) ?? ""
    }

    /// A map whose type name is longer than the TYPE columns' floors
    /// (lru_percpu_hash), pinned under a long name.
    private func longPin() throws -> (name: String, pin: String, id: UInt32) {
        let name = uniqueName("navlay")
        let map = try BPFMap(type: MapType(rawValue: BPF_MAP_TYPE_LRU_PERCPU_HASH.rawValue), name: name, keySize: 4,
                             valueSize: 8, maxEntries: 16)
        let pin = pinDirectory + "/a-pin-with-a-rather-long-name-shown-in-full-at-250-columns-\(name)"
        try map.pin(at: pin)
        return (name, pin, try map.id())
    }

    /// An iterator pin bpfnav makes (its manifest records it): name and path.
    private func iteratorPin() throws -> (name: String, path: String) {
        let spec = PinSpec(kind: .task, params: .pid(UInt32(getpid())))
        try pins.create([spec])
        return (spec.name, pins.path(spec.name))
    }

    func testWideTerminalCutsNothingThatFits() throws {
        let (name, pin, id) = try longPin()
        let tmux = try browser(columns: 250, rows: 60)
        filter(tmux, view: "4", name)
        tmux.waitFor("the pin, its whole path, type and map name") { screen in
            let row = self.line(screen, containing: pin)
            return row.contains("lru_percpu_hash") && row.contains(" \(id) ") && row.contains(name + "  key 4 value 8")
                && !row.contains("…")
        }
        filter(tmux, view: "2", name)
        tmux.waitFor("the map's row, nothing cut") { screen in
            let row = self.line(screen, containing: " \(id) ")
            return row.contains("lru_percpu_hash \(name)") && !row.contains("…")
        }
        // Every program's row whole, bpfnav's own shown (O); the header has
        // the counts in words.
        tmux.sendKeys("1", "O")
        tmux.waitFor("the Programs list, no cell cut") { screen in
            let lines = screen.split(separator: "\n").map(String.init)
            guard lines.count > 3, lines[2].contains("TAG"), lines[3...].contains(where: { $0.contains("bpfnav_") }) else { return false }
            return lines[0].contains(" programs · ") && lines[0].contains(" maps · ")
                && lines[3...].prefix { !$0.hasPrefix(" Program ") }.allSatisfy { !$0.contains("…") }
        }
        tmux.sendKeys("2")
        // The name column is as wide as the longest name, not the screen.
        tmux.waitFor("the Maps list") { screen in self.line(screen, containing: "MAX_ENTRIES").contains(" KEY ") }
        let header = line(tmux.capture(), containing: "MAX_ENTRIES")
        let key = try XCTUnwrap(header.range(of: " KEY "), "no KEY column in \(header)")
        XCTAssertLessThan(header.distance(from: header.startIndex, to: key.lowerBound), 120, header)
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    func testEightyByTwentyFourHeaderAndTypes() throws {
        let (name, pin, _) = try longPin()
        let tmux = try browser(columns: 80, rows: 24)
        tmux.waitFor("a header in words and every view's name") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count > 2 else { return false }
            return lines[0].contains("bpfnav │") && lines[0].contains("refresh 1s") && lines[0].contains("stats o")
                && ["1 Programs", "2 Maps", "3 Links", "4 Pins", "5 Tasks", "6 Attached"].allSatisfy(lines[1].contains)
        }
        filter(tmux, view: "4", name)
        // The path is cut at 80 columns; the TYPE column is not.
        tmux.waitFor("the pin's type whole beside its cut path") { screen in
            let row = self.line(screen, containing: "lru_percpu_hash")
            return row.contains("map") && !screen.contains(pin)
        }
        // z: the list takes the screen, then the preview does.
        tmux.sendKeys("z")
        tmux.waitFor("the preview hidden") { $0.contains("preview hidden · z zooms it") }
        tmux.sendKeys("z")
        tmux.waitFor("the preview zoomed") { screen in
            screen.contains("zoomed · z: list and preview") && !screen.contains("KIND")
        }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    func testMouseClicksSelectARowAViewAndASortColumn() throws {
        let tmux = try browser(columns: 120, rows: 40)
        tmux.waitFor("the mouse asked for in SGR mode") { _ in tmux.display("#{mouse_sgr_flag}") == "1" }
        // Tasks: the processes on the machine, the test's own among them.
        tmux.sendKeys("5")
        tmux.waitFor("at least three processes") { screen in
            self.line(screen, containing: "1 Programs").range(of: #" 1/([3-9]|\d\d+)$"#, options: .regularExpression) != nil
        }
        // Row 2 is the list's header, row 3 its first row: the third is row 5.
        tmux.click(row: 5, col: 10)
        tmux.waitFor("the third row selected") { screen in
            self.line(screen, containing: "1 Programs").range(of: #" 3/\d+$"#, options: .regularExpression) != nil
        }
        // The wheel moves the cursor by three.
        tmux.click(row: 6, col: 10, button: 65)
        tmux.waitFor("the wheel") { screen in
            self.line(screen, containing: "1 Programs").range(of: #" 6/\d+$"#, options: .regularExpression) != nil
        }
        let tabs = line(tmux.capture(), containing: "2 Maps")
        let maps = tabs.distance(from: tabs.startIndex, to: try XCTUnwrap(tabs.range(of: "2 Maps"), tabs).lowerBound)
        tmux.click(row: 1, col: maps + 1)
        tmux.waitFor("the Maps view") { $0.contains("MAX_ENTRIES") }
        let header = line(tmux.capture(), containing: "MAX_ENTRIES")
        let nameColumn = header.distance(from: header.startIndex, to: try XCTUnwrap(header.range(of: "NAME"), header).lowerBound)
        tmux.click(row: 2, col: nameColumn + 1)
        tmux.waitFor("sorted by NAME") { $0.contains("NAME▲") }
        tmux.click(row: 2, col: nameColumn + 1)
        tmux.waitFor("again: reversed") { $0.contains("NAME▼") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)

        // --no-mouse: the terminal keeps the mouse (to select text).
        let plain = try browser(columns: 120, rows: 40, ["--no-mouse"])
        XCTAssertEqual(plain.display("#{mouse_any_flag}"), "0")
        plain.sendKeys("q")
        XCTAssertEqual(plain.waitForExit(), 0)
    }

    func testColonJumpsToAMap() throws {
        let name = uniqueName("navjmp")
        let map = try BPFMap(type: .hash, name: name, keySize: 4, valueSize: 8, maxEntries: 8)
        let id = try map.id()
        let tmux = try browser(columns: 120, rows: 40)
        tmux.sendKeys("2")
        tmux.waitFor("the map listed") { $0.contains(name) }
        tmux.sendKeys("1", ":")
        tmux.sendText("map \(id)")
        tmux.waitFor("the prompt") { $0.contains(":map \(id)▏") }
        tmux.sendKeys("Enter")
        tmux.waitFor("the map's page, from the Maps list") { screen in
            screen.contains("Maps › Map \(id) \(name)") && screen.contains("Entries of map \(id)")
        }
        tmux.sendKeys("Escape")
        tmux.waitFor("back on the map's row") { screen in self.line(screen, containing: "Map \(id) \(name)").contains("Enter opens") }
        tmux.answer(":", "map 4294967295")
        tmux.waitFor("an unknown map is an error") { $0.contains("no map 4294967295 in the Maps list") }
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    /// F9 unpins an iterator pin bpfnav made, after asking; a pin it did
    /// not make stays, with the reason.
    func testF9UnpinsOnlyBpfnavsPins() throws {
        let (pinName, own) = try iteratorPin()
        let (name, foreign, _) = try longPin()
        let tmux = try browser(columns: 250, rows: 50)
        filter(tmux, view: "4", pinName)
        tmux.waitFor("bpfnav's pin") { $0.contains(own) }
        tmux.sendKeys("F9")
        tmux.waitFor("a question first") { $0.contains("unpin \(own)? y/N") }
        tmux.sendKeys("n")
        tmux.waitFor("kept") { $0.contains("kept \(own)") }
        XCTAssertEqual(access(own, F_OK), 0)
        tmux.sendKeys("F9")
        tmux.waitFor("asked again") { $0.contains("unpin \(own)? y/N") }
        tmux.sendKeys("y")
        tmux.waitFor("unpinned") { $0.contains("unpinned \(own)") }
        XCTAssertNotEqual(access(own, F_OK), 0, "\(own) is gone")

        filter(tmux, view: "Escape", name)
        tmux.waitFor("the test's own map pin") { $0.contains(foreign) }
        tmux.sendKeys("F9")
        tmux.waitFor("not bpfnav's: left alone") { $0.contains("bpfnav did not pin it") }
        XCTAssertEqual(access(foreign, F_OK), 0)
        tmux.sendKeys("q")
        XCTAssertEqual(tmux.waitForExit(), 0)
    }

    /// The browser's unpin is the unpin command's: only what the manifest
    /// proves bpfnav's.
    func testLiveSourceUnpinsWithTheUnpinCommandsChecks() throws {
        let (_, own) = try iteratorPin()
        let (_, foreign, _) = try longPin()
        let source = LiveBrowserSource()
        let refusal = source.unpin(Array(foreign.utf8))
        XCTAssertTrue(refusal?.contains("not created by bpfnav") ?? false, refusal ?? "unpinned")
        XCTAssertEqual(access(foreign, F_OK), 0)
        XCTAssertNil(source.unpin(Array(own.utf8)))
        XCTAssertNotEqual(access(own, F_OK), 0)
        let again = source.unpin(Array(own.utf8))
        XCTAssertTrue(again?.contains("no such pin") ?? false, again ?? "unpinned twice")
    }
}

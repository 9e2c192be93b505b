import BrowserModel
import XCTest
@testable import TUI

/// The width allocator: columns as wide as what they hold, cut only when
/// the terminal is too narrow, and then the long ones first.
final class ColumnWidthsTests: XCTestCase {
    /// The Pins list's columns: PATH (flexible), KIND, ID, TYPE, DETAIL (flexible).
    private let pins = [
        Column(title: "PATH", width: 24, flex: true),
        Column(title: "KIND", width: 4, priority: 1),
        Column(title: "ID", width: 5, align: .right, priority: 2),
        Column(title: "TYPE", width: 12, priority: 3),
        Column(title: "DETAIL", width: 20, flex: true, priority: 4),
    ]

    private func widths(_ placed: [TUI.ColumnLayout.Placed]) -> [Int: Int] {
        Dictionary(uniqueKeysWithValues: placed.map { ($0.index, $0.width) })
    }

    func testEveryColumnGetsWhatItHoldsAndTheLastFlexibleOneTheRest() {
        let content = [40, 4, 4, 23, 50]   // TYPE holds raw_tracepoint_writable
        let placed = ColumnWidths.allocate(pins, content: content, width: 160)
        XCTAssertEqual(placed.map(\.index), [0, 1, 2, 3, 4])
        XCTAssertEqual(placed.map(\.width), [40, 5, 4, 23, 84], "spare width to DETAIL, the last and flexible column")
        XCTAssertEqual(placed.last!.x + placed.last!.width, 160)
        XCTAssertEqual(placed.map(\.x), [0, 41, 47, 52, 76], "one space between columns")
    }

    func testAFlexibleColumnInTheMiddleTakesOnlyWhatItsNamesNeed() {
        // The Programs list: 15-character names at 160 columns.
        let columns = [Column(title: "ID", width: 5, align: .right), Column(title: "TYPE", width: 14, priority: 2),
                       Column(title: "NAME", width: 16, flex: true), Column(title: "TAG", width: 16, priority: 6)]
        let placed = ColumnWidths.allocate(columns, content: [3, 14, 15, 16], width: 160)
        XCTAssertEqual(placed.map(\.width), [3, 14, 15, 16], "NAME is as wide as its names, not 95 columns")
    }

    func testTitlesAndTheSortMarkFit() {
        let placed = ColumnWidths.allocate(pins, content: [0, 0, 0, 0, 0], width: 100)
        XCTAssertEqual(widths(placed)[1], 5, "KIND and room for ▲")
        XCTAssertEqual(widths(placed)[2], 3, "ID and room for ▲")
    }

    func testFlexibleColumnsGiveFirstTheWidestFirst() {
        let content = [40, 4, 4, 23, 50]
        // Needs 40+5+4+23+50 + 4 gaps = 126; at 100, 26 must go.
        let placed = widths(ColumnWidths.allocate(pins, content: content, width: 100))
        XCTAssertEqual(placed[3], 23, "TYPE is not cut while names and details can give")
        XCTAssertEqual(placed[2], 4)
        XCTAssertEqual(placed[1], 5)
        XCTAssertEqual(placed[4], 32, "DETAIL, the widest, gives until it is as wide as PATH")
        XCTAssertEqual(placed[0], 32)
        // At 80: PATH stops at its floor (24), DETAIL goes on to its own (20).
        let narrow = widths(ColumnWidths.allocate(pins, content: content, width: 80))
        XCTAssertEqual(narrow[0], 24)
        XCTAssertEqual(narrow[4], 20)
        XCTAssertEqual(narrow[3], 23)
    }

    func testThenOtherTextColumnsAndNeverNumbers() {
        let content = [40, 4, 12345678, 23, 50].map { $0 == 12345678 ? 8 : $0 }
        // Floors: PATH 24, KIND 5, ID 8 (never cut), TYPE 12, DETAIL 20: 69 + 4 = 73.
        let placed = ColumnWidths.allocate(pins, content: content, width: 75)
        let w = widths(placed)
        XCTAssertEqual(w[0], 24)
        XCTAssertEqual(w[4], 20)
        XCTAssertEqual(w[2], 8, "a number is never cut")
        XCTAssertEqual(w[3], 14, "TYPE gives only once the flexible columns are at their floors")
        XCTAssertEqual(placed.last!.x + placed.last!.width, 75)
    }

    func testColumnsAreLeftOutByPriorityWhenEvenTheirFloorsDoNotFit() {
        let placed = ColumnWidths.allocate(pins, content: [40, 4, 4, 23, 50], width: 50)
        XCTAssertEqual(placed.map(\.index), [0, 1, 2, 3], "DETAIL, priority 4, goes first")
        XCTAssertLessThanOrEqual(placed.last!.x + placed.last!.width, 50)
        XCTAssertEqual(ColumnWidths.allocate(pins, content: nil, width: 0), [])
    }

    /// Whatever the columns hold: nothing is placed past the width, no
    /// column is below its floor, and when everything fits nothing is cut.
    func testInvariantsOverManyContentsAndWidths() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let count = Int.random(in: 1...7, using: &generator)
            let columns = (0..<count).map { n in
                Column(title: String(repeating: "T", count: Int.random(in: 1...8, using: &generator)),
                       width: Int.random(in: 1...20, using: &generator),
                       align: Bool.random(using: &generator) ? .right : .left,
                       flex: Bool.random(using: &generator), priority: Int.random(in: 0...5, using: &generator))
            }
            let content = columns.map { _ in Int.random(in: 0...60, using: &generator) }
            let need = columns.indices.map { max(TextWidth.width(columns[$0].title) + 1, content[$0]) }
            for width in stride(from: 10, through: 300, by: 7) {
                let placed = ColumnWidths.allocate(columns, content: content, width: width)
                let description = "columns \(columns.map { ($0.title, $0.width, $0.align, $0.flex, $0.priority) }) content \(content) width \(width): \(placed)"
                XCTAssertFalse(placed.isEmpty, description)
                XCTAssertLessThanOrEqual(placed.last!.x + placed.last!.width, width, description)
                XCTAssertEqual(placed.map(\.index), placed.map(\.index).sorted(), "columns keep their order")
                if need.reduce(0, +) + count - 1 <= width {
                    XCTAssertEqual(placed.count, count, description)
                    for column in placed {
                        XCTAssertGreaterThanOrEqual(column.width, need[column.index], "cut although everything fits: \(description)")
                    }
                } else if placed.count > 1 {
                    for column in placed {
                        let floor = columns[column.index].align == .right
                            ? need[column.index] : min(columns[column.index].width, need[column.index])
                        XCTAssertGreaterThanOrEqual(column.width, floor, description)
                    }
                }
            }
        }
    }
}

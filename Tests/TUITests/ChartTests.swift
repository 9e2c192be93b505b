import XCTest
@testable import TUI

/// The chart renderer and the sparkline: exact output for small inputs,
/// and every line exactly as wide as asked, whatever the values.
final class ChartTests: XCTestCase {
    func testSmallSeriesExactly() {
        // 0…3 over 2 cells (4 dot columns) × 2 rows (8 dot rows): levels
        // 1, 3, 6 and 8 dots from the bottom.
        XCTAssertEqual(Chart.render(values: [0, 1, 2, 3], width: 6, height: 2, unit: .perSecond), [
            "3/s┤ ⣼",
            "0/s┤⣰⣿",
            "   └──",
            "      ",
        ])
    }

    func testTimeAxisAndStretchedValues() {
        // Two values over 4 cells: each takes half the width.
        XCTAssertEqual(Chart.render(values: [1, 2], width: 11, height: 1, unit: .percent, span: 300), [
            "2%┤⣶⣶⣶⣶⣿⣿⣿⣿",
            "  └────────",
            "   -5m  now",
        ])
    }

    func testFlatSeriesFillsToTheTop() {
        XCTAssertEqual(Chart.render(values: [5, 5, 5], width: 8, height: 2, unit: .perSecond), [
            "5/s┤⣿⣿⣿⣿",
            "0/s┤⣿⣿⣿⣿",
            "   └────",
            "     now",
        ])
    }

    func testZerosAreABaselineOnAZeroToOneAxis() {
        XCTAssertEqual(Chart.render(values: [0, 0], width: 7, height: 2, unit: .nanoseconds), [
            "1ns┤   ",
            "0ns┤⣀⣀⣀",
            "   └───",
            "    now",
        ])
    }

    func testASingleSampleSpansTheChart() {
        XCTAssertEqual(Chart.render(values: [2.5], width: 7, height: 1, unit: .percent, span: 2), [
            "2.5%┤⣿⣿",
            "    └──",
            "       ",
        ])
    }

    func testMissingAndNonFiniteValuesDrawNothing() {
        // nan, inf and -inf leave their columns empty and do not move the axis.
        XCTAssertEqual(Chart.render(values: [.nan, .infinity, -.infinity, 4], width: 8, height: 1, unit: .perSecond), [
            "4/s┤   ⣿",
            "   └────",
            "     now",
        ])
        // Nothing finite at all: an empty 0…1 chart.
        XCTAssertEqual(Chart.render(values: [.nan], width: 7, height: 1, unit: .perSecond), [
            "1/s┤   ",
            "   └───",
            "    now",
        ])
        XCTAssertEqual(Chart.render(values: [], width: 7, height: 1, unit: .perSecond)[0], "1/s┤   ")
    }

    func testManyValuesAreAveragedIntoColumns() {
        // 8 values into 2 dot columns: means 0.5 (of 0 and 1 alternating)
        // and 9 (of 9s): the first column gets the 1-dot baseline.
        let values: [Double] = [0, 1, 0, 1, 9, 9, 9, 9]
        XCTAssertEqual(Chart.render(values: values, width: 5, height: 1, unit: .perSecond)[0], "9/s┤⣸")
    }

    func testEveryLineIsExactlyTheWidthAsked() {
        let series: [[Double]] = [[], [0], [1e12, 3], [.nan, .infinity], (0..<300).map { Double($0 % 17) * 1234.5 },
                                  [-5, 5], [0.0001, 0.0002]]
        for values in series {
            for unit in [Chart.Unit.perSecond, .nanoseconds, .percent] {
                for width in [1, 2, 3, 5, 9, 40, 77] {
                    for height in [1, 3, 6] {
                        let lines = Chart.render(values: values, width: width, height: height, unit: unit, span: 3725)
                        XCTAssertEqual(lines.count, height + 2, "\(values) \(width)x\(height)")
                        for line in lines {
                            XCTAssertEqual(TextWidth.width(line), width, "'\(line)' for \(values.prefix(3)) \(width)x\(height)")
                        }
                    }
                }
            }
        }
        XCTAssertEqual(Chart.render(values: [1], width: 0, height: 3, unit: .percent), [])
        XCTAssertEqual(Chart.render(values: [1], width: 10, height: 0, unit: .percent), [])
    }

    func testLabels() {
        XCTAssertEqual(Chart.Unit.perSecond.format(0), "0/s")
        XCTAssertEqual(Chart.Unit.perSecond.format(0.5), "0.5/s")
        XCTAssertEqual(Chart.Unit.perSecond.format(5), "5/s")
        XCTAssertEqual(Chart.Unit.perSecond.format(5.25), "5.3/s")
        XCTAssertEqual(Chart.Unit.perSecond.format(1000), "1k/s")
        XCTAssertEqual(Chart.Unit.nanoseconds.format(2000), "2µs")
        XCTAssertEqual(Chart.Unit.perSecond.format(12.34), "12/s")
        XCTAssertEqual(Chart.Unit.perSecond.format(1530), "1.5k/s")
        XCTAssertEqual(Chart.Unit.perSecond.format(2_500_000), "2.5M/s")
        XCTAssertEqual(Chart.Unit.nanoseconds.format(850), "850ns")
        XCTAssertEqual(Chart.Unit.nanoseconds.format(1234), "1.2µs")
        XCTAssertEqual(Chart.Unit.nanoseconds.format(3_400_000), "3.4ms")
        XCTAssertEqual(Chart.Unit.percent.format(0.031), "0.031%")
        XCTAssertEqual(Chart.Unit.percent.format(0.00075), "0.00075%")
        XCTAssertEqual(Chart.Unit.percent.format(0.0000001), "0%")
        XCTAssertEqual(Chart.Unit.percent.format(0.999), "1%")
        XCTAssertEqual(Chart.Unit.percent.format(150), "150%")
        XCTAssertEqual(Chart.Unit.percent.format(.nan), "-")
        XCTAssertEqual(Chart.ago(42), "-42s")
        XCTAssertEqual(Chart.ago(300), "-5m")
        XCTAssertEqual(Chart.ago(2 * 3600 + 600), "-2h10m")
        XCTAssertEqual(Chart.ago(0), "")
    }

    func testSparkline() {
        XCTAssertEqual(Chart.sparkline([1, 2, 3, 4, 5, 6, 7, 8], width: 8), "▁▂▃▄▅▆▇█")
        // Newest on the right, padded on the left; zero and nan are blank.
        XCTAssertEqual(Chart.sparkline([0, 10, .nan, 5], width: 6), "   █ ▄")
        // Only the last `width` values, scaled to their own largest.
        XCTAssertEqual(Chart.sparkline([100, 1, 2], width: 2), "▄█")
        // Any value above zero shows.
        XCTAssertEqual(Chart.sparkline([1000, 1], width: 2), "█▁")
        XCTAssertEqual(Chart.sparkline([], width: 3), "   ")
        XCTAssertEqual(Chart.sparkline([0, 0], width: 3), "   ")
        XCTAssertEqual(Chart.sparkline([.infinity, 1], width: 2), " █")
        for count in [0, 1, 9, 10, 11, 300] {
            XCTAssertEqual(TextWidth.width(Chart.sparkline((0..<count).map(Double.init), width: 10)), 10)
        }
    }
}

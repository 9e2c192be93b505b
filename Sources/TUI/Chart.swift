import Formatting
import Glibc

/// Charts drawn with text: a braille area chart with axes (a program's
/// page) and a one-line sparkline of block characters (the Programs list).
/// Pure functions of their values: what is not a finite number is no
/// measurement and draws nothing.
enum Chart {
    /// What the values measure: how the axis labels are written.
    enum Unit: Sendable {
        /// Events per second: "0/s", "12/s", "1.5k/s".
        case perSecond
        /// Nanoseconds: "850ns", "1.2µs", "3.4ms".
        case nanoseconds
        /// A percentage: "0.25%", "12%".
        case percent

        func format(_ value: Double) -> String {
            guard value.isFinite else { return "-" }
            switch self {
            case .perSecond: return Chart.compact(value) + "/s"
            case .percent: return Chart.compact(value) + "%"
            case .nanoseconds:
                let magnitude = abs(value)
                if magnitude < 1e3 { return BrowserFormat.fixed(value, digits: 0) + "ns" }
                if magnitude < 1e6 { return Chart.trimmed(BrowserFormat.fixed(value / 1e3, digits: 1)) + "µs" }
                if magnitude < 1e9 { return Chart.trimmed(BrowserFormat.fixed(value / 1e6, digits: 1)) + "ms" }
                return Chart.trimmed(BrowserFormat.fixed(value / 1e9, digits: 1)) + "s"
            }
        }
    }

    /// Two or three significant digits, no trailing zeros: "0", "0.05",
    /// "0.00075", "5.3", "5", "123", "1.2k", "3.4M", "1.2G".
    static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        // Below 1: two significant digits (0.5, 0.031, 0.00075), down to 1e-6.
        if magnitude < 1 {
            let digits = min(6, max(2, 1 - Int(log10(magnitude).rounded(.down))))
            return trimmed(BrowserFormat.fixed(value, digits: digits))
        }
        if magnitude < 10 { return trimmed(BrowserFormat.fixed(value, digits: 1)) }
        if magnitude < 1e3 { return BrowserFormat.fixed(value, digits: 0) }
        if magnitude < 1e6 { return trimmed(BrowserFormat.fixed(value / 1e3, digits: 1)) + "k" }
        if magnitude < 1e9 { return trimmed(BrowserFormat.fixed(value / 1e6, digits: 1)) + "M" }
        return trimmed(BrowserFormat.fixed(value / 1e9, digits: 1)) + "G"
    }

    /// "5.0" → "5", "0.50" → "0.5".
    static func trimmed(_ number: String) -> String {
        guard number.contains(".") else { return number }
        var text = Substring(number)
        while text.hasSuffix("0") { text = text.dropLast() }
        if text.hasSuffix(".") { text = text.dropLast() }
        return String(text)
    }

    /// "-42s", "-5m", "-2h10m": how long ago the chart's left edge is.
    static func ago(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "" }
        let whole = Int(seconds.rounded())
        if whole < 120 { return "-\(whole)s" }
        if whole < 120 * 60 { return "-\((whole + 30) / 60)m" }
        let minutes = (whole + 30) / 60
        return "-\(minutes / 60)h" + (minutes % 60 == 0 ? "" : "\(minutes % 60)m")
    }

    /// An area chart of `values` (oldest first) in `height` rows of braille
    /// (2×4 dots a cell) under a y axis labelled with its bounds in `unit`,
    /// then the x axis and its labels: `-span … now` when `span` (seconds
    /// the values cover) is given. `height + 2` lines, each exactly `width`
    /// cells; none when `width` or `height` is below 1.
    ///
    /// The y axis runs from 0 (or the smallest value, if negative) to the
    /// largest value; a series of zeros gets 0…1. Every dot column shows
    /// the mean of the values that fall in it (several when they outnumber
    /// the columns; one value spans several columns otherwise). A value is
    /// drawn from the axis up, at least one dot high, so that a zero shows
    /// as a baseline; a column with no finite value stays empty.
    static func render(values: [Double], width: Int, height: Int, unit: Unit, span: Double? = nil) -> [String] {
        guard width >= 1, height >= 1 else { return [] }
        let finite = values.filter(\.isFinite)
        let lower = min(0, finite.min() ?? 0)
        var upper = finite.max() ?? 0
        if !(upper > lower) { upper = lower + 1 }
        let top = unit.format(upper)
        let bottom = unit.format(lower)
        // The axis line takes one cell; the plot at least one.
        let labelWidth = min(max(TextWidth.width(top), TextWidth.width(bottom)), max(0, width - 2))
        let plotWidth = max(0, width - labelWidth - 1)

        let dotRows = height * 4
        let dotColumns = plotWidth * 2
        var levels = [Int](repeating: 0, count: dotColumns)
        if !values.isEmpty, dotColumns > 0 {
            for column in 0..<dotColumns {
                let from = column * values.count / dotColumns
                let to = max(from + 1, (column + 1) * values.count / dotColumns)
                let bucket = values[from..<to].filter(\.isFinite)
                guard !bucket.isEmpty else { continue }
                let mean = bucket.reduce(0, +) / Double(bucket.count)
                let scaled = ((mean - lower) / (upper - lower) * Double(dotRows - 1)).rounded()
                levels[column] = 1 + Int(max(0, min(Double(dotRows - 1), scaled)))
            }
        }

        var lines: [String] = []
        for row in 0..<height {
            let label = row == 0 ? top : row == height - 1 ? bottom : ""
            var line = TextWidth.fit(label, labelWidth, align: .right)
            line += row == 0 || row == height - 1 ? "┤" : "│"
            for cell in 0..<plotWidth {
                line += braille(left: levels[cell * 2], right: levels[cell * 2 + 1], row: row, height: height)
            }
            lines.append(TextWidth.clip(line, width))
        }
        lines.append(TextWidth.clip(String(repeating: " ", count: labelWidth) + "└" + String(repeating: "─", count: plotWidth), width))
        let left = span.map(ago) ?? ""
        var axis = ""
        if TextWidth.width(left) + 1 + 3 <= plotWidth, !left.isEmpty {
            axis = left + String(repeating: " ", count: plotWidth - TextWidth.width(left) - 3) + "now"
        } else if plotWidth >= 3 {
            axis = TextWidth.fit("now", plotWidth, align: .right)
        }
        lines.append(TextWidth.clip(String(repeating: " ", count: labelWidth + 1) + axis, width))
        return lines
    }

    /// The braille cell at `row` (0 at the top) of a chart `height` rows
    /// high, whose two dot columns are filled `left` and `right` dots up
    /// from the bottom; a space when it has no dot.
    static func braille(left: Int, right: Int, row: Int, height: Int) -> String {
        // Dot bits by row within the cell, top to bottom (Unicode's braille
        // numbering: dots 1, 2, 3, 7 on the left; 4, 5, 6, 8 on the right).
        let leftBits: [UInt32] = [0x01, 0x02, 0x04, 0x40]
        let rightBits: [UInt32] = [0x08, 0x10, 0x20, 0x80]
        var bits: UInt32 = 0
        for dot in 0..<4 {
            // Dots counted from the bottom of the whole chart.
            let fromBottom = (height - 1 - row) * 4 + (3 - dot)
            if fromBottom < left { bits |= leftBits[dot] }
            if fromBottom < right { bits |= rightBits[dot] }
        }
        guard bits != 0, let scalar = Unicode.Scalar(0x2800 + bits) else { return " " }
        return String(Character(scalar))
    }

    static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` values (oldest first) as block characters scaled to
    /// their largest, newest on the right, padded with spaces on the left
    /// to exactly `width` cells. Zero is a space, as a missing value; any
    /// value above zero is at least "▁".
    static func sparkline(_ values: [Double], width: Int) -> String {
        guard width > 0 else { return "" }
        let shown = values.suffix(width)
        let largest = shown.filter(\.isFinite).max() ?? 0
        var line = String(repeating: " ", count: width - shown.count)
        for value in shown {
            guard value.isFinite, value > 0, largest > 0 else {
                line += " "
                continue
            }
            let level = Int((value / largest * Double(blocks.count)).rounded(.up))
            line.append(blocks[max(1, min(blocks.count, level)) - 1])
        }
        return line
    }
}

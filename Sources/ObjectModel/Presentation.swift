import Encoding
import Formatting

/// How one kind of object is shown, in one place: its columns, its detail
/// fields and its JSON fields (bpftool's names). The CLI table, the CLI
/// detail view, the CLI JSON and the browser all render from it, so a new
/// field is one model line and one presentation line.
///
/// Where the command line and the browser deliberately show a field
/// differently (a label, a unit, an order), the presentation says so with
/// `Surfaces`: a column or field for one surface only.
public protocol Presentable: Sendable {
    static var presentation: Presentation<Self> { get }
}

/// Where a column or detail field is shown.
public struct Surfaces: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `bpfnav progs|maps|links` and `bpfnav prog|map|link ID`.
    public static let cli = Surfaces(rawValue: 1)
    /// The terminal browser's lists and documents.
    public static let browser = Surfaces(rawValue: 2)
    public static let both: Surfaces = [.cli, .browser]
    /// With `.browser`: only while bpfnav's run statistics are on.
    public static let runStats = Surfaces(rawValue: 4)
}

public struct Presentation<Entry>: Sendable {
    public var columns: [PresentedColumn<Entry>]
    public var details: [DetailField<Entry>]
    public var json: [JSONField<Entry>]

    public init(columns: [PresentedColumn<Entry>], details: [DetailField<Entry>], json: [JSONField<Entry>]) {
        self.columns = columns
        self.details = details
        self.json = json
    }

    /// The column titles of `surface`'s table.
    public func header(_ surface: Surfaces) -> [String] {
        columns.filter { $0.surfaces.contains(surface) }.map(\.header)
    }

    /// One row of `surface`'s table: terminal-safe text.
    public func cells(_ entry: Entry, _ surface: Surfaces) -> [String] {
        var cells: [String] = []
        cells.reserveCapacity(columns.count)
        for column in columns where column.surfaces.contains(surface) { cells.append(column.cell(entry)) }
        return cells
    }

    /// The columns of the browser's list (the run statistics' only while
    /// they are on).
    public func browserColumns(runStats: Bool) -> [PresentedColumn<Entry>] {
        columns.filter { $0.surfaces.contains(.browser) && (runStats || !$0.surfaces.contains(.runStats)) }
    }

    /// The JSON fields as one object value, for an entry inside another's
    /// JSON (a program's attachments).
    public func jsonObject(_ entry: Entry) -> JSONValue {
        var pairs: [(String, JSONValue?)] = []
        for field in json {
            guard let value = field.value(entry) else { continue }
            if case .fields(let fields) = value {
                pairs += fields.map { ("\($0.0)", $0.1) }
            } else {
                pairs.append(("\(field.key)", value))
            }
        }
        return .object(pairs)
    }

    /// The "label  value" lines of `surface`'s detail view, in order.
    public func fields(_ entry: Entry, _ surface: Surfaces) -> [(String, String)] {
        var fields: [(String, String)] = []
        for field in details where field.surfaces.contains(surface) { fields += field.lines(entry) }
        return fields
    }
}

/// A column of a list: its title and its cell (terminal-safe text); in
/// the browser also its layout and what it sorts by.
public struct PresentedColumn<Entry>: Sendable {
    public var header: String
    public var surfaces: Surfaces
    public var cell: @Sendable (Entry) -> String
    /// The browser's layout of the column.
    public var layout: ColumnLayout
    /// What sorting by the column compares (the browser).
    public var sort: (@Sendable (Entry) -> SortValue)?
    /// The cell the browser shows instead while its list is not in its
    /// natural order or is filtered (the pins' tree shows full paths then).
    public var flat: (@Sendable (Entry) -> String)?

    public init(_ header: String, on surfaces: Surfaces = .both, _ layout: ColumnLayout = ColumnLayout(),
                sort: (@Sendable (Entry) -> SortValue)? = nil, flat: (@Sendable (Entry) -> String)? = nil,
                _ cell: @escaping @Sendable (Entry) -> String) {
        self.header = header
        self.surfaces = surfaces
        self.layout = layout
        self.sort = sort
        self.flat = flat
        self.cell = cell
    }
}

/// How the browser lays a column out.
public struct ColumnLayout: Sendable {
    /// Minimum width in cells.
    public var width: Int
    public var alignRight: Bool
    /// Takes the width left over.
    public var flex: Bool
    /// Narrow terminals drop the columns with the highest numbers first.
    public var priority: Int
    /// Sorting by this column starts with the largest value (memory, CPU).
    public var descendingFirst: Bool

    public init(width: Int = 0, right: Bool = false, flex: Bool = false, priority: Int = 0,
                descendingFirst: Bool = false) {
        self.width = width
        self.alignRight = right
        self.flex = flex
        self.priority = priority
        self.descendingFirst = descendingFirst
    }

    /// A right-aligned number sorted from the largest (sizes, counts, rates).
    public static func largestFirst(width: Int, priority: Int) -> ColumnLayout {
        ColumnLayout(width: width, right: true, priority: priority, descendingFirst: true)
    }
}

/// What the browser sorts a column by.
public enum SortValue: Sendable {
    case number(Double)
    case text(String)
}

/// A field of the detail view: label and value, terminal-safe; left out
/// when the value is nil. A field may stand for several lines (one per
/// pinned path, per metadata variable).
public struct DetailField<Entry>: Sendable {
    public var surfaces: Surfaces
    public var lines: @Sendable (Entry) -> [(String, String)]

    public init(_ label: String, on surfaces: Surfaces = .both, _ value: @escaping @Sendable (Entry) -> String?) {
        self.surfaces = surfaces
        self.lines = { entry in value(entry).map { [(label, $0)] } ?? [] }
    }

    public init(lines surfaces: Surfaces, _ lines: @escaping @Sendable (Entry) -> [(String, String)]) {
        self.surfaces = surfaces
        self.lines = lines
    }
}

/// A field of the JSON object: bpftool's key and a typed value; left out
/// when the value is nil (what the running kernel did not return).
public struct JSONField<Entry>: Sendable {
    public var key: StaticString
    public var value: @Sendable (Entry) -> JSONValue?

    public init(_ key: StaticString, _ value: @escaping @Sendable (Entry) -> JSONValue?) {
        self.key = key
        self.value = value
    }
}

/// A JSON value as the encoders write it (exact strings; numbers as the
/// kernel gave them).
public enum JSONValue: Sendable {
    case string(String)
    /// A string of exact bytes (paths, comms): invalid UTF-8 is escaped.
    case bytes([UInt8])
    case unsigned(UInt64)
    case signed(Int64)
    case bool(Bool)
    case ids([UInt32])
    /// An array of exact-byte strings (pinned paths).
    case byteStrings([[UInt8]])
    /// `[{"pid":N,"comm":"…"}…]`.
    case holders([Holder])
    /// Text that is JSON already (a BTF-formatted value).
    case json(String)
    case array([JSONValue])
    /// An object whose keys are data (metadata variable names).
    case object([(String, JSONValue?)])
    /// Fields written into the enclosing object (a link's per-type
    /// fields); nil values are left out.
    case fields([(StaticString, JSONValue?)])
}

/// The columns, detail lines and JSON fields every referenced kind ends
/// with: where it is pinned and which processes hold it.
public enum ReferenceFields {
    public static func columns<Entry: ReferencedEntry>() -> [PresentedColumn<Entry>] {
        [PresentedColumn("PIDS", on: .cli) { pidsCell($0.pids) },
         PresentedColumn("PINNED", on: .cli) { pinnedCell($0.pinned) }]
    }

    /// pinned and pids as detail lines: one line per path and per process.
    public static func details<Entry: ReferencedEntry>() -> [DetailField<Entry>] {
        [DetailField(lines: .cli) { lines($0.pinned, $0.pids) }]
    }

    /// `"pinned":[paths…],"pids":[{"pid":N,"comm":"…"}…]`, exact bytes.
    public static func json<Entry: ReferencedEntry>() -> [JSONField<Entry>] {
        [JSONField("pinned") { .byteStrings($0.pinned) }, JSONField("pids") { .holders($0.pids) }]
    }

    public static func lines(_ pinned: [[UInt8]], _ pids: [Holder]) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if pinned.isEmpty { pairs.append(("pinned", "-")) }
        for (i, path) in pinned.enumerated() { pairs.append((i == 0 ? "pinned" : "", Escape.terminal(path))) }
        if pids.isEmpty { pairs.append(("pids", "-")) }
        for (i, holder) in pids.enumerated() {
            pairs.append((i == 0 ? "pids" : "", "\(holder.pid) \(Escape.terminal(holder.comm))"))
        }
        return pairs
    }

    /// "comm(pid),comm(pid)" as bpftool's plain output shows holders.
    public static func pidsCell(_ pids: [Holder]) -> String {
        pids.isEmpty ? "-" : pids.map { "\(Escape.terminal($0.comm))(\($0.pid))" }.joined(separator: ",")
    }

    public static func pinnedCell(_ pinned: [[UInt8]]) -> String {
        pinned.isEmpty ? "-" : pinned.map(Escape.terminal).joined(separator: ",")
    }
}

/// Text of the kernel's (or a user's) escaped for the terminal.
func terminalText(_ text: String) -> String { Escape.terminal(Array(text.utf8)) }

/// Local time as bpftool prints `loaded_at`: 2024-05-01T12:34:56+0200.
public func bpftoolLocalTime(_ unix: Int64) -> String {
    BrowserFormat.localTime(unix, format: "%Y-%m-%dT%H:%M:%S%z")
}

import BrowserModel
import Formatting
import Synchronization

/// What is typed at the bottom of the entries pane.
struct EntriesPrompt {
    enum Kind { case search, lookup }
    var kind: Kind
    var text = ""

    var label: String { kind == .search ? "Search keys and values: " : "Key (42, 0x2a, name=value,…, hex bytes): " }
}

/// A walk over the map on the content lane (a search, or reading the
/// entries to sort them): entries looked at so far; Esc (or closing the
/// page) stops it.
final class EntriesWalk: Sendable {
    /// What it does, for the pane: "searching 'bash'".
    let label: String
    let counted = Atomic<Int>(0)
    let cancelled = Atomic<Bool>(false)

    init(label: String) {
        self.label = label
    }

    /// Whether to go on after `entries` more were looked at.
    func step(_ entries: Int) -> Bool {
        counted.add(entries, ordering: .relaxed)
        return !cancelled.load(ordering: .relaxed)
    }
}

/// The map's entries read whole (up to `limit`) and sorted by one column.
struct EntriesSorted {
    /// Maps with more entries are sorted by their first `limit` only (said in the title).
    static let limit = 50_000
    var entries: [BrowserMapEntry]
    /// Whether `entries` is the whole map.
    var whole: Bool
    var column: Int
    var descending: Bool
}

/// One column of the entries table: the key or the value whole, or one
/// member of a struct key or value.
struct EntryColumn: Equatable {
    enum Part: Equatable { case key, value }
    var title: String
    var part: Part
    /// The member, for struct keys and values.
    var member: String?
    var numeric: Bool
}

/// The entries pane as a table: columns from the first entry's BTF, cells,
/// per-CPU sums and sort keys.
enum EntriesTable {
    /// Columns for entries like `entry`: a struct's members one each.
    static func columns(_ entry: BrowserMapEntry?, hex: Bool) -> [EntryColumn] {
        guard let entry, !hex else {
            return [EntryColumn(title: hex ? "KEY (hex)" : "KEY", part: .key, numeric: false),
                    EntryColumn(title: hex ? "VALUE (hex)" : "VALUE", part: .value, numeric: false)]
        }
        return columns(entry.typedKey, part: .key, title: "KEY")
            + columns(entry.typedValues.map(sum), part: .value, title: "VALUE")
    }

    private static func columns(_ value: BTFValue?, part: EntryColumn.Part, title: String) -> [EntryColumn] {
        if case .object(let members)? = value, !members.isEmpty {
            return members.map { EntryColumn(title: $0.0.isEmpty ? "(anon)" : $0.0, part: part, member: $0.0,
                                             numeric: isNumber($0.1)) }
        }
        return [EntryColumn(title: title, part: part, numeric: value.map(isNumber) ?? false)]
    }

    static func isNumber(_ value: BTFValue) -> Bool {
        switch value {
        case .int, .uint, .float: true
        default: false
        }
    }

    /// The value a column shows: `cpu` nil sums per-CPU values.
    static func value(_ entry: BrowserMapEntry, _ column: EntryColumn, cpu: Int?) -> BTFValue? {
        let whole: BTFValue?
        switch column.part {
        case .key:
            whole = entry.typedKey
        case .value:
            guard let typed = entry.typedValues else { return nil }
            if let cpu { whole = cpu < typed.count ? typed[cpu] : nil } else { whole = sum(typed) }
        }
        guard let member = column.member else { return whole }
        if case .object(let members)? = whole { return members.first { $0.0 == member }?.1 }
        return nil
    }

    /// A cell's text: numbers and strings plain, nested values compact JSON;
    /// without BTF the bytes in hex.
    static func cell(_ entry: BrowserMapEntry, _ column: EntryColumn, cpu: Int?, hex: Bool) -> String {
        if !hex, let value = value(entry, column, cpu: cpu) { return text(value) }
        switch column.part {
        case .key:
            return hex ? BrowserFormat.hex(entry.key) : entry.formattedKey ?? BrowserFormat.hex(entry.key)
        case .value:
            let texts = !hex ? entry.formattedValues ?? entry.values.map(BrowserFormat.hex) : entry.values.map(BrowserFormat.hex)
            if let cpu { return cpu < texts.count ? texts[cpu] : "" }
            return EntriesView.values(texts)
        }
    }

    static func text(_ value: BTFValue) -> String {
        switch value {
        case .int(let v): String(v)
        case .uint(let v): String(v)
        case .bool(let v): v ? "true" : "false"
        case .string(let s), .hexString(let s), .enumerator(let s): Tables.safe(s)
        default: BTFFormatter.json(value)
        }
    }

    /// Per-CPU values added up: numbers summed, structs and arrays member by
    /// member; what cannot be added (text) shows when every CPU agrees.
    static func sum(_ values: [BTFValue]) -> BTFValue {
        guard let first = values.first else { return .raw([]) }
        guard values.count > 1 else { return first }
        switch first {
        case .uint:
            var total: UInt64 = 0
            for case .uint(let v) in values { total &+= v }
            return .uint(total)
        case .int:
            var total: Int64 = 0
            for case .int(let v) in values { total &+= v }
            return .int(total)
        case .float:
            var total = 0.0
            for case .float(let v) in values { total += v }
            return .float(total)
        case .object(let members):
            return .object(members.enumerated().map { index, member in
                (member.0, sum(values.compactMap { value in
                    if case .object(let m) = value, index < m.count { return m[index].1 }
                    return nil
                }))
            })
        case .array(let items):
            return .array(items.indices.map { index in
                sum(values.compactMap { value in
                    if case .array(let a) = value, index < a.count { return a[index] }
                    return nil
                })
            })
        default:
            return values.allSatisfy({ $0 == first }) ? first : .string("(differs per CPU)")
        }
    }

    /// How rows compare by a column.
    enum SortKey: Comparable {
        case number(Double)
        case text(String)

        static func < (a: SortKey, b: SortKey) -> Bool {
            switch (a, b) {
            case let (.number(x), .number(y)): x < y
            case let (.text(x), .text(y)): x < y
            case (.number, .text): true
            case (.text, .number): false
            }
        }
    }

    static func sortKey(_ entry: BrowserMapEntry, _ column: EntryColumn) -> SortKey {
        switch value(entry, column, cpu: nil) {
        case .int(let v)?: .number(Double(v))
        case .uint(let v)?: .number(Double(v))
        case .float(let v)?: .number(v)
        case let other?: .text(text(other))
        case nil:
            // Without BTF: the bytes as hex text.
            .text(cell(entry, column, cpu: nil, hex: true))
        }
    }

    static func sort(_ entries: [BrowserMapEntry], by column: EntryColumn, descending: Bool) -> [BrowserMapEntry] {
        let keyed = entries.map { (sortKey($0, column), $0) }
        let ordered = keyed.enumerated().sorted { a, b in
            if a.element.0 == b.element.0 { return a.offset < b.offset }
            return descending ? b.element.0 < a.element.0 : a.element.0 < b.element.0
        }
        return ordered.map(\.element.1)
    }

    /// Whether `entry` shows `needle` (lowercase): what the pane shows, in
    /// hex or through BTF.
    static func matches(_ entry: BrowserMapEntry, _ needle: String, hex: Bool) -> Bool {
        var haystack = hex ? BrowserFormat.hex(entry.key) : entry.formattedKey ?? BrowserFormat.hex(entry.key)
        haystack += " "
        if !hex, let formatted = entry.formattedValues {
            haystack += formatted.joined(separator: " ")
        } else {
            haystack += entry.values.map(BrowserFormat.hex).joined(separator: " ")
        }
        return haystack.lowercased().contains(needle)
    }
}

/// The pane's title bar and the navigator's position.
extension EntriesState {
    var title: String {
        var title = "Entries of map \(mapID)"
        if error != nil { return title }
        if let sorted {
            title += sorted.whole ? "  \(sorted.entries.count) entries, sorted"
                : "  sorted: the first \(sorted.entries.count) entries read"
        } else {
            title += complete ? "  \(known) entries" : "  \(known)+ entries read"
        }
        return title
    }

    var hint: String {
        let format = hasBTF == false ? "hex: the map has no BTF" : hex ? "hex (x: BTF)" : "BTF (x: hex)"
        guard cpus > 1 else { return format }
        let perCPU = span > 1 ? "per CPU (c: sums)" : "sums of \(cpus) CPUs (c: per CPU)"
        return perCPU + " · " + format
    }

    var position: String {
        "\(count == 0 ? 0 : cursorEntry + 1)/\(count)\(complete || sorted != nil ? "" : "+")"
    }
}

extension EntriesTable {
    /// Per-second rates of the numbers that grew from `before` to `after`
    /// (entries matched by key), by column title; a counter that did not
    /// grow loses its rate.
    static func rates(from before: [BrowserMapEntry], to after: [BrowserMapEntry], seconds: Double,
                      into rates: inout [[UInt8]: [String: Double]]) {
        let old = Dictionary(before.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for entry in after {
            guard let previous = old[entry.key] else { continue }
            var found: [String: Double] = [:]
            for column in columns(entry, hex: false) where column.part == .value && column.numeric && counts(column.title) {
                guard let now = number(value(entry, column, cpu: nil)),
                      let then = number(value(previous, column, cpu: nil)), now > then else { continue }
                found[column.title] = (now - then) / seconds
            }
            rates[entry.key] = found.isEmpty ? nil : found
        }
    }

    /// Whether a member's name reads as a count (`events`, `bytes`,
    /// `run_time_ns`) rather than as a value that also grows but counts
    /// nothing: the last or first of something (`last_ns`, `first_seen`),
    /// a time stamp (`ts`, `ktime`), an id (`pid`, `tid`, `ifindex`), a CPU
    /// number or an address. Those get no rate: "+682843.9k/s" of a time
    /// stamp says nothing, and a pid grows only because a newer process came.
    static func counts(_ title: String) -> Bool {
        let name = String(title.split(separator: ".").last ?? Substring(title)).lowercased()
        let words = name.split(separator: "_").map(String.init)
        guard let first = words.first, let last = words.last else { return true }
        if ["last", "first", "prev", "previous", "start", "end", "latest", "oldest", "newest", "min", "max"].contains(first),
           words.count > 1 { return false }
        return !["ts", "tstamp", "timestamp", "stamp", "ktime", "jiffies", "when", "pid", "tid", "tgid", "ppid",
                 "uid", "gid", "id", "ino", "inode", "cpu", "ifindex", "addr", "ip", "port", "idx", "index"].contains(last)
    }

    static func number(_ value: BTFValue?) -> Double? {
        switch value {
        case .int(let v)?: Double(v)
        case .uint(let v)?: Double(v)
        case .float(let v)?: v
        default: nil
        }
    }

    /// "+12/s", "+1.5/s", "+3.2k/s".
    static func rateText(_ rate: Double) -> String {
        if rate >= 10_000 { return "+" + BrowserFormat.fixed(rate / 1000, digits: 1) + "k/s" }
        if rate >= 10 || rate == rate.rounded() { return "+\(Int(rate.rounded()))/s" }
        return "+" + BrowserFormat.fixed(rate, digits: 1) + "/s"
    }
}

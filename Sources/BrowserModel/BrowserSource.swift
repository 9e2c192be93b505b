import Formatting

/// Where the terminal browser gets its data. The browser calls these on its
/// own background threads, never while drawing:
///
/// - `snapshot()`, `setRunStats(_:)` and `unpin(_:)` on one thread, one call at a time;
/// - `document(for:in:)`, `openMap(id:)` and the readers' methods on another.
///
/// `LiveBrowserSource` reads the kernel; tests use a fake.
public protocol BrowserSource: AnyObject, Sendable {
    /// Every list, collected now. Failures are kept per section
    /// (`BrowserSnapshot.errors`): one section failing leaves the others.
    func snapshot() -> BrowserSnapshot

    /// The whole content of `target` (the preview plus what needs the kernel:
    /// instructions, a task's files and mappings, an iterator's output).
    /// Errors are part of the document.
    func document(for target: BrowserTarget, in snapshot: BrowserSnapshot) -> BrowserDocument

    /// A reader of map `id`'s entries, page by page.
    func openMap(id: UInt32) throws -> any BrowserMapReader

    /// Turns run-time statistics on or off (bpf_enable_stats); returns an
    /// error message when that failed.
    func setRunStats(_ enabled: Bool) -> String?

    /// Unlinks the pin at `path` if bpfnav pinned it (its directory's
    /// manifest proves it, as for `bpfnav unpin`); anything else is left
    /// alone. Returns an error message when nothing was unpinned.
    func unpin(_ path: [UInt8]) -> String?
}

/// One entry of a map: its bytes and, with BTF, their formatted values.
public struct BrowserMapEntry: Sendable, Equatable {
    public var key: [UInt8]
    /// One value; per-CPU maps: one per possible CPU.
    public var values: [[UInt8]]
    /// Compact JSON through the map's BTF (nil without key type).
    public var formattedKey: String?
    /// One per element of `values` when the map has a value type.
    public var formattedValues: [String]?
    /// The key and values read through BTF, for columns by member.
    public var typedKey: BTFValue?
    public var typedValues: [BTFValue]?

    public init(key: [UInt8], values: [[UInt8]], formattedKey: String? = nil, formattedValues: [String]? = nil,
                typedKey: BTFValue? = nil, typedValues: [BTFValue]? = nil) {
        self.key = key
        self.values = values
        self.formattedKey = formattedKey
        self.formattedValues = formattedValues
        self.typedKey = typedKey
        self.typedValues = typedValues
    }
}

/// Entries `start ..< start + entries.count` of a map.
public struct BrowserMapPage: Sendable, Equatable {
    public var index: Int
    public var start: Int
    public var entries: [BrowserMapEntry]
    /// No entries follow this page.
    public var isLast: Bool

    public init(index: Int, start: Int, entries: [BrowserMapEntry], isLast: Bool) {
        self.index = index
        self.start = start
        self.entries = entries
        self.isLast = isLast
    }
}

/// Reads a map's entries a page at a time, so that a map of a million
/// entries shows its first page without being read whole.
///
/// Page `n` can be read once pages `0..<n` have been (their positions are
/// kept, not their entries): `knownPages` is how many can be read now.
public protocol BrowserMapReader: AnyObject, Sendable {
    /// Page `index` (< `knownPages`, or == it to read the next page).
    func page(_ index: Int) throws -> BrowserMapPage
    /// Pages whose position is known.
    var knownPages: Int { get }
    /// Whether the last page is known.
    var isComplete: Bool { get }
    /// Walks every remaining page (positions only, entries dropped) and
    /// returns the number of entries in each page, all of them. `progress`
    /// gets the entries counted so far; returning false stops the walk.
    func readThrough(progress: (Int) -> Bool) throws -> [Int]
    /// The entry whose key is `text` as the key's type reads it (`42`,
    /// `0x2a`, `pid=1,comm=bash`, hex bytes): one lookup; nil when the map
    /// has no such key. Throws when the text does not make a key.
    func lookup(_ text: String) throws -> BrowserMapEntry?
}

/// A key press, as the browser handles it.
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, backspace, delete, tab, backTab
    /// F1…F12.
    case function(Int)
    /// The terminal changed size.
    case resize
}

/// Where key presses come from.
public protocol KeySource: AnyObject {
    /// The next key, or nil when none came within `milliseconds`.
    func nextKey(timeout milliseconds: Int) -> Key?
}

/// Keys queued by a test.
public final class MemoryKeys: KeySource {
    public var queue: [Key]

    public init(_ keys: [Key] = []) {
        queue = keys
    }

    public func nextKey(timeout milliseconds: Int) -> Key? {
        queue.isEmpty ? nil : queue.removeFirst()
    }

    /// Every character of `text` as a key.
    public static func typing(_ text: String) -> [Key] {
        text.map { .char($0) }
    }
}

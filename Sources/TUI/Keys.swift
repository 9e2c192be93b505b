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
    /// A click or the wheel, where the pointer was.
    case mouse(MouseEvent)
}

/// A mouse event, in screen cells from the top left (0, 0).
public struct MouseEvent: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The first button went down.
        case press
        case wheelUp, wheelDown
    }

    public var kind: Kind
    public var row: Int
    public var col: Int

    public init(_ kind: Kind, row: Int, col: Int) {
        self.kind = kind
        self.row = row
        self.col = col
    }
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

import Encoding

/// A detail or content view as lines: what the browser shows for one
/// program, map, link, pin or task.
///
/// Text in a document is already safe for a terminal (built with
/// `Escape.terminal`): the browser draws it as it is.
public struct BrowserDocument: Sendable, Equatable {
    public var title: String
    public var lines: [BrowserLine]
    /// A map whose entries the browser pages through below the lines.
    public var mapID: UInt32?

    public init(title: String, lines: [BrowserLine] = [], mapID: UInt32? = nil) {
        self.title = title
        self.lines = lines
        self.mapID = mapID
    }

    /// The lines of a failed load: the error, and what to do.
    public static func failure(_ title: String, _ message: String) -> BrowserDocument {
        BrowserDocument(title: title, lines: [.error(message)])
    }
}

public struct BrowserLine: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A section title ("Maps", "Instructions").
        case heading
        /// `key` and `text`, keys aligned in a run of fields.
        case field
        case text
        /// Something that went wrong while collecting this part.
        case error
        /// Fixed-width text (instructions, iterator output): never re-wrapped.
        case code
    }

    public var kind: Kind
    public var key: String
    public var text: String
    /// What Enter on this line opens.
    public var target: BrowserTarget?
    /// The instruction (by index) an instruction line shows.
    public var instruction: Int?
    /// The instruction a jump line goes to: Enter moves there.
    public var jump: Int?

    public init(kind: Kind, key: String = "", text: String, target: BrowserTarget? = nil) {
        self.kind = kind
        self.key = key
        self.text = text
        self.target = target
    }

    public static func heading(_ text: String) -> BrowserLine { BrowserLine(kind: .heading, text: text) }

    public static func field(_ key: String, _ value: String, target: BrowserTarget? = nil) -> BrowserLine {
        BrowserLine(kind: .field, key: key, text: value, target: target)
    }

    public static func text(_ text: String, target: BrowserTarget? = nil) -> BrowserLine {
        BrowserLine(kind: .text, text: text, target: target)
    }

    public static func error(_ text: String) -> BrowserLine { BrowserLine(kind: .error, text: text) }

    public static func code(_ text: String) -> BrowserLine { BrowserLine(kind: .code, text: text) }
}

import Glibc

/// A tracepoint's record layout, from tracefs
/// (`events/<group>/<name>/format`).
public struct TracepointFormat: Equatable, Sendable {
    public struct Field: Equatable, Sendable {
        /// The C declaration as the kernel prints it: "char comm[16]".
        public var declaration: String
        public var name: String
        public var offset: UInt32
        public var size: UInt32
        public var isSigned: Bool
    }

    public var group: String
    public var name: String
    public var id: UInt32?
    public var fields: [Field]

    /// Where events may be: the usual mount points, then wherever tracefs
    /// (or debugfs, with tracing inside) is mounted.
    public static var roots: [String] {
        var roots = ["/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"]
        let mountinfo = FileBytes.readWhole("/proc/self/mountinfo") ?? []
        for point in Mountinfo.mounts(ofType: "tracefs", mountinfo: mountinfo) {
            roots.append(String(decoding: point, as: UTF8.self) + "/events")
        }
        for point in Mountinfo.mounts(ofType: "debugfs", mountinfo: mountinfo) {
            roots.append(String(decoding: point, as: UTF8.self) + "/tracing/events")
        }
        var seen: Set<String> = []
        return roots.filter { seen.insert($0).inserted }
    }

    /// Looks for the tracepoint called `name` in every group; nil when
    /// tracefs is not readable or has no such event. A name given as
    /// "group:name" or "group/name" is looked up in that group only.
    public static func find(_ name: String, roots: [String] = roots) -> TracepointFormat? {
        var group: String?
        var event = name
        if let separator = name.firstIndex(where: { $0 == ":" || $0 == "/" }) {
            group = String(name[..<separator])
            event = String(name[name.index(after: separator)...])
        }
        guard !event.isEmpty, !event.contains("/"), event != ".", event != ".." else { return nil }
        for root in roots {
            let groups: [String]
            if let group {
                groups = [group]
            } else {
                guard let names = FileBytes.directoryNames(Array(root.utf8)).0 else { continue }
                groups = names.map { String(decoding: $0, as: UTF8.self) }
            }
            for candidate in groups where !candidate.contains("/") {
                let path = "\(root)/\(candidate)/\(event)/format"
                guard access(path, R_OK) == 0, let text = FileBytes.readWhole(path) else { continue }
                return parse(String(decoding: text, as: UTF8.self), group: candidate)
            }
        }
        return nil
    }

    /// Parses the text of a `format` file.
    public static func parse(_ text: String, group: String) -> TracepointFormat? {
        var name = ""
        var id: UInt32?
        var fields: [Field] = []
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingWhitespaceAndTabs()
            if line.hasPrefix("name:") {
                name = String(line.dropFirst(5)).trimmingWhitespaceAndTabs()
            } else if line.hasPrefix("ID:") {
                id = UInt32(String(line.dropFirst(3)).trimmingWhitespaceAndTabs())
            } else if line.hasPrefix("field:") {
                var parts: [String: String] = [:]
                for part in line.split(separator: ";") {
                    let item = String(part).trimmingWhitespaceAndTabs()
                    guard let colon = item.firstIndex(of: ":") else { continue }
                    parts[String(item[..<colon])] = String(item[item.index(after: colon)...])
                }
                guard let declaration = parts["field"], let offset = parts["offset"].flatMap({ UInt32($0) }),
                      let size = parts["size"].flatMap({ UInt32($0) }) else { continue }
                fields.append(Field(declaration: declaration, name: fieldName(declaration), offset: offset,
                                    size: size, isSigned: parts["signed"] == "1"))
            }
        }
        guard !name.isEmpty || !fields.isEmpty else { return nil }
        return TracepointFormat(group: group, name: name, id: id, fields: fields)
    }

    /// "char comm[16]" → "comm"; "__data_loc char[] filename" → "filename".
    static func fieldName(_ declaration: String) -> String {
        var text = Substring(declaration)
        while text.hasSuffix("]"), let open = text.lastIndex(of: "[") {
            text = text[..<open]
        }
        let last = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).last ?? ""
        return String(last.drop { $0 == "*" })
    }
}

fileprivate extension StringProtocol {
    func trimmingWhitespaceAndTabs() -> String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// A BTF value as indented JSON over several lines, for a map entry's page:
///
///     {
///       "pid": 42,
///       "comm": "python3",
///       "in": {"a": 1, "b": -2}        ← short nested values stay on one line
///     }
public enum BTFPrettyJSON {
    /// Nested values whose compact JSON is at most this long stay on one line.
    static let inline = 60

    public static func lines(_ value: BTFValue) -> [String] {
        var out: [String] = []
        write(value, prefix: "", indent: "", last: true, into: &out)
        return out
    }

    private static func write(_ value: BTFValue, prefix: String, indent: String, last: Bool, into out: inout [String]) {
        let comma = last ? "" : ","
        let compact = BTFFormatter.json(value)
        let items: [(String?, BTFValue)]
        let open: String, close: String
        switch value {
        case .object(let members) where !members.isEmpty:
            items = members.map { ($0.0, $0.1) }
            (open, close) = ("{", "}")
        case .array(let elements) where !elements.isEmpty:
            items = elements.map { (nil, $0) }
            (open, close) = ("[", "]")
        default:
            out.append(indent + prefix + compact + comma)
            return
        }
        if !indent.isEmpty, compact.count <= inline {
            out.append(indent + prefix + compact + comma)
            return
        }
        out.append(indent + prefix + open)
        for (i, (name, item)) in items.enumerated() {
            var key = ""
            if let name {
                BTFFormatter.writeJSONString(name, to: &key)
                key += ": "
            }
            write(item, prefix: key, indent: indent + "  ", last: i == items.count - 1, into: &out)
        }
        out.append(indent + close + comma)
    }
}

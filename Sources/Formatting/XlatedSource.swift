// The C source of a translated program, as `bpftool prog dump xlated`
// interleaves it: a function's signature (from its `func_info` record and
// BTF FUNC type) before its first instruction, and "; line" before the
// instruction a `line_info` record starts (bpftool's dump_xlated_plain,
// btf_dump_linfo_plain and btf_dumper_type_only).

import BPFKit
import Encoding

/// One line of a program's line info, its text and file resolved.
public struct XlatedSourceLine: Equatable, Sendable {
    /// The xlated instruction (8-byte slot) it starts at.
    public var instruction: Int
    /// The line's text, leading white space removed (as bpftool prints it).
    public var text: String
    public var file: String
    public var line: UInt32
    public var column: UInt32

    public init(instruction: Int, text: String, file: String = "", line: UInt32 = 0, column: UInt32 = 0) {
        self.instruction = instruction
        self.text = String(text.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0b}" || $0 == "\u{0c}" })
        self.file = file
        self.line = line
        self.column = column
    }

    /// "; text", or with `linum` bpftool's
    /// "; text [file:F line_num:N line_col:C]".
    public func rendered(linum: Bool) -> String {
        linum ? "; \(text) [file:\(file) line_num:\(line) line_col:\(column)]" : "; \(text)"
    }
}

/// A function's first instruction and its C signature.
public struct XlatedFunction: Equatable, Sendable {
    public var instruction: Int
    public var signature: String

    public init(instruction: Int, signature: String) {
        self.instruction = instruction
        self.signature = signature
    }
}

extension Xlated {
    /// `lines` with the signatures and source lines that bpftool prints
    /// before them. As bpftool: function records are taken in order, each
    /// where its instruction comes; a source line is the first record at or
    /// after the count already shown whose instruction is this one (records
    /// that start the second half of an ld_imm64 are never shown), and an
    /// empty line is counted but not shown.
    public static func annotate(_ lines: [XlatedLine], functions: [XlatedFunction],
                                source: [XlatedSourceLine]) -> [XlatedLine] {
        var out = lines
        var nextFunction = 0
        var shown = 0
        for k in out.indices {
            let pc = out[k].index
            if nextFunction < functions.count, functions[nextFunction].instruction == pc {
                if !functions[nextFunction].signature.isEmpty { out[k].function = functions[nextFunction].signature }
                nextFunction += 1
            }
            guard shown < source.count, let found = source[shown...].firstIndex(where: { $0.instruction == pc }) else {
                continue
            }
            if !source[found].text.isEmpty { out[k].source = source[found] }
            shown += 1
        }
        return out
    }

    /// The lines as `bpftool prog dump xlated` prints them (with `linum`,
    /// as `… linum`): signatures and source lines before their instruction,
    /// made safe for a terminal (`terminalText`).
    public static func plainText(_ lines: [XlatedLine], linum: Bool = false) -> [String] {
        var out: [String] = []
        out.reserveCapacity(lines.count)
        for line in lines {
            if let function = line.function { out.append(terminalText(function + ":")) }
            if let source = line.source { out.append(terminalText(source.rendered(linum: linum))) }
            out.append(terminalText(line.rendered))
        }
        return out
    }

    /// Text of the program's BTF (its loader wrote it) escaped for a
    /// terminal, except backslashes: C source is full of them
    /// (`"PATH\n"`), and bpftool prints them as they are.
    public static func terminalText(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 >= 0x7f }) else { return text }
        return text.split(separator: "\\", omittingEmptySubsequences: false)
            .map { Escape.terminal(Array($0.utf8)) }.joined(separator: "\\")
    }

    /// Type `id` spelled as bpftool's btf_dumper_type_only spells a
    /// function's signature ("int dump(struct bpf_iter__task * ctx)");
    /// empty for what bpftool does not spell (tags, unknown kinds).
    public static func signature(_ btf: BTF, _ id: UInt32) -> String {
        var out = ""
        guard spell(btf, id, into: &out, depth: 0) else { return "" }
        return out
    }

    private static func spell(_ btf: BTF, _ id: UInt32, into out: inout String, depth: Int) -> Bool {
        guard depth < 32 else { return false }
        if id == 0 {
            out += "void "
            return true
        }
        guard let t = btf.type(id) else { return false }
        switch t.details {
        case .int, .float, .typedef:
            out += t.name + " "
        case .struct:
            out += "struct \(t.name) "
        case .union:
            out += "union \(t.name) "
        case .enum, .enum64:
            out += "enum \(t.name) "
        case .array(let array):
            guard spell(btf, array.element, into: &out, depth: depth + 1) else { return false }
            out += "[\(array.count)]"
        case .ptr(let to):
            guard spell(btf, to, into: &out, depth: depth + 1) else { return false }
            out += "* "
        case .fwd(let union):
            out += "\(union ? "union" : "struct") \(t.name) "
        case .volatile(let inner), .const(let inner), .restrict(let inner):
            out += t.kind == .volatile ? "volatile " : t.kind == .const ? "const " : "restrict "
            guard spell(btf, inner, into: &out, depth: depth + 1) else { return false }
        case .functionProto:
            return function(btf, proto: t, name: nil, into: &out, depth: depth)
        case .function(let proto, _):
            guard let protoType = btf.type(proto) else { return false }
            return function(btf, proto: protoType, name: t.name, into: &out, depth: depth)
        case .variable(let type, let linkage):
            if linkage == .static { out += "static " }
            guard spell(btf, type, into: &out, depth: depth + 1) else { return false }
            out += " " + t.name
        case .datasec:
            out += "section (\"\(t.name)\") "
        case .void, .declTag, .typeTag:
            return false
        }
        return true
    }

    /// bpftool's btf_dump_func.
    private static func function(_ btf: BTF, proto: BTFType, name: String?, into out: inout String, depth: Int) -> Bool {
        guard case .functionProto(let returns, let params) = proto.details,
              spell(btf, returns, into: &out, depth: depth + 1) else { return false }
        out += (name ?? "") + "("
        for (i, param) in params.enumerated() {
            if i > 0 { out += ", " }
            guard param.type != 0 else {
                out += "..."
                continue
            }
            guard spell(btf, param.type, into: &out, depth: depth + 1) else { return false }
            if !param.name.isEmpty {
                out += param.name
            } else if out.last == " " {
                out.removeLast()
            }
        }
        out += ")"
        return true
    }
}

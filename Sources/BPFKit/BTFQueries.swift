import CLibBPF

/// What callers ask a parsed BTF: kinds, names, types, sizes, lookups by
/// name and C-like descriptions.
extension BTF {
    /// Kind of type `id` (`.unknown` for void and ids out of range).
    public func kind(_ id: UInt32) -> BTFKind {
        header(id)?.kind ?? .unknown
    }

    /// Name of type `id`; empty for anonymous types, void and bad ids.
    public func name(_ id: UInt32) -> String {
        guard let h = header(id) else { return "" }
        return string(at: h.nameOff)
    }

    /// Type `id` decoded; id 0 is void; nil past the last id.
    public func type(_ id: UInt32) -> BTFType? {
        if id == 0 { return BTFType(id: 0, kind: .unknown, name: "", kindFlag: false, details: .void) }
        guard let h = header(id) else { return nil }
        let l = h.layer, d = h.data
        let details: BTFType.Details
        switch h.kind {
        case .unknown:
            details = .void
        case .int:
            let v = u32(l, d)
            details = .int(BTFInt(size: Int(h.sizeType), encoding: .init(rawValue: UInt8((v >> 24) & 0x0f)),
                                  bitOffset: Int((v >> 16) & 0xff), bits: Int(v & 0xff)))
        case .ptr:
            details = .ptr(to: h.sizeType)
        case .array:
            let array = record(btf_array.self, of: h)
            details = .array(BTFArray(element: array.type, index: array.index_type, count: array.nelems))
        case .struct, .union:
            let members = records(btf_member.self, of: h) { m in
                BTFMember(name: string(at: m.name_off), type: m.type,
                          bitOffset: Int(h.kindFlag ? m.offset & 0xff_ffff : m.offset), // BTF_MEMBER_BIT_OFFSET
                          bitfieldSize: h.kindFlag ? Int(m.offset >> 24) : 0)          // BTF_MEMBER_BITFIELD_SIZE
            }
            details = h.kind == .struct ? .struct(size: Int(h.sizeType), members: members)
                : .union(size: Int(h.sizeType), members: members)
        case .enum, .enum64:
            let values = h.kind == .enum
                ? records(btf_enum.self, of: h) { e in
                    BTFEnumerator(name: string(at: e.name_off),
                                  value: h.kindFlag ? Int64(e.val) : Int64(UInt32(bitPattern: e.val)))
                }
                : records(btf_enum64.self, of: h) { e in
                    BTFEnumerator(name: string(at: e.name_off),
                                  value: Int64(bitPattern: UInt64(e.val_lo32) | UInt64(e.val_hi32) << 32))
                }
            let size = Int(h.sizeType)
            details = h.kind == .enum ? .enum(size: size, signed: h.kindFlag, values: values)
                : .enum64(size: size, signed: h.kindFlag, values: values)
        case .fwd:
            details = .fwd(union: h.kindFlag)
        case .typedef:
            details = .typedef(h.sizeType)
        case .volatile:
            details = .volatile(h.sizeType)
        case .const:
            details = .const(h.sizeType)
        case .restrict:
            details = .restrict(h.sizeType)
        case .function:
            details = .function(proto: h.sizeType, linkage: BTFLinkage(raw: UInt32(h.vlen)))
        case .functionProto:
            let params = records(btf_param.self, of: h) { BTFParam(name: string(at: $0.name_off), type: $0.type) }
            details = .functionProto(returns: h.sizeType, params: params)
        case .variable:
            details = .variable(type: h.sizeType, linkage: BTFLinkage(raw: record(btf_var.self, of: h).linkage))
        case .datasec:
            let variables = records(btf_var_secinfo.self, of: h) {
                BTFVarSecInfo(type: $0.type, offset: Int($0.offset), size: Int($0.size))
            }
            details = .datasec(size: Int(h.sizeType), variables: variables)
        case .float:
            details = .float(size: Int(h.sizeType))
        case .declTag:
            details = .declTag(target: h.sizeType, componentIndex: record(btf_decl_tag.self, of: h).component_idx)
        case .typeTag:
            details = .typeTag(h.sizeType)
        }
        return BTFType(id: id, kind: h.kind, name: string(at: h.nameOff), kindFlag: h.kindFlag, details: details)
    }

    /// The deepest chain of references followed (libbpf's MAX_RESOLVE_DEPTH).
    static let maxDepth = 32

    static func isModifier(_ kind: BTFKind) -> Bool {
        switch kind {
        case .typedef, .volatile, .const, .restrict, .typeTag: true
        default: false
        }
    }

    /// Follows typedef, const, volatile, restrict and type_tag to the
    /// underlying type. A chain longer than 32 (a cycle) stops where it is.
    public func resolve(_ id: UInt32) -> UInt32 {
        var id = id
        for _ in 0..<Self.maxDepth {
            guard let h = header(id), Self.isModifier(h.kind) else { return id }
            id = h.sizeType
        }
        return id
    }

    /// Size in bytes of a value of type `id` (libbpf's btf__resolve_size):
    /// nil for void, functions, forward declarations and malformed chains.
    public func size(_ id: UInt32) -> Int? {
        var id = id
        var multiplier = 1
        for _ in 0..<Self.maxDepth {
            guard let h = header(id) else { return nil }
            switch h.kind {
            case .int, .enum, .enum64, .struct, .union, .datasec, .float:
                let (total, overflow) = multiplier.multipliedReportingOverflow(by: Int(h.sizeType))
                return overflow ? nil : total
            case .ptr:
                let (total, overflow) = multiplier.multipliedReportingOverflow(by: 8)
                return overflow ? nil : total
            case .typedef, .volatile, .const, .restrict, .typeTag, .variable, .declTag:
                id = h.sizeType
            case .array:
                let (m, overflow) = multiplier.multipliedReportingOverflow(by: Int(u32(h.layer, h.data + 8)))
                guard !overflow else { return nil }
                multiplier = m
                id = u32(h.layer, h.data)
            case .unknown, .fwd, .function, .functionProto:
                return nil
            }
        }
        return nil
    }

    /// The first type named `name`, of `kind` when given. Anonymous types
    /// are never found.
    public func find(named name: String, kind: BTFKind? = nil) -> UInt32? {
        guard !name.isEmpty else { return nil }
        var name = name
        return name.withUTF8 { utf8 -> UInt32? in
            for (l, layer) in layers.enumerated() {
                for (index, offset) in layer.offsets.enumerated() {
                    let o = Int(offset)
                    if let kind {
                        let info = u32(l, o + 4)
                        guard UInt8((info >> 24) & 0x1f) == kind.rawValue else { continue }
                    }
                    let nameOff = u32(l, o)
                    if nameOff != 0, string(at: nameOff, equals: utf8) {
                        return layer.firstID + UInt32(index)
                    }
                }
            }
            return nil
        }
    }

    /// A C-like spelling of type `id`: "struct foo", "char[16]", "u32 *",
    /// "enum color", "const char *", "int (*)(void *, long)".
    public func describe(_ id: UInt32) -> String {
        describe(id, depth: 0)
    }

    func describe(_ id: UInt32, depth: Int) -> String {
        if id == 0 { return "void" }
        guard depth < Self.maxDepth, let h = header(id) else { return "?" }
        let name = string(at: h.nameOff)
        func tagged(_ keyword: String) -> String { "\(keyword) \(name.isEmpty ? "(anon)" : name)" }
        switch h.kind {
        case .unknown:
            return "void"
        case .int, .float, .typedef:
            return name
        case .struct:
            return tagged("struct")
        case .union:
            return tagged("union")
        case .enum, .enum64:
            return tagged("enum")
        case .fwd:
            return tagged(h.kindFlag ? "union" : "struct")
        case .ptr:
            if let target = header(h.sizeType), target.kind == .functionProto {
                return prototype(h.sizeType, name: "(*)", depth: depth + 1)
            }
            let inner = describe(h.sizeType, depth: depth + 1)
            return inner.hasSuffix("*") ? inner + "*" : inner + " *"
        case .array:
            var dims = ""
            var element = id
            var steps = 0
            while steps < Self.maxDepth, let a = header(element), a.kind == .array {
                dims += "[\(u32(a.layer, a.data + 8))]"
                element = u32(a.layer, a.data)
                steps += 1
            }
            return describe(element, depth: depth + 1) + dims
        case .const, .volatile, .restrict:
            let qualifier = h.kind == .const ? "const" : h.kind == .volatile ? "volatile" : "restrict"
            let inner = describe(h.sizeType, depth: depth + 1)
            if kind(resolve(h.sizeType)) == .ptr || h.kind == .restrict {
                return "\(inner) \(qualifier)"
            }
            return "\(qualifier) \(inner)"
        case .typeTag:
            let inner = describe(h.sizeType, depth: depth + 1)
            return "\(inner) __\(name)"
        case .function:
            return prototype(h.sizeType, name: name, depth: depth + 1)
        case .functionProto:
            return prototype(id, name: "", depth: depth + 1)
        case .variable:
            return "\(describe(h.sizeType, depth: depth + 1)) \(name)"
        case .datasec:
            return "datasec \(name)"
        case .declTag:
            return "\(describe(h.sizeType, depth: depth + 1)) __attribute__((btf_decl_tag(\"\(name)\")))"
        }
    }

    /// "ret name(params)" for a FUNC_PROTO.
    func prototype(_ id: UInt32, name: String, depth: Int) -> String {
        guard depth < Self.maxDepth, let h = header(id), h.kind == .functionProto else { return "?" }
        var params: [String] = []
        for i in 0..<h.vlen {
            let m = h.data + 8 * i
            let paramName = string(at: u32(h.layer, m))
            let paramType = u32(h.layer, m + 4)
            if paramType == 0 && paramName.isEmpty && i == h.vlen - 1 {
                params.append("...")
            } else {
                let spelled = describe(paramType, depth: depth + 1)
                params.append(paramName.isEmpty ? spelled : spelled + (spelled.hasSuffix("*") ? "" : " ") + paramName)
            }
        }
        let returns = describe(h.sizeType, depth: depth + 1)
        let list = params.isEmpty ? "void" : params.joined(separator: ", ")
        return name.isEmpty ? "\(returns) (\(list))" : "\(returns) \(name)(\(list))"
    }
}

import CLibBPF
import Glibc

/// Parsing and validating a BTF blob: everything is checked once, here.
extension BTF {
    // MARK: - Parsing

    static func invalid(_ what: String) -> BPFError {
        BPFError("parse BTF", what, errno: EINVAL)
    }

    /// Bytes of kind-specific data after `struct btf_type`, or nil for an
    /// unknown kind: sizes of the records <linux/btf.h> declares.
    @inline(__always)
    static func extraBytes(kind: BTFKind, vlen: Int) -> Int? {
        switch kind {
        case .int: MemoryLayout<UInt32>.size // BTF_INT_ENCODING | BTF_INT_OFFSET | BTF_INT_BITS
        case .ptr, .fwd, .typedef, .volatile, .const, .restrict, .function, .float, .typeTag: 0
        case .array: MemoryLayout<btf_array>.size
        case .struct, .union: MemoryLayout<btf_member>.size * vlen
        case .enum: MemoryLayout<btf_enum>.size * vlen
        case .functionProto: MemoryLayout<btf_param>.size * vlen
        case .variable: MemoryLayout<btf_var>.size
        case .datasec: MemoryLayout<btf_var_secinfo>.size * vlen
        case .declTag: MemoryLayout<btf_decl_tag>.size
        case .enum64: MemoryLayout<btf_enum64>.size * vlen
        case .unknown: nil
        }
    }

    static func parse(_ data: [UInt8], after base: Layer?) throws(BPFError) -> Layer {
        let result: Result<Layer, BPFError> = data.withUnsafeBytes { raw in
            parse(raw, data: data, after: base)
        }
        return try result.get()
    }

    static func parse(_ raw: UnsafeRawBufferPointer, data: [UInt8], after base: Layer?) -> Result<Layer, BPFError> {
        let n = raw.count
        @inline(__always) func u32(_ at: Int) -> UInt32 { raw.loadUnaligned(fromByteOffset: at, as: UInt32.self) }

        let minHeader = MemoryLayout<btf_header>.size
        guard n >= minHeader else { return .failure(invalid("header (\(n) bytes, need \(minHeader))")) }
        let header = raw.loadUnaligned(fromByteOffset: 0, as: btf_header.self)
        let magic = UInt16(BTF_MAGIC)
        guard header.magic == magic else {
            return .failure(invalid(header.magic == magic.byteSwapped
                ? "header (BTF of the other byte order is not supported)"
                : "header (bad magic 0x\(String(header.magic, radix: 16)))"))
        }
        guard header.version == BTF_VERSION else {
            return .failure(invalid("header (version \(header.version), expected \(BTF_VERSION))"))
        }
        let hdrLen = Int(header.hdr_len)
        guard hdrLen >= minHeader, hdrLen <= n else {
            return .failure(invalid("header (header length \(hdrLen) of \(n) bytes)"))
        }
        let typeStart = hdrLen + Int(header.type_off), typeEnd = typeStart + Int(header.type_len)
        let strStart = hdrLen + Int(header.str_off), strLen = Int(header.str_len), strEnd = strStart + strLen
        guard typeEnd <= n else {
            return .failure(invalid("type section (\(typeStart)..<\(typeEnd) past the end, \(n) bytes)"))
        }
        guard strEnd <= n else {
            return .failure(invalid("string section (\(strStart)..<\(strEnd) past the end, \(n) bytes)"))
        }
        if base == nil {
            guard strLen > 0, raw[strStart] == 0 else {
                return .failure(invalid("string section (does not start with an empty string)"))
            }
        }
        if strLen > 0, raw[strEnd - 1] != 0 {
            return .failure(invalid("string section (last string is not NUL-terminated)"))
        }
        let firstString = base?.endString ?? 0
        let endString = firstString + strLen
        guard endString <= Int(UInt32.max) else { return .failure(invalid("string section (too large)")) }
        let firstID = base?.endID ?? 1

        var offsets: [UInt32] = []
        offsets.reserveCapacity((typeEnd - typeStart) / 20)
        var maxRef: UInt32 = 0
        var refAt = 0
        var p = typeStart
        while p < typeEnd {
            let id = Int(firstID) + offsets.count
            guard p + MemoryLayout<btf_type>.size <= typeEnd else {
                return .failure(invalid("type [\(id)] (truncated)"))
            }
            let type = raw.loadUnaligned(fromByteOffset: p, as: btf_type.self)
            let nameOff = type.name_off, info = type.info, sizeType = type.size
            let rawKind = UInt8(truncatingIfNeeded: (info >> 24) & 0x1f)
            let vlen = Int(info & 0xffff)
            let kflag = info >> 31 != 0
            guard let kind = BTFKind(rawValue: rawKind), let extra = extraBytes(kind: kind, vlen: vlen) else {
                return .failure(invalid("type [\(id)] (unknown kind \(rawKind))"))
            }
            let d = p + MemoryLayout<btf_type>.size
            guard d + extra <= typeEnd else {
                return .failure(invalid("type [\(id)] (\(kind) data runs past the type section)"))
            }
            guard Int(nameOff) < endString else {
                return .failure(invalid("type [\(id)] (name offset \(nameOff) past the strings)"))
            }
            @inline(__always) func ref(_ t: UInt32) {
                if t > maxRef { maxRef = t; refAt = id }
            }
            /// Record `i` of the kind's data, as <linux/btf.h> declares it.
            @inline(__always) func record<T>(_ i: Int, _: T.Type) -> T {
                raw.loadUnaligned(fromByteOffset: d + i * MemoryLayout<T>.size, as: T.self)
            }
            /// The first name offset of the `vlen` records past the strings.
            @inline(__always) func nameOutside<T: BTFNamedRecord>(_: T.Type) -> UInt32? {
                for i in 0..<vlen where Int(record(i, T.self).name_off) >= endString {
                    return record(i, T.self).name_off
                }
                return nil
            }
            switch kind {
            case .int:
                // BTF_INT_BITS, BTF_INT_OFFSET and BTF_INT_ENCODING (macros Swift cannot import).
                let v = u32(d)
                let bits = Int(v & 0xff), offset = Int((v >> 16) & 0xff), encoding = (v >> 24) & 0x0f
                guard [1, 2, 4, 8, 16].contains(sizeType), bits > 0, bits <= 128,
                      offset + bits <= Int(sizeType) * 8 else {
                    return .failure(invalid("type [\(id)] (INT of size \(sizeType) with \(bits) bits at \(offset))"))
                }
                guard encoding == 0 || BTFInt.Encoding.known.contains(UInt8(encoding)) else {
                    return .failure(invalid("type [\(id)] (INT encoding \(encoding))"))
                }
            case .ptr, .typedef, .volatile, .const, .restrict, .function, .variable, .typeTag:
                ref(sizeType)
            case .declTag:
                ref(sizeType)
                let component = record(0, btf_decl_tag.self).component_idx
                guard component >= -1 else {
                    return .failure(invalid("type [\(id)] (DECL_TAG component index \(component))"))
                }
            case .array:
                let array = record(0, btf_array.self)
                ref(array.type)
                ref(array.index_type)
            case .struct, .union:
                for i in 0..<vlen {
                    let member = record(i, btf_member.self)
                    guard Int(member.name_off) < endString else {
                        return .failure(invalid("type [\(id)] (member name offset \(member.name_off) past the strings)"))
                    }
                    ref(member.type)
                    if kflag, member.offset >> 24 > 128 { // BTF_MEMBER_BITFIELD_SIZE
                        return .failure(invalid("type [\(id)] (bitfield of \(member.offset >> 24) bits)"))
                    }
                }
            case .enum, .enum64:
                if let bad = kind == .enum ? nameOutside(btf_enum.self) : nameOutside(btf_enum64.self) {
                    return .failure(invalid("type [\(id)] (enumerator name offset \(bad) past the strings)"))
                }
            case .functionProto:
                ref(sizeType)
                for i in 0..<vlen {
                    let param = record(i, btf_param.self)
                    guard Int(param.name_off) < endString else {
                        return .failure(invalid("type [\(id)] (parameter name offset \(param.name_off) past the strings)"))
                    }
                    ref(param.type)
                }
            case .datasec:
                for i in 0..<vlen { ref(record(i, btf_var_secinfo.self).type) }
            case .fwd, .float, .unknown:
                break
            }
            offsets.append(UInt32(truncatingIfNeeded: p))
            p = d + extra
        }
        let endID = UInt64(firstID) + UInt64(offsets.count)
        guard endID <= UInt64(Int32.max) else {
            return .failure(invalid("type section (type count overflows)"))
        }
        guard UInt64(maxRef) < endID else {
            return .failure(invalid("type [\(refAt)] (refers to type \(maxRef), the last is \(endID - 1))"))
        }
        return .success(Layer(bytes: data, offsets: offsets, firstID: firstID,
                              strStart: strStart, strLen: strLen, firstString: firstString))
    }
}

/// The enumerators of <linux/btf.h>, 32- and 64-bit.
protocol BTFNamedRecord { var name_off: UInt32 { get } }
extension btf_enum: BTFNamedRecord {}
extension btf_enum64: BTFNamedRecord {}

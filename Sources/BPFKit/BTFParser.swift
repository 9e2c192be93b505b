import Glibc

/// Parsing and validating a BTF blob: everything is checked once, here.
extension BTF {
    // MARK: - Parsing

    static func invalid(_ what: String) -> BPFError {
        BPFError("parse BTF", what, errno: EINVAL)
    }

    /// Bytes of kind-specific data after `struct btf_type`, or nil for an
    /// unknown kind.
    @inline(__always)
    static func extraBytes(kind: UInt32, vlen: Int) -> Int? {
        switch kind {
        case 1: 4                               // INT
        case 2, 7, 8, 9, 10, 11, 12, 16, 18: 0  // PTR FWD TYPEDEF VOLATILE CONST RESTRICT FUNC FLOAT TYPE_TAG
        case 3: 12                              // ARRAY
        case 4, 5: 12 * vlen                    // STRUCT UNION
        case 6: 8 * vlen                        // ENUM
        case 13: 8 * vlen                       // FUNC_PROTO
        case 14: 4                              // VAR
        case 15: 12 * vlen                      // DATASEC
        case 17: 4                              // DECL_TAG
        case 19: 12 * vlen                      // ENUM64
        default: nil
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

        guard n >= 24 else { return .failure(invalid("header (\(n) bytes, need 24)")) }
        let magic = raw.loadUnaligned(fromByteOffset: 0, as: UInt16.self)
        guard magic == 0xEB9F else {
            return .failure(invalid(magic == 0x9FEB
                ? "header (BTF of the other byte order is not supported)"
                : "header (bad magic 0x\(String(magic, radix: 16)))"))
        }
        guard raw[2] == 1 else { return .failure(invalid("header (version \(raw[2]), expected 1)")) }
        let hdrLen = Int(u32(4))
        guard hdrLen >= 24, hdrLen <= n else {
            return .failure(invalid("header (header length \(hdrLen) of \(n) bytes)"))
        }
        let typeStart = hdrLen + Int(u32(8)), typeEnd = typeStart + Int(u32(12))
        let strStart = hdrLen + Int(u32(16)), strLen = Int(u32(20)), strEnd = strStart + strLen
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
            guard p + 12 <= typeEnd else { return .failure(invalid("type [\(id)] (truncated)")) }
            let nameOff = u32(p), info = u32(p + 4), sizeType = u32(p + 8)
            let kind = (info >> 24) & 0x1f
            let vlen = Int(info & 0xffff)
            let kflag = info >> 31 != 0
            guard let extra = extraBytes(kind: kind, vlen: vlen) else {
                return .failure(invalid("type [\(id)] (unknown kind \(kind))"))
            }
            let d = p + 12
            guard d + extra <= typeEnd else {
                return .failure(invalid("type [\(id)] (\(BTFKind(rawValue: UInt8(kind))!) data runs past the type section)"))
            }
            guard Int(nameOff) < endString else {
                return .failure(invalid("type [\(id)] (name offset \(nameOff) past the strings)"))
            }
            @inline(__always) func ref(_ t: UInt32) {
                if t > maxRef { maxRef = t; refAt = id }
            }
            switch kind {
            case 1: // INT
                let v = u32(d)
                let bits = Int(v & 0xff), offset = Int((v >> 16) & 0xff), encoding = (v >> 24) & 0x0f
                guard [1, 2, 4, 8, 16].contains(sizeType), bits > 0, bits <= 128,
                      offset + bits <= Int(sizeType) * 8 else {
                    return .failure(invalid("type [\(id)] (INT of size \(sizeType) with \(bits) bits at \(offset))"))
                }
                guard encoding == 0 || encoding == 1 || encoding == 2 || encoding == 4 else {
                    return .failure(invalid("type [\(id)] (INT encoding \(encoding))"))
                }
            case 2, 8, 9, 10, 11, 12, 14, 18: // PTR TYPEDEF VOLATILE CONST RESTRICT FUNC VAR TYPE_TAG
                ref(sizeType)
            case 17: // DECL_TAG
                ref(sizeType)
                guard Int32(bitPattern: u32(d)) >= -1 else {
                    return .failure(invalid("type [\(id)] (DECL_TAG component index \(Int32(bitPattern: u32(d))))"))
                }
            case 3: // ARRAY
                ref(u32(d))
                ref(u32(d + 4))
            case 4, 5: // STRUCT UNION
                var m = d
                for _ in 0..<vlen {
                    guard Int(u32(m)) < endString else {
                        return .failure(invalid("type [\(id)] (member name offset \(u32(m)) past the strings)"))
                    }
                    ref(u32(m + 4))
                    if kflag, u32(m + 8) >> 24 > 128 {
                        return .failure(invalid("type [\(id)] (bitfield of \(u32(m + 8) >> 24) bits)"))
                    }
                    m += 12
                }
            case 6, 19: // ENUM ENUM64
                let step = kind == 6 ? 8 : 12
                var m = d
                for _ in 0..<vlen {
                    guard Int(u32(m)) < endString else {
                        return .failure(invalid("type [\(id)] (enumerator name offset \(u32(m)) past the strings)"))
                    }
                    m += step
                }
            case 13: // FUNC_PROTO
                ref(sizeType)
                var m = d
                for _ in 0..<vlen {
                    guard Int(u32(m)) < endString else {
                        return .failure(invalid("type [\(id)] (parameter name offset \(u32(m)) past the strings)"))
                    }
                    ref(u32(m + 4))
                    m += 8
                }
            case 15: // DATASEC
                var m = d
                for _ in 0..<vlen {
                    ref(u32(m))
                    m += 12
                }
            default: // FWD FLOAT
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

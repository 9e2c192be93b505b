import BPFKit
import Foundation
import TestSupport
import XCTest
@testable import Formatting

private func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

final class BTFFormatterTests: XCTestCase {
    /// Common base types; ids are fixed by the order below.
    private struct Base {
        var b = BTFBlobBuilder(strings: .appendedEach)
        let u8, s8, u16, s16, u32, s32, u64, s64, char, uchar, schar, bool, u128, s128: UInt32
        init() {
            u8 = b.int("__u8", size: 1)
            s8 = b.int("__s8", size: 1, encoding: 1)
            u16 = b.int("unsigned short", size: 2)
            s16 = b.int("short", size: 2, encoding: 1)
            u32 = b.int("unsigned int", size: 4)
            s32 = b.int("int", size: 4, encoding: 1)
            u64 = b.int("unsigned long long", size: 8)
            s64 = b.int("long long", size: 8, encoding: 1)
            char = b.int("char", size: 1, encoding: 1)
            uchar = b.int("unsigned char", size: 1)
            schar = b.int("signed char", size: 1, encoding: 1)
            bool = b.int("_Bool", size: 1, encoding: 4)
            u128 = b.int("unsigned __int128", size: 16)
            s128 = b.int("__int128", size: 16, encoding: 1)
        }
    }

    private func format(_ bytes: [UInt8], _ type: UInt32, _ btf: BTF, _ style: BTFFormatter.Style = .bpftool) -> BTFValue {
        BTFFormatter.format(bytes, type: type, btf: btf, style: style)
    }

    // MARK: - Scalars

    func testIntegers() throws {
        let base = Base()
        let btf = try base.b.btf()
        XCTAssertEqual(format([0xff], base.u8, btf), .uint(255))
        XCTAssertEqual(format([0xff], base.s8, btf), .int(-1))
        XCTAssertEqual(format(le(UInt16(0xfffe)), base.u16, btf), .uint(65534))
        XCTAssertEqual(format(le(Int16(-2)), base.s16, btf), .int(-2))
        XCTAssertEqual(format(le(UInt32.max), base.u32, btf), .uint(4_294_967_295))
        XCTAssertEqual(format(le(Int32.min), base.s32, btf), .int(Int64(Int32.min)))
        XCTAssertEqual(format(le(UInt64.max), base.u64, btf), .uint(UInt64.max))
        XCTAssertEqual(format(le(Int64.min), base.s64, btf), .int(Int64.min))
        XCTAssertEqual(format([0x2a, 0, 0, 0, 0xff], base.s32, btf), .int(42), "extra bytes are ignored")
        XCTAssertEqual(BTFFormatter.json(format(le(Int64.min), base.s64, btf)), "-9223372036854775808")
        XCTAssertEqual(BTFFormatter.json(format(le(UInt64.max), base.u64, btf)), "18446744073709551615")
    }

    func testBoolAndChar() throws {
        var base = Base()
        let charEncoded = base.b.int("char", size: 1, encoding: 2)
        let btf = try base.b.btf()
        XCTAssertEqual(format([1], base.bool, btf), .bool(true))
        XCTAssertEqual(format([0], base.bool, btf), .bool(false))
        XCTAssertEqual(format([2], base.bool, btf), .bool(true))
        XCTAssertEqual(BTFFormatter.json(format([1], base.bool, btf)), "true")
        // clang's char is a signed 1-byte int: a number, like bpftool.
        XCTAssertEqual(format([0x41], base.char, btf), .int(65))
        // A CHAR-encoded int is a one-character string; bpftool writes a
        // non-printable one as "\u00XX".
        XCTAssertEqual(format([0x41], charEncoded, btf), .string("A"))
        XCTAssertEqual(format([0x01], charEncoded, btf), .string("\u{01}"))
        XCTAssertEqual(BTFFormatter.json(format([0x01], charEncoded, btf)), "\"\\u0001\"")
        XCTAssertEqual(BTFFormatter.json(format([0xff], charEncoded, btf)), "\"\\u00ff\"")
    }

    func testInt128AsHex() throws {
        let base = Base()
        let btf = try base.b.btf()
        XCTAssertEqual(format(le(UInt64(0x1234)) + le(UInt64(0)), base.u128, btf), .hexString("0x1234"))
        XCTAssertEqual(format(le(UInt64(2)) + le(UInt64(1)), base.u128, btf), .hexString("0x10000000000000002"))
        XCTAssertEqual(format([UInt8](repeating: 0xff, count: 16), base.s128, btf),
                       .hexString("0xffffffffffffffffffffffffffffffff"))
        XCTAssertEqual(format([UInt8](repeating: 0, count: 16), base.s128, btf), .hexString("0x0"))
        XCTAssertEqual(format([UInt8](repeating: 0xff, count: 16), base.s128, btf, .typed),
                       .hexString("0xffffffffffffffffffffffffffffffff"))
        XCTAssertEqual(BTFFormatter.json(.hexString("0x1")), "\"0x1\"")
    }

    func testOddWidthInt() throws {
        var b = BTFBlobBuilder(strings: .appendedEach)
        let u24 = b.int("u24", size: 4, bits: 24)
        let s12 = b.int("s12", size: 2, encoding: 1, bits: 12, offset: 2)
        let btf = try b.btf()
        // bpftool hands widths other than 8/16/32/64 to its bitfield printer.
        XCTAssertEqual(format([0x56, 0x34, 0x12, 0xff], u24, btf), .hexString("0x123456"))
        XCTAssertEqual(format([0x56, 0x34, 0x12, 0xff], u24, btf, .typed), .uint(0x123456))
        // 12 bits at bit 2 of 0xfffc: all ones → -1 when signed.
        XCTAssertEqual(format(le(UInt16(0xfffc)), s12, btf), .hexString("0xfff"))
        XCTAssertEqual(format(le(UInt16(0xfffc)), s12, btf, .typed), .int(-1))
    }

    func testPointer() throws {
        var base = Base()
        let p = base.b.ptr(base.s32)
        let btf = try base.b.btf()
        XCTAssertEqual(format(le(UInt64(0xffff_8880_0000_1000)), p, btf), .uint(0xffff_8880_0000_1000))
        XCTAssertEqual(format([1, 2, 3], p, btf), .raw([1, 2, 3]), "short data")
    }

    func testFloats() throws {
        var b = BTFBlobBuilder(strings: .appendedEach)
        let f = b.float("float", size: 4)
        let d = b.float("double", size: 8)
        let ld = b.float("long double", size: 16)
        let btf = try b.btf()
        XCTAssertEqual(format(le(Float(0.5).bitPattern), f, btf), .float(0.5))
        XCTAssertEqual(format(le(Float(0.1).bitPattern), f, btf), .float(0.1))
        XCTAssertEqual(BTFFormatter.json(format(le(Float(0.1).bitPattern), f, btf)), "0.1")
        XCTAssertEqual(format(le(Float(-3.25).bitPattern), f, btf), .float(-3.25))
        XCTAssertEqual(format(le(Double(0.1).bitPattern), d, btf), .float(0.1))
        XCTAssertEqual(BTFFormatter.json(format(le(Double(1e300).bitPattern), d, btf)), "1e+300")
        XCTAssertEqual(BTFFormatter.json(format(le(Float.nan.bitPattern), f, btf)), "\"nan\"")
        XCTAssertEqual(BTFFormatter.json(format(le(Double.infinity.bitPattern), d, btf)), "\"inf\"")
        XCTAssertEqual(BTFFormatter.json(format(le((-Float.infinity).bitPattern), f, btf)), "\"-inf\"")
        XCTAssertEqual(format(le(Float.nan.bitPattern), f, btf), .float(.nan))
        XCTAssertEqual(format([UInt8](repeating: 1, count: 16), ld, btf), .raw([UInt8](repeating: 1, count: 16)))
    }

    /// On kernels without BTF floats (before 5.13) libbpf loads a float as
    /// an anonymous struct of its size with no members: its bytes are shown,
    /// not an empty {}. A member-less struct of size 0 stays {}.
    func testSizedEmptyStructShowsItsBytes() throws {
        var b = BTFBlobBuilder(strings: .appendedEach)
        let sanitized = b.composite("", size: 4, [])
        let empty = b.composite("nothing", size: 0, [])
        let u32 = b.int("u32", size: 4)
        let outer = b.composite("v", size: 8, [("ratio", sanitized, 0, 0), ("n", u32, 32, 0)])
        let btf = try b.btf()
        let bytes = le(Float(0.5).bitPattern)
        XCTAssertEqual(format(bytes, sanitized, btf), .raw(bytes))
        XCTAssertEqual(format([], empty, btf), .object([]))
        XCTAssertEqual(format(bytes + le(UInt32(7)), outer, btf), .object([("ratio", .raw(bytes)), ("n", .uint(7))]))
        XCTAssertEqual(BTFFormatter.json(format(bytes, sanitized, btf)), #"["0x00","0x00","0x00","0x3f"]"#)
    }

    func testModifiersResolve() throws {
        var base = Base()
        let td = base.b.typedef("u32", base.u32)
        let v = base.b.volatile(td)
        let c = base.b.const(v)
        let r = base.b.restrict(base.b.ptr(base.char))
        let tag = base.b.typeTag("user", c)
        let btf = try base.b.btf()
        for id in [td, v, c, tag] {
            XCTAssertEqual(format(le(UInt32(7)), id, btf), .uint(7))
        }
        XCTAssertEqual(format(le(UInt64(9)), r, btf), .uint(9))
    }

    // MARK: - Enums

    func testEnums() throws {
        var b = BTFBlobBuilder(strings: .appendedEach)
        let color = b.enumeration("color", [("RED", 0), ("GREEN", 5), ("BLUE", 6)])
        let delta = b.enumeration("delta", size: 1, signed: true, [("DOWN", -1), ("UP", 1)])
        let flags = b.enumeration("flags", size: 1, [("ALL", 255), ("NONE", 0)])
        let e64 = b.enum64("big", [("HUGE", 0xffff_ffff_0000_0001), ("ONE", 1)])
        let s64 = b.enum64("sbig", signed: true, [("MIN", UInt64(bitPattern: Int64.min))])
        let btf = try b.btf()

        XCTAssertEqual(format(le(UInt32(5)), color, btf), .enumerator("GREEN"))
        XCTAssertEqual(format(le(UInt32(6)), color, btf, .typed), .enumerator("BLUE"))
        XCTAssertEqual(format(le(UInt32(7)), color, btf), .int(7))
        XCTAssertEqual(BTFFormatter.json(format(le(UInt32(5)), color, btf)), "\"GREEN\"")
        // bpftool reads an unmatched value sign-extended, whatever the sign.
        XCTAssertEqual(format(le(UInt32.max), color, btf), .int(-1))
        XCTAssertEqual(format(le(UInt32.max), color, btf, .typed), .uint(4_294_967_295))
        XCTAssertEqual(format([0xff], delta, btf), .enumerator("DOWN"))
        XCTAssertEqual(format([0xfe], delta, btf), .int(-2))
        XCTAssertEqual(format([0xfe], delta, btf, .typed), .int(-2))
        // bpftool compares the sign-extended byte with the s32 255: no match.
        XCTAssertEqual(format([0xff], flags, btf), .int(-1))
        XCTAssertEqual(format([0xff], flags, btf, .typed), .enumerator("ALL"))
        XCTAssertEqual(format([0x00], flags, btf), .enumerator("NONE"))

        XCTAssertEqual(format(le(UInt64(0xffff_ffff_0000_0001)), e64, btf), .enumerator("HUGE"))
        XCTAssertEqual(format(le(UInt64(1)), e64, btf, .typed), .enumerator("ONE"))
        XCTAssertEqual(format(le(UInt64.max), e64, btf), .int(-1))
        XCTAssertEqual(format(le(UInt64.max), e64, btf, .typed), .uint(UInt64.max))
        XCTAssertEqual(format(le(Int64.min), s64, btf), .enumerator("MIN"))
        XCTAssertEqual(format(le(Int64(-5)), s64, btf, .typed), .int(-5))
        XCTAssertEqual(format([1, 2], color, btf), .raw([1, 2]))
    }

    // MARK: - Arrays and strings

    func testCharArrays() throws {
        var base = Base()
        let chars = base.b.array(base.char, count: 8)
        let uchars = base.b.array(base.uchar, count: 4)
        let schars = base.b.array(base.schar, count: 4)
        let constChars = base.b.array(base.b.const(base.char), count: 4)
        let mychar = base.b.typedef("mychar", base.char)
        let typedefChars = base.b.array(mychar, count: 4)
        let empty = base.b.array(base.char, count: 0)
        let btf = try base.b.btf()

        XCTAssertEqual(format(Array("hi\0junk!".utf8), chars, btf), .string("hi"))
        XCTAssertEqual(BTFFormatter.json(format(Array("hi\0junk!".utf8), chars, btf)), "\"hi\"")
        XCTAssertEqual(format([0, 1, 2, 3, 4, 5, 6, 7], chars, btf), .string(""))
        // No NUL: bpftool prints the numbers.
        XCTAssertEqual(format(Array("abcdefgh".utf8), chars, btf),
                       .array([97, 98, 99, 100, 101, 102, 103, 104].map { .int($0) }))
        // A non-printable byte before the NUL: numbers too (char is signed).
        XCTAssertEqual(format([0x62, 0x01, 0, 0, 0, 0, 0, 0], chars, btf),
                       .array([98, 1, 0, 0, 0, 0, 0, 0].map { .int($0) }))
        XCTAssertEqual(format([0x62, 0xc3, 0xa9, 0, 0, 0, 0, 0], chars, btf),
                       .array([98, -61, -87, 0, 0, 0, 0, 0].map { .int($0) }))
        XCTAssertEqual(BTFFormatter.json(format([0x62, 0x01, 0, 0, 0, 0, 0, 0], chars, btf)), "[98,1,0,0,0,0,0,0]")
        // Only "char" (qualifiers skipped, not typedefs) makes a string for bpftool.
        XCTAssertEqual(format(Array("ab\0\0".utf8), constChars, btf), .string("ab"))
        XCTAssertEqual(format(Array("ab\0\0".utf8), uchars, btf), .array([97, 98, 0, 0].map { .uint($0) }))
        XCTAssertEqual(format(Array("ab\0\0".utf8), schars, btf), .array([97, 98, 0, 0].map { .int($0) }))
        XCTAssertEqual(format(Array("ab\0\0".utf8), typedefChars, btf), .array([97, 98, 0, 0].map { .int($0) }))
        // .typed reads signed/unsigned char arrays as strings too.
        XCTAssertEqual(format(Array("ab\0\0".utf8), uchars, btf, .typed), .string("ab"))
        XCTAssertEqual(format(Array("ab\0\0".utf8), schars, btf, .typed), .string("ab"))
        XCTAssertEqual(format([], empty, btf), .array([]))
        // Data shorter than the array.
        XCTAssertEqual(format(Array("abc".utf8), chars, btf), .raw(Array("abc".utf8)))
        XCTAssertEqual(format(Array("a\0c".utf8), chars, btf), .string("a"))
    }

    func testArrays() throws {
        var base = Base()
        let ints = base.b.array(base.s16, count: 3)
        let matrix = base.b.array(base.b.array(base.u8, count: 2), count: 2)
        let btf = try base.b.btf()
        XCTAssertEqual(format(le(Int16(-1)) + le(Int16(2)) + le(Int16(300)), ints, btf), .array([.int(-1), .int(2), .int(300)]))
        XCTAssertEqual(format([1, 2, 3, 4], matrix, btf), .array([.array([.uint(1), .uint(2)]), .array([.uint(3), .uint(4)])]))
        XCTAssertEqual(BTFFormatter.json(format([1, 2, 3, 4], matrix, btf)), "[[1,2],[3,4]]")
    }

    // MARK: - Structs and unions

    func testNestedStructsAndAnonymousUnion() throws {
        var base = Base()
        let inner = base.b.composite("inner", size: 4, [("a", base.u16, 0, 0), ("b", base.s16, 16, 0)])
        let text = base.b.array(base.char, count: 4)
        let anon = base.b.composite("", union: true, size: 4, [("number", base.u32, 0, 0), ("text", text, 0, 0)])
        let anonStruct = base.b.composite("", size: 2, [("x", base.u8, 0, 0), ("y", base.s8, 8, 0)])
        let outer = base.b.composite("outer", size: 12, [
            ("in", inner, 0, 0), ("", anon, 32, 0), ("", anonStruct, 64, 0), ("last", base.bool, 80, 0),
        ])
        let btf = try base.b.btf()
        let bytes = le(UInt16(0x1234)) + le(Int16(-2)) + Array("ABC\0".utf8) + [7, 0xff, 1, 0]

        let bpftool = format(bytes, outer, btf)
        XCTAssertEqual(bpftool, .object([
            ("in", .object([("a", .uint(0x1234)), ("b", .int(-2))])),
            ("", .object([("number", .uint(0x0043_4241)), ("text", .string("ABC"))])),
            ("", .object([("x", .uint(7)), ("y", .int(-1))])),
            ("last", .bool(true)),
        ]))
        XCTAssertEqual(BTFFormatter.json(bpftool),
                       #"{"in":{"a":4660,"b":-2},"":{"number":4407873,"text":"ABC"},"":{"x":7,"y":-1},"last":true}"#)

        XCTAssertEqual(format(bytes, outer, btf, .typed), .object([
            ("in", .object([("a", .uint(0x1234)), ("b", .int(-2))])),
            ("number", .uint(0x0043_4241)), ("text", .string("ABC")),
            ("x", .uint(7)), ("y", .int(-1)),
            ("last", .bool(true)),
        ]))
        // Order matters to equality.
        XCTAssertNotEqual(BTFValue.object([("a", .int(1)), ("b", .int(2))]), .object([("b", .int(2)), ("a", .int(1))]))
    }

    func testBitfields() throws {
        var base = Base()
        let color = base.b.enumeration("color", [("RED", 0), ("GREEN", 5)])
        // struct { unsigned flag:3, level:5; int neg:4; unsigned wide:12 (bits 14..25, three bytes);
        //          int across:9 (bits 30..38); u64 big:40 (bits 40..79); enum color c:3; _Bool on:1; }
        let s = base.b.composite("bits", size: 16, [
            ("flag", base.u32, 0, 3), ("level", base.u32, 3, 5), ("neg", base.s32, 8, 4),
            ("wide", base.u32, 14, 12), ("across", base.s32, 30, 9), ("big", base.u64, 40, 40),
            ("c", color, 80, 3), ("on", base.bool, 83, 1),
        ])
        let btf = try base.b.btf()

        func put(_ bits: inout [UInt8], _ value: UInt64, at offset: Int, width: Int) {
            for i in 0..<width where value >> UInt64(i) & 1 == 1 {
                bits[(offset + i) / 8] |= 1 << UInt8((offset + i) % 8)
            }
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        put(&bytes, 5, at: 0, width: 3)
        put(&bytes, 19, at: 3, width: 5)
        put(&bytes, UInt64(bitPattern: -3), at: 8, width: 4)
        put(&bytes, 0xabc, at: 14, width: 12)
        put(&bytes, UInt64(bitPattern: -200), at: 30, width: 9)
        put(&bytes, 0xab_cdef_0123, at: 40, width: 40)
        put(&bytes, 5, at: 80, width: 3)
        put(&bytes, 1, at: 83, width: 1)
        XCTAssertEqual(bytes[0], 0x9d)

        XCTAssertEqual(format(bytes, s, btf), .object([
            ("flag", .hexString("0x5")), ("level", .hexString("0x13")), ("neg", .hexString("0xd")),
            ("wide", .hexString("0xabc")), ("across", .hexString("0x138")), ("big", .hexString("0xabcdef0123")),
            ("c", .hexString("0x5")), ("on", .hexString("0x1")),
        ]))
        XCTAssertEqual(format(bytes, s, btf, .typed), .object([
            ("flag", .uint(5)), ("level", .uint(19)), ("neg", .int(-3)),
            ("wide", .uint(0xabc)), ("across", .int(-200)), ("big", .uint(0xab_cdef_0123)),
            ("c", .enumerator("GREEN")), ("on", .bool(true)),
        ]))
        XCTAssertEqual(BTFFormatter.json(format(bytes, s, btf, .typed)),
                       #"{"flag":5,"level":19,"neg":-3,"wide":2748,"across":-200,"big":737894400291,"c":"GREEN","on":true}"#)
    }

    func testOldStyleBitfieldsAndWideBitfields() throws {
        var b = BTFBlobBuilder(strings: .appendedEach)
        // Before kind_flag, a bitfield was an INT of few bits at a member's
        // bit offset.
        let s4 = b.int("int", size: 4, encoding: 1, bits: 4)
        let u128 = b.int("unsigned __int128", size: 16)
        let old = b.composite("old", size: 4, [("x", s4, 9, 0)])
        let wide = b.composite("wide", size: 18, [("w", u128, 3, 128)])
        let btf = try b.btf()
        XCTAssertEqual(format(le(UInt32(0b1110 << 9)), old, btf), .object([("x", .hexString("0xe"))]))
        XCTAssertEqual(format(le(UInt32(0b1110 << 9)), old, btf, .typed), .object([("x", .int(-2))]))
        // 128 bits starting at bit 3 span 17 bytes.
        var bytes = [UInt8](repeating: 0, count: 18)
        bytes[0] = 0b1000  // bit 3: the value's lowest bit
        bytes[16] = 0b0100  // bit 130: the value's highest bit (bit 127)
        XCTAssertEqual(format(bytes, wide, btf), .object([("w", .hexString("0x80000000000000000000000000000001"))]))
        XCTAssertEqual(format(bytes, wide, btf, .typed), .object([("w", .hexString("0x80000000000000000000000000000001"))]))
    }

    /// The fixture's `struct value`, as clang emits it; checked against
    /// bpftool 7.1's output by BTFMapFormatTests.
    func testFixtureValueLikeBpftool() throws {
        var base = Base()
        let inner = base.b.composite("inner", size: 4, [("a", base.u16, 0, 0), ("b", base.s16, 16, 0)])
        let name = base.b.array(base.char, count: 16)
        let color = base.b.enumeration("color", [("RED", 0), ("GREEN", 5), ("BLUE", 6)])
        let float = base.b.float("float", size: 4)
        let value = base.b.composite("value", size: 48, [
            ("in", inner, 0, 0), ("name", name, 32, 0), ("c", color, 160, 0),
            ("flag", base.u32, 192, 3), ("level", base.u32, 195, 5), ("neg", base.s32, 200, 4),
            ("ratio", float, 224, 0), ("on", base.bool, 256, 0), ("big", base.u64, 320, 0),
        ])
        let btf = try base.b.btf()
        let bytes: [UInt8] = [0x34, 0x12, 0xfe, 0xff] + Array("bpfnav\0AB".utf8) + [UInt8](repeating: 0, count: 7)
            + le(UInt32(5)) + [0x9d, 0x0d, 0, 0] + le(Float(0.5).bitPattern) + [1, 0, 0, 0, 0, 0, 0, 0]
            + le(UInt64(0x1122_3344_5566_7788))
        XCTAssertEqual(bytes.count, 48)
        let v = format(bytes, value, btf)
        XCTAssertEqual(BTFFormatter.json(v),
                       #"{"in":{"a":4660,"b":-2},"name":"bpfnav","c":"GREEN","flag":"0x5","level":"0x13","neg":"0xd","ratio":0.5,"on":true,"big":1234605616436508552}"#)
    }

    // MARK: - Global data

    func testVarAndDatasec() throws {
        var base = Base()
        let greeting = base.b.array(base.char, count: 8)
        let counter = base.b.variable("counter", base.s32)
        let text = base.b.variable("greeting", greeting)
        let data = base.b.datasec(".data", size: 12, [(counter, 0, 4), (text, 4, 8)])
        let btf = try base.b.btf()
        let bytes = le(Int32(7)) + Array("hi\0\0\0\0\0\0".utf8)

        XCTAssertEqual(format(le(Int32(-42)), counter, btf), .object([("counter", .int(-42))]))
        let bpftool = format(bytes, data, btf)
        XCTAssertEqual(bpftool, .object([(".data", .array([
            .object([("counter", .int(7))]), .object([("greeting", .string("hi"))]),
        ]))]))
        XCTAssertEqual(BTFFormatter.json(bpftool), #"{".data":[{"counter":7},{"greeting":"hi"}]}"#)
        XCTAssertEqual(format(bytes, data, btf, .typed), .object([("counter", .int(7)), ("greeting", .string("hi"))]))
        XCTAssertEqual(BTFFormatter.json(format(bytes, data, btf, .typed)), #"{"counter":7,"greeting":"hi"}"#)
    }

    // MARK: - What cannot be formatted

    func testUnformattable() throws {
        var base = Base()
        let fwd = base.b.fwd("later")
        let proto = base.b.proto(returns: base.s32)
        let fn = base.b.function("f", proto: proto)
        let s = base.b.composite("s", size: 8, [("a", base.u32, 0, 0), ("b", base.u32, 32, 0)])
        let btf = try base.b.btf()
        XCTAssertEqual(format([1, 2], fwd, btf), .raw([]))
        XCTAssertEqual(format([1, 2], fn, btf), .raw([]))
        XCTAssertEqual(format([1, 2], 0, btf), .raw([]))
        XCTAssertEqual(format([1, 2], 9999, btf), .raw([]))
        // Short data: what fits is formatted, the rest is raw.
        XCTAssertEqual(format([1, 0, 0, 0, 9, 9], s, btf), .object([("a", .uint(1)), ("b", .raw([9, 9]))]))
        XCTAssertEqual(format([], base.u32, btf), .raw([]))
    }

    // MARK: - JSON

    func testJSONText() throws {
        XCTAssertEqual(BTFFormatter.json(.string("a\"b\\c\n\t\r\u{08}\u{0C}\u{01}\u{7f}")),
                       #""a\"b\\c\n\t\r\b\f\u0001\u007f""#)
        XCTAssertEqual(BTFFormatter.json(.string("é😀")), #""\u00e9\ud83d\ude00""#)
        XCTAssertEqual(BTFFormatter.json(.string("/")), #""/""#)
        XCTAssertEqual(BTFFormatter.json(.enumerator("RED")), #""RED""#)
        XCTAssertEqual(BTFFormatter.json(.raw([0x01, 0xff])), #"["0x01","0xff"]"#)
        XCTAssertEqual(BTFFormatter.json(.raw([])), "[]")
        XCTAssertEqual(BTFFormatter.json(.object([])), "{}")
        XCTAssertEqual(BTFFormatter.json(.array([])), "[]")
        XCTAssertEqual(BTFFormatter.json(.float(-0.0)), "-0.0")
        XCTAssertEqual(BTFFormatter.json(.float(1e-7)), "1e-07")
        XCTAssertEqual(BTFFormatter.json(.float(3)), "3.0")
        XCTAssertEqual(BTFFormatter.json(.object([("k\"", .array([.int(-1), .uint(2), .bool(false)]))])),
                       #"{"k\"":[-1,2,false]}"#)

        // Everything the formatter writes is JSON Foundation can read.
        let value = BTFValue.object([
            ("s", .string("x\u{01}é😀\"\\")), ("f", .float(0.1)), ("n", .float(.nan)), ("r", .raw([7])),
            ("h", .hexString("0x1")), ("a", .array([.int(Int64.min), .uint(UInt64.max)])),
        ])
        let parsed = try JSONSerialization.jsonObject(with: Data(BTFFormatter.json(value).utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["s"] as? String, "x\u{01}é😀\"\\")
        XCTAssertEqual(parsed?["n"] as? String, "nan")
        XCTAssertEqual(parsed?["h"] as? String, "0x1")
    }

    func testEquality() {
        XCTAssertEqual(BTFValue.float(.nan), .float(.nan))
        XCTAssertNotEqual(BTFValue.int(1), .uint(1))
        XCTAssertNotEqual(BTFValue.string("a"), .enumerator("a"))
        XCTAssertNotEqual(BTFValue.object([("a", .int(1))]), .object([("a", .int(1)), ("b", .int(2))]))
        XCTAssertEqual(BTFValue.object([("a", .array([.raw([1])]))]), .object([("a", .array([.raw([1])]))]))
    }

    // MARK: - Robustness

    func testMalformedTypesAndDataNeverCrash() throws {
        var base = Base()
        let inner = base.b.composite("inner", size: 4, [("a", base.u16, 0, 0), ("b", base.s16, 16, 3)])
        let arr = base.b.array(base.char, count: 6)
        let e = base.b.enumeration("e", [("A", 1)])
        let e64 = base.b.enum64("e64", [("B", 2)])
        let f = base.b.float("float", size: 4)
        let p = base.b.ptr(inner)
        let v = base.b.variable("v", inner)
        let ds = base.b.datasec(".bss", size: 40, [(v, 0, 4), (v, 36, 4)])
        _ = base.b.composite("outer", size: 40, [
            ("i", inner, 0, 0), ("arr", arr, 32, 0), ("e", e, 96, 0), ("e64", e64, 128, 0), ("f", f, 192, 0),
            ("p", p, 256, 0), ("bits", base.s64, 3, 61), ("", inner, 8, 0),
        ])
        _ = base.b.typeTag("t", ds)
        // Self-referencing types are valid BTF for the parser: the
        // formatter must stop on its own.
        _ = base.b.composite("loop", size: 4, [("self", base.b.nextID, 0, 0)])
        _ = base.b.array(base.b.nextID, count: 3)
        _ = base.b.array(base.b.composite("empty", size: 0, []), count: 0xffff_ffff)
        _ = base.b.array(base.s64, count: 0xffff_ffff)
        let valid = base.b.data()
        let btf = try BTF(data: valid)
        var rng = SplitMix64(seed: fuzzSeed(7))

        // Every type over random bytes of random length.
        for _ in 0..<300 {
            let n = Int.random(in: 0..<64, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for id in 0...UInt32(btf.count + 1) {
                for style in [BTFFormatter.Style.bpftool, .typed] {
                    _ = BTFFormatter.json(format(bytes, id, btf, style))
                }
            }
        }

        // Mutated blobs that still parse, formatted at every id.
        var parsed = 0
        for round in 0..<3000 {
            var data = valid
            for _ in 0...(round % 6) {
                data[Int.random(in: 24..<data.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            guard let mutated = try? BTF(data: data) else { continue }
            parsed += 1
            let bytes = (0..<48).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for id in 0...UInt32(mutated.count) {
                _ = BTFFormatter.json(format(bytes, id, mutated, round % 2 == 0 ? .bpftool : .typed))
            }
        }
        XCTAssertGreaterThan(parsed, 100)
    }

    func testUnsafeBufferOverload() throws {
        let base = Base()
        let btf = try base.b.btf()
        let bytes = le(UInt32(42))
        let v = bytes.withUnsafeBytes { BTFFormatter.format($0, type: base.u32, btf: btf) }
        XCTAssertEqual(v, .uint(42))
    }

    /// Found by fuzz/run (FuzzBTF, a timeout): arrays of arrays of an empty
    /// struct, 4096 elements at each level, cost up to a million values per
    /// format however small the value. The work now follows the value's size.
    func testNestedEmptyArraysCostWhatTheValueAllows() throws {
        var b = BTFBlobBuilder(strings: .appendedEach)
        let empty = b.composite("empty", size: 0, [])
        let one = b.array(empty, count: 4096)
        let two = b.array(one, count: 4096)
        let three = b.array(two, count: 4096)
        let btf = try b.btf()
        func nodes(_ v: BTFValue) -> Int {
            switch v {
            case .array(let items): 1 + items.reduce(0) { $0 + nodes($1) }
            case .object(let pairs): 1 + pairs.reduce(0) { $0 + nodes($1.1) }
            default: 1
            }
        }
        let n = nodes(format([UInt8](repeating: 0, count: 16), three, btf))
        XCTAssertLessThan(n, 50_000, "values produced for a 16-byte value")
    }
}

import Foundation
import Glibc
import TestSupport
import XCTest
@testable import BPFKit

final class BTFTests: XCTestCase {
    /// One type of every kind.
    struct AllKinds {
        var blob: [UInt8] = []
        var ids: [String: UInt32] = [:]
    }

    func allKinds() -> AllKinds {
        var b = BTFBlobBuilder()
        var ids: [String: UInt32] = [:]
        ids["int"] = b.int("int", size: 4, encoding: 1)
        ids["u32"] = b.int("unsigned int", size: 4)
        ids["char"] = b.int("char", size: 1, encoding: 1)
        ids["bool"] = b.int("_Bool", size: 1, encoding: 4)
        ids["u128"] = b.int("unsigned __int128", size: 16)
        ids["ptr"] = b.ptr(ids["char"]!)
        ids["array"] = b.array(ids["char"]!, index: ids["int"]!, count: 16)
        ids["struct"] = b.composite("foo", size: 24, [("a", ids["int"]!, 0, 0), ("name", ids["array"]!, 32, 0),
                                                      ("p", ids["ptr"]!, 128, 0)])
        ids["bits"] = b.composite("bits", size: 4, [("x", ids["u32"]!, 0, 3), ("y", ids["int"]!, 3, 7)])
        ids["union"] = b.composite("", union: true, size: 4, [("i", ids["int"]!, 0, 0), ("u", ids["u32"]!, 0, 0)])
        ids["enum"] = b.enumeration("color", [("RED", 0), ("GREEN", 5), ("BLUE", 6)])
        ids["senum"] = b.enumeration("delta", size: 1, signed: true, [("DOWN", -1), ("UP", 1)])
        ids["fwd"] = b.fwd("later", union: true)
        ids["typedef"] = b.typedef("u32", ids["u32"]!)
        ids["volatile"] = b.volatile(ids["typedef"]!)
        ids["const"] = b.const(ids["volatile"]!)
        ids["restrict"] = b.restrict(ids["ptr"]!)
        ids["proto"] = b.proto(returns: ids["int"]!, [("ctx", ids["ptr"]!), ("n", ids["u32"]!), ("", 0)])
        ids["func"] = b.function("handler", proto: ids["proto"]!)
        ids["var"] = b.variable("counter", ids["int"]!)
        ids["datasec"] = b.datasec(".data", size: 4, [(ids["var"]!, 0, 4)])
        ids["float"] = b.float("double", size: 8)
        ids["decl_tag"] = b.declTag("kfunc", ids["func"]!, component: 1)
        ids["type_tag"] = b.typeTag("user", ids["int"]!)
        ids["enum64"] = b.enum64("big", signed: false, [("HUGE", 0xffff_ffff_0000_0001), ("ONE", 1)])
        ids["cptr"] = b.ptr(ids["const"]!)
        ids["pptr"] = b.ptr(ids["ptr"]!)
        ids["tagptr"] = b.ptr(ids["type_tag"]!)
        ids["fptr"] = b.ptr(ids["proto"]!)
        ids["matrix"] = b.array(ids["array"]!, index: ids["int"]!, count: 2)
        ids["constptr"] = b.const(ids["ptr"]!)
        return AllKinds(blob: b.data(), ids: ids)
    }

    func testEveryKindDecodes() throws {
        let all = allKinds()
        let btf = try BTF(data: all.blob)
        let id = all.ids
        XCTAssertEqual(btf.count, id.count)
        XCTAssertEqual(btf.firstID, 1)

        XCTAssertEqual(btf.type(0)?.details, .void)
        XCTAssertNil(btf.type(UInt32(btf.count + 1)))
        XCTAssertEqual(btf.type(id["int"]!)?.details, .int(BTFInt(size: 4, encoding: .signed, bitOffset: 0, bits: 32)))
        XCTAssertEqual(btf.type(id["char"]!)?.name, "char")
        XCTAssertEqual(btf.type(id["bool"]!)?.details, .int(BTFInt(size: 1, encoding: .bool, bitOffset: 0, bits: 8)))
        XCTAssertEqual(btf.type(id["u128"]!)?.details, .int(BTFInt(size: 16, encoding: [], bitOffset: 0, bits: 128)))
        XCTAssertEqual(btf.type(id["ptr"]!)?.details, .ptr(to: id["char"]!))
        XCTAssertEqual(btf.type(id["array"]!)?.details,
                       .array(BTFArray(element: id["char"]!, index: id["int"]!, count: 16)))
        let foo = try XCTUnwrap(btf.type(id["struct"]!))
        XCTAssertEqual(foo.kind, .struct)
        XCTAssertEqual(foo.name, "foo")
        XCTAssertFalse(foo.kindFlag)
        XCTAssertEqual(foo.details, .struct(size: 24, members: [
            BTFMember(name: "a", type: id["int"]!, bitOffset: 0),
            BTFMember(name: "name", type: id["array"]!, bitOffset: 32),
            BTFMember(name: "p", type: id["ptr"]!, bitOffset: 128),
        ]))
        let bits = try XCTUnwrap(btf.type(id["bits"]!))
        XCTAssertTrue(bits.kindFlag)
        XCTAssertEqual(bits.members, [
            BTFMember(name: "x", type: id["u32"]!, bitOffset: 0, bitfieldSize: 3),
            BTFMember(name: "y", type: id["int"]!, bitOffset: 3, bitfieldSize: 7),
        ])
        XCTAssertEqual(btf.type(id["union"]!)?.kind, .union)
        XCTAssertEqual(btf.type(id["union"]!)?.name, "")
        XCTAssertEqual(btf.type(id["enum"]!)?.details, .enum(size: 4, signed: false, values: [
            BTFEnumerator(name: "RED", value: 0), BTFEnumerator(name: "GREEN", value: 5), BTFEnumerator(name: "BLUE", value: 6),
        ]))
        XCTAssertEqual(btf.type(id["senum"]!)?.details, .enum(size: 1, signed: true, values: [
            BTFEnumerator(name: "DOWN", value: -1), BTFEnumerator(name: "UP", value: 1),
        ]))
        XCTAssertEqual(btf.type(id["fwd"]!)?.details, .fwd(union: true))
        XCTAssertEqual(btf.type(id["typedef"]!)?.details, .typedef(id["u32"]!))
        XCTAssertEqual(btf.type(id["volatile"]!)?.details, .volatile(id["typedef"]!))
        XCTAssertEqual(btf.type(id["const"]!)?.details, .const(id["volatile"]!))
        XCTAssertEqual(btf.type(id["restrict"]!)?.details, .restrict(id["ptr"]!))
        XCTAssertEqual(btf.type(id["proto"]!)?.details, .functionProto(returns: id["int"]!, params: [
            BTFParam(name: "ctx", type: id["ptr"]!), BTFParam(name: "n", type: id["u32"]!), BTFParam(name: "", type: 0),
        ]))
        XCTAssertEqual(btf.type(id["func"]!)?.details, .function(proto: id["proto"]!, linkage: .global))
        XCTAssertEqual(btf.type(id["var"]!)?.details, .variable(type: id["int"]!, linkage: .global))
        XCTAssertEqual(btf.type(id["datasec"]!)?.details,
                       .datasec(size: 4, variables: [BTFVarSecInfo(type: id["var"]!, offset: 0, size: 4)]))
        XCTAssertEqual(btf.type(id["float"]!)?.details, .float(size: 8))
        XCTAssertEqual(btf.type(id["decl_tag"]!)?.details, .declTag(target: id["func"]!, componentIndex: 1))
        XCTAssertEqual(btf.type(id["type_tag"]!)?.details, .typeTag(id["int"]!))
        XCTAssertEqual(btf.type(id["type_tag"]!)?.name, "user")
        XCTAssertEqual(btf.type(id["enum64"]!)?.details, .enum64(size: 8, signed: false, values: [
            BTFEnumerator(name: "HUGE", value: Int64(bitPattern: 0xffff_ffff_0000_0001)), BTFEnumerator(name: "ONE", value: 1),
        ]))

        let kinds: [String: BTFKind] = [
            "int": .int, "ptr": .ptr, "array": .array, "struct": .struct, "union": .union, "enum": .enum,
            "fwd": .fwd, "typedef": .typedef, "volatile": .volatile, "const": .const, "restrict": .restrict,
            "func": .function, "proto": .functionProto, "var": .variable, "datasec": .datasec, "float": .float,
            "decl_tag": .declTag, "type_tag": .typeTag, "enum64": .enum64,
        ]
        for (key, kind) in kinds {
            XCTAssertEqual(btf.kind(id[key]!), kind, key)
            XCTAssertEqual(btf.type(id[key]!)?.kind, kind, key)
        }
        XCTAssertEqual(Set(kinds.values).count, BTFKind.allCases.count - 1)
        XCTAssertEqual(BTFKind.functionProto.description, "FUNC_PROTO")
    }

    func testNamesResolveSizeFind() throws {
        let all = allKinds()
        let btf = try BTF(data: all.blob)
        let id = all.ids
        XCTAssertEqual(btf.name(id["struct"]!), "foo")
        XCTAssertEqual(btf.name(id["ptr"]!), "")
        XCTAssertEqual(btf.name(0), "")
        XCTAssertEqual(btf.name(9999), "")

        XCTAssertEqual(btf.resolve(id["const"]!), id["u32"]!)
        XCTAssertEqual(btf.resolve(id["type_tag"]!), id["int"]!)
        XCTAssertEqual(btf.resolve(id["restrict"]!), id["ptr"]!)
        XCTAssertEqual(btf.resolve(id["struct"]!), id["struct"]!)
        XCTAssertEqual(btf.resolve(0), 0)

        let sizes: KeyValuePairs<String, Int?> = [
            "int": 4, "const": 4, "ptr": 8, "array": 16, "matrix": 32, "struct": 24, "enum": 4, "enum64": 8,
            "var": 4, "datasec": 4, "float": 8, "u128": 16, "fwd": nil, "func": nil, "proto": nil,
        ]
        for (key, size) in sizes { XCTAssertEqual(btf.size(id[key]!), size, key) }
        XCTAssertNil(btf.size(0))

        XCTAssertEqual(btf.find(named: "foo"), id["struct"]!)
        XCTAssertEqual(btf.find(named: "foo", kind: .struct), id["struct"]!)
        XCTAssertNil(btf.find(named: "foo", kind: .union))
        XCTAssertEqual(btf.find(named: "color", kind: .enum), id["enum"]!)
        XCTAssertEqual(btf.find(named: "u32"), id["typedef"]!)
        XCTAssertEqual(btf.find(named: "handler", kind: .function), id["func"]!)
        XCTAssertNil(btf.find(named: "fo"))
        XCTAssertNil(btf.find(named: "foox"))
        XCTAssertNil(btf.find(named: ""))
    }

    func testDescribe() throws {
        let all = allKinds()
        let btf = try BTF(data: all.blob)
        let id = all.ids
        let expected: [String: String] = [
            "int": "int", "u32": "unsigned int", "ptr": "char *", "array": "char[16]", "matrix": "char[2][16]",
            "struct": "struct foo", "union": "union (anon)", "enum": "enum color", "enum64": "enum big",
            "fwd": "union later", "typedef": "u32", "volatile": "volatile u32", "const": "const volatile u32",
            "cptr": "const volatile u32 *", "pptr": "char **", "restrict": "char * restrict",
            "constptr": "char * const", "tagptr": "int __user *", "fptr": "int (*)(char *ctx, unsigned int n, ...)",
            "func": "int handler(char *ctx, unsigned int n, ...)", "proto": "int (char *ctx, unsigned int n, ...)",
            "var": "int counter", "datasec": "datasec .data", "float": "double",
        ]
        for (key, text) in expected {
            XCTAssertEqual(btf.describe(id[key]!), text, key)
        }
        XCTAssertEqual(btf.describe(0), "void")
        XCTAssertEqual(btf.describe(9999), "?")
    }

    func testSplitBTF() throws {
        var base = BTFBlobBuilder()
        let int = base.int("int", size: 4, encoding: 1)
        let s = base.composite("base_struct", size: 4, [("v", int, 0, 0)])
        let baseBTF = try BTF(data: base.data())

        var split = BTFBlobBuilder(splitAfterTypes: 2, baseStrings: base.strings.count)
        // Names from the base's strings and from the split's own.
        let ptr = split.raw(nameOff: 0, kind: 2, sizeOrType: s)
        let td = split.raw(nameOff: 1, kind: 8, sizeOrType: int)  // "int" in the base's strings
        let mine = split.composite("module_struct", size: 12, [("b", s, 0, 0), ("p", ptr, 32, 0)])
        let btf = try BTF(data: split.data(), base: baseBTF)

        XCTAssertEqual(ptr, 3)
        XCTAssertEqual(btf.count, 5)
        XCTAssertEqual(btf.firstID, 3)
        XCTAssertEqual(btf.base?.count, 2)
        XCTAssertEqual(btf.name(int), "int")
        XCTAssertEqual(btf.name(td), "int")
        XCTAssertEqual(btf.describe(ptr), "struct base_struct *")
        XCTAssertEqual(btf.find(named: "module_struct"), mine)
        XCTAssertEqual(btf.find(named: "base_struct"), s)
        XCTAssertEqual(btf.type(mine)?.members.map(\.name), ["b", "p"])
        XCTAssertEqual(btf.size(mine), 12)

        // Without the base the same blob is invalid: its strings do not start
        // with "" and its types refer to ids it does not have.
        XCTAssertThrowsError(try BTF(data: split.data()))
    }

    // MARK: - Malformed blobs

    func assertInvalid(_ data: [UInt8], _ fragment: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try BTF(data: data)
            XCTFail("parsed an invalid blob", file: file, line: line)
        } catch {
            XCTAssertEqual(error.operation, "parse BTF", file: file, line: line)
            XCTAssertEqual(error.errno, EINVAL, file: file, line: line)
            if let fragment {
                XCTAssertTrue(error.subject.contains(fragment), "\(error.subject)", file: file, line: line)
            }
        }
    }

    func validBlob() -> [UInt8] {
        var b = BTFBlobBuilder()
        let int = b.int("int", size: 4, encoding: 1)
        _ = b.composite("s", size: 4, [("a", int, 0, 0)])
        return b.data()
    }

    /// Writes a little-endian u32 into a blob.
    func poke(_ data: inout [UInt8], _ at: Int, _ v: UInt32) {
        for i in 0..<4 { data[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
    }

    func testTruncatedHeader() {
        let valid = validBlob()
        for n in 0..<24 { assertInvalid(Array(valid.prefix(n)), "header") }
    }

    func testBadMagicAndVersion() {
        var b = BTFBlobBuilder()
        _ = b.int("int", size: 4)
        assertInvalid(b.data(magic: 0x1234), "bad magic 0x1234")
        assertInvalid(b.data(magic: 0x9FEB), "byte order")
        assertInvalid(b.data(version: 2), "version 2")
    }

    func testSectionBounds() {
        let valid = validBlob()
        var d = valid
        poke(&d, 4, UInt32(valid.count + 1))  // header length past the end
        assertInvalid(d, "header length")
        d = valid
        poke(&d, 12, UInt32(valid.count))  // type_len
        assertInvalid(d, "type section")
        d = valid
        poke(&d, 16, 0xffff_fff0)  // str_off
        assertInvalid(d, "string section")
        d = valid
        poke(&d, 20, 0xffff_ffff)  // str_len
        assertInvalid(d, "string section")
        assertInvalid(Array(valid.dropLast()), "string section")
    }

    func testStringSection() {
        var d = validBlob()
        let strStart = 24 + Int(d[16])
        d[strStart] = UInt8(ascii: "x")
        assertInvalid(d, "empty string")
        d = validBlob()
        d[d.count - 1] = UInt8(ascii: "x")
        assertInvalid(d, "NUL")
    }

    func testNameOffsetOutOfRange() {
        var b = BTFBlobBuilder()
        b.raw(nameOff: 500, kind: 8, sizeOrType: 0)
        assertInvalid(b.data(), "name offset 500")

        b = BTFBlobBuilder()
        let int = b.int("int", size: 4)
        let id = b.composite("s", size: 4, [("a", int, 0, 0)])
        var d = b.data()
        // The member's name_off: after the struct's btf_type.
        poke(&d, 24 + 16 + 12, 9999)
        assertInvalid(d, "member name offset 9999")
        XCTAssertEqual(id, 2)
    }

    func testKindData() {
        var b = BTFBlobBuilder()
        b.raw(nameOff: 0, kind: 20, sizeOrType: 0)
        assertInvalid(b.data(), "unknown kind 20")

        b = BTFBlobBuilder()
        b.raw(nameOff: 0, kind: 0, sizeOrType: 0)
        assertInvalid(b.data(), "unknown kind 0")

        // A struct whose 65535 members run past the type section.
        b = BTFBlobBuilder()
        b.raw(nameOff: 0, kind: 4, vlen: 0xffff, sizeOrType: 4)
        assertInvalid(b.data(), "runs past")

        // A btf_type cut short.
        b = BTFBlobBuilder()
        _ = b.int("int", size: 4)
        b.u32(0)
        assertInvalid(b.data(), "truncated")

        b = BTFBlobBuilder()
        _ = b.int("int", size: 4, bits: 200)
        assertInvalid(b.data(), "INT")
        b = BTFBlobBuilder()
        _ = b.int("int", size: 3)
        assertInvalid(b.data(), "INT")
        b = BTFBlobBuilder()
        _ = b.int("int", size: 4, bits: 8, offset: 30)
        assertInvalid(b.data(), "INT")
        b = BTFBlobBuilder()
        _ = b.int("int", size: 4, encoding: 3)
        assertInvalid(b.data(), "encoding")

        b = BTFBlobBuilder()
        let int = b.int("int", size: 4)
        _ = b.composite("s", size: 4, [("a", int, 0, 200)])
        assertInvalid(b.data(), "bitfield")

        b = BTFBlobBuilder()
        _ = b.declTag("t", 1, component: -2)
        assertInvalid(b.data(), "component")
    }

    func testTypeReferencesOutOfRange() {
        var b = BTFBlobBuilder()
        _ = b.ptr(5)
        assertInvalid(b.data(), "refers to type 5")
        b = BTFBlobBuilder()
        let int = b.int("int", size: 4)
        _ = b.array(int, index: 77, count: 1)
        assertInvalid(b.data(), "refers to type 77")
        b = BTFBlobBuilder()
        _ = b.composite("s", size: 4, [("a", 42, 0, 0)])
        assertInvalid(b.data(), "refers to type 42")
        b = BTFBlobBuilder()
        _ = b.proto(returns: 0, [("a", 0xffff_ffff)])
        assertInvalid(b.data(), "refers to type")
        b = BTFBlobBuilder()
        _ = b.datasec(".bss", size: 4, [(3, 0, 4)])
        assertInvalid(b.data(), "refers to type 3")
    }

    func testTypeCountOverflow() {
        // A type section that claims far more bytes than there are.
        var d = validBlob()
        poke(&d, 12, 0x7fff_fff0)
        assertInvalid(d, "type section")
        // A struct's members running past the end of the section.
        var b = BTFBlobBuilder()
        let int = b.int("int", size: 4)
        _ = b.composite("s", size: 4, [("a", int, 0, 0)])
        d = b.data()
        poke(&d, 24 + 16 + 4, 4 << 24 | 2)  // vlen 2 instead of 1
        assertInvalid(d)
    }

    func testCyclesTerminate() throws {
        var b = BTFBlobBuilder()
        // typedef a -> typedef b -> typedef a; an array of itself; a struct
        // containing itself by value.
        let a = b.raw(nameOff: b.str("a"), kind: 8, sizeOrType: 2)
        let bb = b.raw(nameOff: b.str("b"), kind: 8, sizeOrType: 1)
        let arr = b.array(3, index: 0, count: 2)
        let s = b.composite("loop", size: 4, [("self", 4, 0, 0)])
        let huge = b.array(b.int("long", size: 8), index: 0, count: 0xffff_ffff)
        let huger = b.array(huge, index: 0, count: 0xffff_ffff)
        let btf = try BTF(data: b.data())
        XCTAssertEqual([a, bb, arr, s], [1, 2, 3, 4])
        _ = btf.resolve(a)
        XCTAssertNil(btf.size(a))
        XCTAssertNil(btf.size(arr))
        XCTAssertEqual(btf.size(s), 4)
        XCTAssertEqual(btf.size(huge), 0xffff_ffff * 8)
        XCTAssertNil(btf.size(huger))
        XCTAssertFalse(btf.describe(a).isEmpty)
        XCTAssertFalse(btf.describe(arr).isEmpty)
    }

    /// Every accessor on every id of a blob that parsed.
    func exercise(_ btf: BTF) {
        let accessors: [(UInt32) -> Any] = [btf.type, btf.name, btf.resolve, btf.size, btf.describe, btf.kind]
        for id in 0...UInt32(btf.count + 1) {
            for accessor in accessors { _ = accessor(id) }
        }
        _ = btf.find(named: "int")
        _ = btf.find(named: "s", kind: .struct)
    }

    func testRandomBytesNeverCrash() {
        var rng = SplitMix64(seed: fuzzSeed(0xB7F))
        var parsed = 0
        for _ in 0..<5000 {
            let n = Int.random(in: 0..<200, using: &rng)
            var data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half of them get a plausible header so the type parser runs too.
            if n >= 24 && Bool.random(using: &rng) {
                data[0] = 0x9F; data[1] = 0xEB; data[2] = 1; data[3] = 0
                poke(&data, 4, 24)
                let body = UInt32(n - 24)
                let typeLen = UInt32.random(in: 0...body, using: &rng)
                poke(&data, 8, 0); poke(&data, 12, typeLen)
                poke(&data, 16, typeLen); poke(&data, 20, body - typeLen)
                if body > typeLen { data[24 + Int(typeLen)] = 0; data[n - 1] = 0 }
            }
            if let btf = try? BTF(data: data) {
                parsed += 1
                exercise(btf)
            }
        }
        // Some random type sections are valid (e.g. empty ones).
        XCTAssertGreaterThan(parsed, 0)
    }

    func testMutatedBlobsNeverCrash() {
        let valid = allKinds().blob
        var rng = SplitMix64(seed: fuzzSeed(42))
        var parsed = 0
        for round in 0..<5000 {
            var data = valid
            for _ in 0...(round % 8) {
                let at = Int.random(in: 0..<data.count, using: &rng)
                data[at] = UInt8.random(in: 0...255, using: &rng)
            }
            if round % 50 == 0 { data = Array(data.prefix(Int.random(in: 0..<data.count, using: &rng))) }
            if let btf = try? BTF(data: data) {
                parsed += 1
                exercise(btf)
            }
        }
        XCTAssertGreaterThan(parsed, 100)
    }

    // MARK: - The running kernel

    func testVmlinux() throws {
        guard access("/sys/kernel/btf/vmlinux", R_OK) == 0 else {
            throw XCTSkip("no /sys/kernel/btf/vmlinux")
        }
        let btf = try BTF.vmlinux()
        XCTAssertTrue(btf.isKernel)
        XCTAssertEqual(btf.objectName, "vmlinux")
        XCTAssertGreaterThan(btf.count, 10_000)

        let task = try XCTUnwrap(btf.find(named: "task_struct", kind: .struct))
        XCTAssertEqual(btf.describe(task), "struct task_struct")
        XCTAssertGreaterThan(btf.size(task) ?? 0, 1000)
        let members = try XCTUnwrap(btf.type(task)).members
        XCTAssertTrue(members.contains { $0.name == "pid" })
        XCTAssertTrue(members.contains { $0.name == "comm" })
        let comm = try XCTUnwrap(members.first { $0.name == "comm" })
        XCTAssertEqual(btf.describe(comm.type), "char[16]")

        let mapType = try XCTUnwrap(btf.find(named: "bpf_map_type", kind: .enum))
        guard case .enum(let size, _, let values)? = btf.type(mapType)?.details else {
            return XCTFail("bpf_map_type is not an enum")
        }
        XCTAssertEqual(size, 4)
        XCTAssertEqual(values.first { $0.name == "BPF_MAP_TYPE_HASH" }?.value, 1)
        XCTAssertEqual(btf.describe(mapType), "enum bpf_map_type")

        if let u32 = btf.find(named: "u32", kind: .typedef) {
            XCTAssertEqual(btf.describe(btf.resolve(u32)), "unsigned int")
            XCTAssertEqual(btf.size(u32), 4)
        }
    }

    func testVmlinuxMissingFile() {
        XCTAssertThrowsError(try BTF.vmlinux(path: "/nonexistent/vmlinux")) { error in
            XCTAssertEqual((error as? BPFError)?.errno, ENOENT)
        }
    }
}

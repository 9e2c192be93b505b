import BPFKit
import CLibBPF
import Formatting
import Foundation
import XCTest

/// Loads Fixtures/btf_maps.bpf.c (compiled by Fixture with the toolchain's
/// clang), writes known entries into its BTF-typed maps, and checks that the
/// map's own BTF (BTF.load(id:) of the map's btf_id) formats them exactly as
/// expected and as `bpftool map dump -j` does in its "formatted" field.
///
/// The fixture lives in a hidden directory: a .c file anywhere else under
/// Tests/IntegrationTests makes SwiftPM reject the target as mixed-language.
final class BTFMapFormatTests: BPFTestCase {
    // MARK: - Fixture

    /// The compiled object, once per test process.
    nonisolated(unsafe) private static var compiled: Result<[UInt8], Error>?

    private func fixtureObject() throws -> [UInt8] {
        if Self.compiled == nil {
            Self.compiled = Result { try Self.compile() }
        }
        switch Self.compiled! {
        case .success(let bytes):
            return bytes
        case .failure(let error):
            XCTFail("\(error)")
            throw error
        }
    }

    private static func compile() throws -> [UInt8] {
        try Fixture.compile("btf_maps.bpf.c")
    }

    private func loadFixture() throws -> BPFObject {
        let object = try BPFObject(elf: try fixtureObject(), name: "btf_maps")
        do {
            try object.load()
        } catch {
            XCTFail("\(error)\n\(error.log ?? "")")
            throw error
        }
        return object
    }

    /// (map id, btf_id, btf_key_type_id, btf_value_type_id) from BPF_OBJ_GET_INFO_BY_FD.
    private func btfIDs(ofMap fd: Int32) throws -> (map: UInt32, btf: UInt32, key: UInt32, value: UInt32) {
        var info = bpf_map_info()
        var len = UInt32(MemoryLayout<bpf_map_info>.size)
        XCTAssertEqual(bpf_obj_get_info_by_fd(fd, &info, &len), 0, String(cString: strerror(errno)))
        return (info.id, info.btf_id, info.btf_key_type_id, info.btf_value_type_id)
    }

    private func update(_ fd: Int32, key: [UInt8], value: [UInt8]) {
        let rc = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                bpf_map_update_elem(fd, k.baseAddress, v.baseAddress, UInt64(BPF_ANY))
            }
        }
        XCTAssertEqual(rc, 0, "bpf_map_update_elem: \(String(cString: strerror(errno)))")
    }

    private static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    // MARK: - bpftool

    private var bpftoolPath: String? {
        ["/usr/sbin/bpftool", "/usr/bin/bpftool", "/sbin/bpftool"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// The "formatted" texts of `bpftool map dump id N -j`, in entry order,
    /// as raw JSON text: bpftool's output is not always valid JSON (floats).
    private func bpftoolFormatted(mapID: UInt32) throws -> [String]? {
        guard let path = bpftoolPath else { return nil }
        let result = try runCommand(path, ["map", "dump", "id", "\(mapID)", "-j"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = result.text
        var pieces: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: "\"formatted\":") {
            let after = rest[range.upperBound...]
            // Up to the end of this entry: "}}" closes formatted and the entry
            // object; the next entry starts with ",{".
            let end = after.range(of: "},{\"key\":")?.lowerBound ?? after.range(of: "}]", options: .backwards)?.lowerBound
            let piece = end.map { after[..<$0] } ?? after
            pieces.append(String(piece))
            rest = after
        }
        return pieces
    }

    /// Compares our JSON of an entry with bpftool's. Where bpftool 7.x meets
    /// a float it writes "(unsupported-kind" and stops the struct: then the
    /// texts must agree up to that member.
    /// BTF floats are 5.13's: before, libbpf loads the fixture's float as a
    /// member-less struct of its size, which bpfnav shows as bytes.
    static let btfFloats = KernelVersion(5, 13)
    static var kernelHasFloats: Bool {
        KernelVersion(release: RunningKernel.release).map { $0 >= btfFloats } ?? true
    }

    /// `expected` as this kernel's BTF lets it be formatted.
    static func kernelsView(_ expected: BTFValue, ratio: Float) -> BTFValue {
        guard !kernelHasFloats, case .object(let members) = expected else { return expected }
        return .object(members.map { $0.0 == "ratio" ? ("ratio", .raw(le(ratio.bitPattern))) : $0 })
    }

    static func ratioJSON(_ ratio: Float) -> String {
        if kernelHasFloats { return "\(ratio)" }
        return "[" + le(ratio.bitPattern).map { "\"0x" + String(format: "%02x", $0) + "\"" }.joined(separator: ",") + "]"
    }

    private func assertMatchesBpftool(_ ours: String, _ theirs: String, file: StaticString = #filePath, line: UInt = #line) {
        if ours == theirs { return }
        if !Self.kernelHasFloats, let empty = theirs.range(of: "\"ratio\":{}"),
           let bytes = ours.range(of: #""ratio":\[[^]]*\]"#, options: .regularExpression) {
            // bpftool prints the member-less struct as {}; the rest agrees.
            XCTAssertEqual(ours.replacingCharacters(in: bytes, with: "\"ratio\":{}"), theirs, file: file, line: line)
            _ = empty
            return
        }
        if let broken = theirs.range(of: "(unsupported-kind") {
            let prefix = String(theirs[..<broken.lowerBound])
            XCTAssertTrue(ours.hasPrefix(prefix), "ours:    \(ours)\nbpftool: \(theirs)", file: file, line: line)
            XCTAssertTrue(prefix.hasSuffix("\"ratio\":"), "bpftool stopped at \(prefix)", file: file, line: line)
            return
        }
        XCTAssertEqual(ours, theirs, file: file, line: line)
    }

    // MARK: - Expected values

    private static let key7: [UInt8] = le(UInt32(7)) + Array("web".utf8) + [0, 0, 0, 0, 0]

    /// struct value { in {a 0x1234, b -2}, name "bpfnav" (then "AB" after
    /// the NUL), c GREEN, flag 5, level 19, neg -3, ratio 0.5, on, big }
    private static let value1: [UInt8] = [0x34, 0x12, 0xfe, 0xff] + Array("bpfnav\0AB".utf8)
        + [UInt8](repeating: 0, count: 7) + le(UInt32(5)) + [0x9d, 0x0d, 0, 0]
        + le(Float(0.5).bitPattern) + [1, 0, 0, 0, 0, 0, 0, 0] + le(UInt64(0x1122_3344_5566_7788))

    /// Edge cases: a name with a non-printable byte (numbers), no enumerator
    /// for 0xffffffff, all-ones bitfields, a negative float, false, 2^64-1.
    private static let value2: [UInt8] = [0, 0, 0, 0x80] + Array("ok".utf8) + [0xc3, 0]
        + [UInt8](repeating: 0x41, count: 12) + le(UInt32.max) + [0xff, 0x0f, 0, 0]
        + le(Float(-1.25).bitPattern) + [0, 0, 0, 0, 0, 0, 0, 0] + le(UInt64.max)

    private static let expected1 = BTFValue.object([
        ("in", .object([("a", .uint(0x1234)), ("b", .int(-2))])),
        ("name", .string("bpfnav")),
        ("c", .enumerator("GREEN")),
        ("flag", .hexString("0x5")),
        ("level", .hexString("0x13")),
        ("neg", .hexString("0xd")),
        ("ratio", .float(0.5)),
        ("on", .bool(true)),
        ("big", .uint(0x1122_3344_5566_7788)),
    ])

    private static let expected2 = BTFValue.object([
        ("in", .object([("a", .uint(0)), ("b", .int(-32768))])),
        ("name", .array([111, 107, -61, 0, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65, 65].map { .int($0) })),
        ("c", .int(-1)),
        ("flag", .hexString("0x7")),
        ("level", .hexString("0x1f")),
        ("neg", .hexString("0xf")),
        ("ratio", .float(-1.25)),
        ("on", .bool(false)),
        ("big", .uint(UInt64.max)),
    ])

    // MARK: - Tests

    func testHashMapKeyAndValue() throws {
        let object = try loadFixture()
        let fd = try object.mapFD("values_hash")
        update(fd, key: Self.key7, value: Self.value1)
        let ids = try btfIDs(ofMap: fd)
        XCTAssertNotEqual(ids.btf, 0, "the map has no BTF")

        let btf = try BTF.load(id: ids.btf)
        XCTAssertEqual(btf.id, ids.btf)
        XCTAssertFalse(btf.isKernel)
        XCTAssertEqual(btf.describe(ids.key), "struct key")
        XCTAssertEqual(btf.describe(ids.value), "struct value")
        XCTAssertEqual(btf.size(ids.key), 12)
        XCTAssertEqual(btf.size(ids.value), 48)
        let color = try XCTUnwrap(btf.find(named: "color", kind: .enum))
        XCTAssertEqual(btf.type(color)?.details, .enum(size: 4, signed: false, values: [
            BTFEnumerator(name: "RED", value: 0), BTFEnumerator(name: "GREEN", value: 5), BTFEnumerator(name: "BLUE", value: 6),
        ]))

        let key = BTFFormatter.format(Self.key7, type: ids.key, btf: btf)
        XCTAssertEqual(key, .object([("id", .uint(7)), ("tag", .string("web"))]))
        let value = BTFFormatter.format(Self.value1, type: ids.value, btf: btf)
        XCTAssertEqual(value, Self.kernelsView(Self.expected1, ratio: 0.5))
        let ours = "{\"key\":\(BTFFormatter.json(key)),\"value\":\(BTFFormatter.json(value))}"
        XCTAssertEqual(ours, #"{"key":{"id":7,"tag":"web"},"value":{"in":{"a":4660,"b":-2},"name":"bpfnav","c":"GREEN","flag":"0x5","level":"0x13","neg":"0xd","ratio":"#
                       + Self.ratioJSON(0.5) + #","on":true,"big":1234605616436508552}}"#)

        XCTAssertEqual(BTFFormatter.format(Self.value1, type: ids.value, btf: btf, style: .typed), Self.kernelsView(.object([
            ("in", .object([("a", .uint(0x1234)), ("b", .int(-2))])),
            ("name", .string("bpfnav")), ("c", .enumerator("GREEN")),
            ("flag", .uint(5)), ("level", .uint(19)), ("neg", .int(-3)),
            ("ratio", .float(0.5)), ("on", .bool(true)), ("big", .uint(0x1122_3344_5566_7788)),
        ]), ratio: 0.5))

        guard let theirs = try bpftoolFormatted(mapID: ids.map) else { throw XCTSkip("needs bpftool for the cross-check") }
        XCTAssertEqual(theirs.count, 1)
        assertMatchesBpftool(ours, theirs.first ?? "")
    }

    func testArrayMapEntries() throws {
        let object = try loadFixture()
        let fd = try object.mapFD("values_array")
        update(fd, key: Self.le(UInt32(0)), value: Self.value1)
        update(fd, key: Self.le(UInt32(1)), value: Self.value2)
        let ids = try btfIDs(ofMap: fd)
        let btf = try BTF.load(id: ids.btf)
        XCTAssertEqual(btf.describe(ids.key), "__u32")

        let entries = [(UInt32(0), Self.value1, Self.kernelsView(Self.expected1, ratio: 0.5)),
                       (1, Self.value2, Self.kernelsView(Self.expected2, ratio: -1.25))]
        var ours: [String] = []
        for (index, bytes, expected) in entries {
            let key = BTFFormatter.format(Self.le(index), type: ids.key, btf: btf)
            XCTAssertEqual(key, .uint(UInt64(index)))
            let value = BTFFormatter.format(bytes, type: ids.value, btf: btf)
            XCTAssertEqual(value, expected)
            ours.append("{\"key\":\(BTFFormatter.json(key)),\"value\":\(BTFFormatter.json(value))}")
        }
        XCTAssertEqual(ours[1], #"{"key":1,"value":{"in":{"a":0,"b":-32768},"name":[111,107,-61,0,65,65,65,65,65,65,65,65,65,65,65,65],"c":-1,"flag":"0x7","level":"0x1f","neg":"0xf","ratio":"# + Self.ratioJSON(-1.25)
                       + #","on":false,"big":18446744073709551615}}"#)

        guard let theirs = try bpftoolFormatted(mapID: ids.map) else { throw XCTSkip("needs bpftool for the cross-check") }
        XCTAssertEqual(theirs.count, 2)
        for (mine, bpftool) in zip(ours, theirs) { assertMatchesBpftool(mine, bpftool) }
    }

    func testAnonymousUnionAndTypedefArray() throws {
        let object = try loadFixture()
        let fd = try object.mapFD("tagged_array")
        let bytes: [UInt8] = Self.le(UInt32(1)) + Array("ABC\0".utf8) + [0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0xff, 0]
        update(fd, key: Self.le(UInt32(0)), value: bytes)
        let ids = try btfIDs(ofMap: fd)
        let btf = try BTF.load(id: ids.btf)

        let value = BTFFormatter.format(bytes, type: ids.value, btf: btf)
        XCTAssertEqual(value, .object([
            ("kind", .uint(1)),
            ("", .object([("number", .uint(0x0043_4241)), ("text", .string("ABC"))])),
            ("mac", .array([222, 173, 190, 239, 0, 1].map { .uint($0) })),
            ("delta", .int(-1)),
        ]))
        let ours = "{\"key\":0,\"value\":\(BTFFormatter.json(value))}"
        XCTAssertEqual(ours, #"{"key":0,"value":{"kind":1,"":{"number":4407873,"text":"ABC"},"mac":[222,173,190,239,0,1],"delta":-1}}"#)
        XCTAssertEqual(BTFFormatter.format(bytes, type: ids.value, btf: btf, style: .typed), .object([
            ("kind", .uint(1)), ("number", .uint(0x0043_4241)), ("text", .string("ABC")),
            ("mac", .array([222, 173, 190, 239, 0, 1].map { .uint($0) })), ("delta", .int(-1)),
        ]))

        guard let theirs = try bpftoolFormatted(mapID: ids.map) else { throw XCTSkip("needs bpftool for the cross-check") }
        XCTAssertEqual(theirs, [ours])
    }

    func testGlobalDataSections() throws {
        let object = try loadFixture()
        let data = try object.mapFD(".data")
        // counter = 123, greeting = "hello"
        let bytes = Self.le(Int32(123)) + Array("hello\0\0\0".utf8)
        update(data, key: Self.le(UInt32(0)), value: bytes)

        let ids = try btfIDs(ofMap: data)
        XCTAssertEqual(ids.key, 0, "libbpf gives global data maps no key type")
        let btf = try BTF.load(id: ids.btf)
        XCTAssertEqual(btf.kind(ids.value), .datasec)
        XCTAssertEqual(btf.describe(ids.value), "datasec .data")
        let value = BTFFormatter.format(bytes, type: ids.value, btf: btf)
        XCTAssertEqual(value, .object([(".data", .array([
            .object([("counter", .int(123))]), .object([("greeting", .string("hello"))]),
        ]))]))
        XCTAssertEqual(BTFFormatter.format(bytes, type: ids.value, btf: btf, style: .typed),
                       .object([("counter", .int(123)), ("greeting", .string("hello"))]))
        let ours = "{\"value\":\(BTFFormatter.json(value))}"
        XCTAssertEqual(ours, #"{"value":{".data":[{"counter":123},{"greeting":"hello"}]}}"#)

        // .rodata was frozen by the loader with limit = -42; .bss is zeroes.
        let rodata = try object.mapFD(".rodata")
        let roIDs = try btfIDs(ofMap: rodata)
        var ro = [UInt8](repeating: 0, count: 4)
        XCTAssertEqual(ro.withUnsafeMutableBytes { bpf_map_lookup_elem(rodata, Self.le(UInt32(0)), $0.baseAddress) }, 0)
        let roValue = BTFFormatter.format(ro, type: roIDs.value, btf: btf)
        XCTAssertEqual(BTFFormatter.json(roValue), #"{".rodata":[{"limit":-42}]}"#)
        let bss = try object.mapFD(".bss")
        let bssIDs = try btfIDs(ofMap: bss)
        XCTAssertEqual(BTFFormatter.json(BTFFormatter.format([UInt8](repeating: 0, count: 8), type: bssIDs.value, btf: btf)),
                       #"{".bss":[{"zeroed":0}]}"#)

        guard let theirs = try bpftoolFormatted(mapID: ids.map) else { throw XCTSkip("needs bpftool for the cross-check") }
        XCTAssertEqual(theirs, [ours])
        XCTAssertEqual(try bpftoolFormatted(mapID: roIDs.map), ["{\"value\":\(BTFFormatter.json(roValue))}"])
    }

    /// Whether BTF object `id` is the kernel's, and its name.
    private func kernelBTFName(_ id: UInt32) -> (Bool, String)? {
        guard let fd = try? BPFObjectKind.btf.open(id) else { return nil }
        let raw = fd.raw
        var info = bpf_btf_info()
        var name = [UInt8](repeating: 0, count: 64)
        var len = UInt32(MemoryLayout<bpf_btf_info>.size)
        let rc = name.withUnsafeMutableBufferPointer { buf in
            info.name = UInt64(UInt(bitPattern: buf.baseAddress))
            info.name_len = UInt32(buf.count)
            return bpf_obj_get_info_by_fd(raw, &info, &len)
        }
        guard rc == 0 else { return nil }
        return (info.kernel_btf != 0, String(decoding: name.prefix { $0 != 0 }, as: UTF8.self))
    }

    func testKernelBTFByID() throws {
        // vmlinux's own BTF object, found by name among the kernel's BTF ids.
        var vmlinuxID: UInt32?
        for id in try BPFObjectKind.btf.ids() {
            guard let (kernel, name) = kernelBTFName(id) else { continue }
            if kernel, name == "vmlinux" {
                vmlinuxID = id
                break
            }
        }
        // vmlinux's BTF has an id, and BTF info a name, from 5.11 ("bpf:
        // Assign ID to vmlinux BTF and return extra info for BTF in
        // GET_OBJ_INFO"); before, only BTF loaded by programs has ids.
        if let kernel = KernelVersion(release: RunningKernel.release), kernel < KernelVersion(5, 11) {
            XCTAssertNil(vmlinuxID, "Linux \(kernel) listed vmlinux's BTF by id")
            print("vmlinux BTF ids need Linux 5.11; this is \(RunningKernel.release)")
            return
        }
        let id = try XCTUnwrap(vmlinuxID, "no BTF object named vmlinux")
        let btf = try BTF.load(id: id)
        XCTAssertTrue(btf.isKernel)
        XCTAssertEqual(btf.objectName, "vmlinux")
        XCTAssertEqual(btf.id, id)
        let file = try BTF.vmlinux()
        XCTAssertEqual(btf.count, file.count)
        XCTAssertNotNil(btf.find(named: "task_struct", kind: .struct))
    }

    func testModuleBTFIsSplitOnVmlinux() throws {
        var moduleID: UInt32?
        for id in try BPFObjectKind.btf.ids() {
            guard let (kernel, name) = kernelBTFName(id) else { continue }
            if kernel, name != "vmlinux" {
                moduleID = id
                break
            }
        }
        if let kernel = KernelVersion(release: RunningKernel.release), kernel < KernelVersion(5, 11) {
            XCTAssertNil(moduleID, "Linux \(kernel) listed a module's BTF")
            return print("module BTF needs Linux 5.11; this is \(RunningKernel.release)")
        }
        guard let id = moduleID else { throw XCTSkip("no kernel module with BTF is loaded") }
        let vmlinux = try BTF.vmlinux()
        let btf = try BTF.load(id: id, base: vmlinux)
        XCTAssertTrue(btf.isKernel)
        XCTAssertEqual(btf.firstID, UInt32(vmlinux.count + 1))
        XCTAssertGreaterThanOrEqual(btf.count, vmlinux.count)
        for typeID in btf.firstID...UInt32(btf.count) {
            _ = btf.describe(typeID)
        }
    }
}

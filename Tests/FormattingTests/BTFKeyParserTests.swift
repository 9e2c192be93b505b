import BPFKit
import Formatting
import TestSupport
import XCTest

/// Typed keys (`=` in the browser) made into bytes by their BTF types.
final class BTFKeyParserTests: XCTestCase {
    /// u32 (1), int (2), char (3), char[16] (4), struct key {u32 pid; char comm[16];} (5),
    /// enum color (6), struct pair {struct key k; enum color c; unsigned flag:3, level:5;} (7),
    /// u16 (8), __u32 typedef (9), u16[3] (10), _Bool (11)
    private func btf() throws -> BTF {
        var b = BTFBlobBuilder()
        let u32 = b.int("unsigned int", size: 4)
        let int = b.int("int", size: 4, encoding: 1)
        let char = b.int("char", size: 1, encoding: 1)
        let comm = b.array(char, index: int, count: 16)
        let key = b.composite("key", size: 20, [("pid", u32, 0, 0), ("comm", comm, 32, 0)])
        let color = b.enumeration("color", [("RED", 0), ("GREEN", 5)])
        _ = b.composite("pair", size: 28, [("k", key, 0, 0), ("c", color, 160, 0), ("flag", u32, 192, 3),
                                           ("level", u32, 195, 5)])
        let u16 = b.int("unsigned short", size: 2)
        _ = b.typedef("__u32", u32)
        _ = b.array(u16, index: int, count: 3)
        _ = b.int("_Bool", size: 1, encoding: 4)
        return try BTF(data: b.data())
    }

    private func parse(_ text: String, _ type: UInt32, size: Int) throws -> [UInt8] {
        try BTFKeyParser.parse(text, size: size, type: type, btf: try btf())
    }

    private func failure(_ text: String, _ type: UInt32, size: Int) throws -> String {
        do {
            let bytes = try parse(text, type, size: size)
            XCTFail("'\(text)' parsed as \(bytes)")
            return ""
        } catch let failure as BTFKeyParser.Failure {
            return failure.description
        }
    }

    private func comm(_ text: String) -> [UInt8] { Array(text.utf8) + Array(repeating: 0, count: 16 - text.utf8.count) }

    func testIntegers() throws {
        XCTAssertEqual(try parse("42", 1, size: 4), [42, 0, 0, 0])
        XCTAssertEqual(try parse("0x2a", 9, size: 4), [42, 0, 0, 0], "through the typedef")
        XCTAssertEqual(try parse(" 0X1_0000 ", 1, size: 4), [0, 0, 1, 0])
        XCTAssertEqual(try parse("-1", 2, size: 4), [0xff, 0xff, 0xff, 0xff])
        XCTAssertEqual(try parse("-1", 1, size: 4), [0xff, 0xff, 0xff, 0xff], "two's complement")
        XCTAssertEqual(try parse("65535", 8, size: 2), [0xff, 0xff])
        XCTAssertEqual(try failure("65536", 8, size: 2), "65536 does not fit the key (2 bytes)")
        XCTAssertEqual(try failure("pid", 1, size: 4), "'pid' is not a number for the key (42, 0x2a, -1)")
        XCTAssertEqual(try parse("true", 11, size: 1), [1])
    }

    func testHexBytesAlways() throws {
        XCTAssertEqual(try parse("2a 00 00 00", 1, size: 4), [42, 0, 0, 0])
        XCTAssertEqual(try failure("2a 00", 1, size: 4), "2 hex bytes typed; the map's keys have 4")
        XCTAssertEqual(try parse("2A 00 00 00", 0, size: 4), [42, 0, 0, 0])
    }

    func testStructsByMember() throws {
        XCTAssertEqual(try parse("comm=python3", 5, size: 20), [0, 0, 0, 0] + comm("python3"))
        XCTAssertEqual(try parse("pid=1,comm=x", 5, size: 20), [1, 0, 0, 0] + comm("x"))
        XCTAssertEqual(try parse("comm = \"a,b\" , pid = 0x10", 5, size: 20), [16, 0, 0, 0] + comm("a,b"))
        XCTAssertEqual(try parse("{\"pid\":7,\"comm\":\"bash\"}", 5, size: 20), [7, 0, 0, 0] + comm("bash"),
                       "as the table's JSON shows it")
        XCTAssertEqual(try parse("7, bash", 5, size: 20), [7, 0, 0, 0] + comm("bash"), "in member order")
        XCTAssertEqual(try failure("uid=1", 5, size: 20), "the key has no member 'uid' (it has pid, comm)")
        XCTAssertEqual(try failure("comm=\(String(repeating: "x", count: 17))", 5, size: 20),
                       "'\(String(repeating: "x", count: 17))' is 17 bytes; comm holds 16")
        XCTAssertEqual(try failure("pid=x", 5, size: 20), "'x' is not a number for pid (42, 0x2a, -1)")
    }

    func testNestedMembersEnumsAndBitfields() throws {
        let pair = try parse("k.pid=2,k.comm=sh,c=GREEN,flag=5,level=3", 7, size: 28)
        XCTAssertEqual(Array(pair[0..<20]), [2, 0, 0, 0] + comm("sh"))
        XCTAssertEqual(Array(pair[20..<24]), [5, 0, 0, 0])
        // flag:3 at bit 192, level:5 at bit 195: 0b00011_101.
        XCTAssertEqual(pair[24], 0b0001_1101)
        XCTAssertEqual(try parse("c=5", 7, size: 28)[20], 5)
        XCTAssertEqual(try failure("flag=8", 7, size: 28), "8 does not fit flag (3 bits)")
        XCTAssertTrue(try failure("c=BLUE", 7, size: 28).contains("neither a number nor an enumerator"))
    }

    func testArrays() throws {
        XCTAssertEqual(try parse("[1,2,3]", 10, size: 6), [1, 0, 2, 0, 3, 0])
        XCTAssertEqual(try parse("1, 2", 10, size: 6), [1, 0, 2, 0, 0, 0])
        XCTAssertEqual(try failure("[1,2,3,4]", 10, size: 6), "4 elements typed; the key holds 3")
    }

    func testWithoutBTF() throws {
        XCTAssertEqual(try BTFKeyParser.parse("0x2a", size: 8, type: 0, btf: nil), [42, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try BTFKeyParser.parse("01 02 03", size: 3, type: 0, btf: nil), [1, 2, 3])
        XCTAssertThrowsError(try BTFKeyParser.parse("5", size: 3, type: 0, btf: nil)) { error in
            XCTAssertEqual("\(error)", "the map has no key type (BTF): type the key's 3 bytes in hex, as 2a 00 00")
        }
        XCTAssertThrowsError(try BTFKeyParser.parse("", size: 4, type: 0, btf: nil)) { error in
            XCTAssertEqual("\(error)", "type a key: 42, 0x2a or 2a 00 00 00")
        }
    }
}

import BPFKit
@testable import ObjectModel
import XCTest

/// What dump entries of prog arrays, devmaps, cpumaps and maps of maps
/// name, decoded from value bytes alone.
final class MapValueTargetsTests: XCTestCase {
    /// The fields as "key=value" text, program names from a table.
    private func fields(_ reference: MapValueReference, _ words: [UInt32], extraBytes: [UInt8] = []) -> [String] {
        let names: [UInt32: String] = [12: "tail_call", 13: "xdp_redirect"]
        let bytes = words.flatMap { withUnsafeBytes(of: $0) { Array($0) } } + extraBytes
        return bytes.withUnsafeBytes { value in
            MapValueTargets.fields(reference, value) { names[$0] }.map { key, value in
                switch value {
                case .unsigned(let n): "\(key)=\(n)"
                case .string(let s): "\(key)=\(s)"
                default: "\(key)=?"
                }
            }
        }
    }

    func testEachReferenceKind() {
        let cases: [(MapValueReference, [UInt32], [String])] = [
            (.none, [5], []),
            (.mapID, [77], ["inner_map_id=77"]),
            (.programID, [12], ["prog_id=12", "prog_name=tail_call"]),
            // A program that is gone has an id and no name.
            (.programID, [99], ["prog_id=99"]),
            // struct bpf_devmap_val, and a bare ifindex.
            (.device, [3, 13], ["ifindex=3", "prog_id=13", "prog_name=xdp_redirect"]),
            (.device, [3, 0], ["ifindex=3", "prog_id=0"]),
            (.device, [3], ["ifindex=3"]),
            // struct bpf_cpumap_val, and a bare queue size.
            (.cpu, [2048, 13], ["qsize=2048", "prog_id=13", "prog_name=xdp_redirect"]),
            (.cpu, [192], ["qsize=192"]),
        ]
        for (reference, words, expected) in cases {
            XCTAssertEqual(fields(reference, words), expected, "\(reference) \(words)")
        }
    }

    func testShortValuesGiveNothingTheyDoNotHold() {
        XCTAssertEqual(fields(.mapID, [], extraBytes: [1, 2]), [])
        XCTAssertEqual(fields(.device, [], extraBytes: [1]), [])
        // A devmap value of 6 bytes: the ifindex, no whole program id.
        XCTAssertEqual(fields(.device, [4], extraBytes: [1, 2]), ["ifindex=4"])
    }

    func testValueReferenceOfMapTypes() {
        let expected: [(MapType, MapValueReference)] = [
            (.progArray, .programID), (.devmap, .device), (.devmapHash, .device), (.cpumap, .cpu),
            (.arrayOfMaps, .mapID), (.hashOfMaps, .mapID), (.hash, .none), (.structOps, .none),
        ]
        for (type, reference) in expected {
            XCTAssertEqual(MapInfo(id: 1, type: type.rawValue).valueReference, reference, "\(type)")
        }
    }

    /// struct_ops maps: the value through vmlinux's type, no key type (as
    /// bpftool picks them); other maps: their own types.
    func testStructOpsValuesAreFormattedThroughVmlinuxTypes() {
        var info = MapInfo(id: 1, type: MapType.structOps.rawValue, btfID: 9)
        info.btfKeyTypeID = 3
        info.btfValueTypeID = 4
        XCTAssertEqual(info.keyTypeIDForFormatting, 3)
        XCTAssertEqual(info.valueTypeIDForFormatting, 4)
        info.btfVmlinuxValueTypeID = 70_000
        XCTAssertTrue(info.valueInVmlinuxBTF)
        XCTAssertEqual(info.keyTypeIDForFormatting, 0)
        XCTAssertEqual(info.valueTypeIDForFormatting, 70_000)
        XCTAssertNil(MapContents.undumpableReason(type: MapType.structOps.rawValue), "struct_ops maps dump")
    }
}

import BPFKit
@testable import ObjectModel
import XCTest

/// The fields added for bpftool parity, as the presentations give them:
/// present where the kernel gave them, omitted where it did not.
final class ParityFieldPresentationTests: XCTestCase {
    func testOrphanedIsPresentedForEveryProgram() {
        var info = ProgramInfo(id: 4, type: 0)
        let field = ProgramEntry.presentation.json.first { "\($0.key)" == "orphaned" }
        guard case .bool(false)? = field?.value(ProgramEntry(info: info)) else { return XCTFail("orphaned: false") }
        info.orphaned = true
        guard case .bool(true)? = field?.value(ProgramEntry(info: info)) else { return XCTFail("orphaned: true") }
    }

    func testMapExtraOnlyWhereTheKernelGaveIt() {
        var info = MapInfo(id: 1, type: 0)
        let field = MapEntry.presentation.json.first { "\($0.key)" == "map_extra" }
        XCTAssertNil(field?.value(MapEntry(info: info)), "before 5.16: omitted")
        info.mapExtra = 3
        guard case .unsigned(3)? = field?.value(MapEntry(info: info)) else { return XCTFail("map_extra: 3") }
    }
}

import BPFKit
@testable import Iterators
import XCTest

final class OwnObjectsTests: XCTestCase {
    func testFreedObjectsAreForgottenButNotThoseNotedDuringTheListing() {
        // Ids far above any a kernel has given out, so nothing else in the
        // test process collides with them.
        let gone = BPFObjectRef.program(4_000_000_001)
        let alive = BPFObjectRef.program(4_000_000_002)
        OwnObjects.note(gone)
        OwnObjects.note(alive)
        let mark = OwnObjects.mark
        // Loaded while the listing ran: it may be missing from it.
        let late = BPFObjectRef.program(4_000_000_003)
        OwnObjects.note(late)
        OwnObjects.forget(notIn: [alive], notedBefore: mark)
        let all = OwnObjects.all
        XCTAssertFalse(all.contains(gone), "noted before the listing and not in it: freed")
        XCTAssertTrue(all.contains(alive))
        XCTAssertTrue(all.contains(late), "noted after the listing began")
    }
}

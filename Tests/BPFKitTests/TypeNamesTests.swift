import CLibBPF
import XCTest
@testable import BPFKit

/// The four name tables are keyed by the uapi header's constants; a value
/// past them reads as its number, as bpftool does.
final class TypeNamesTests: XCTestCase {
    func testNamesByConstant() {
        XCTAssertEqual(ProgramType.name(BPF_PROG_TYPE_SCHED_CLS.rawValue), "sched_cls")
        XCTAssertEqual(ProgramType.name(BPF_PROG_TYPE_NETFILTER.rawValue), "netfilter")
        XCTAssertEqual(MapType.name(BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE.rawValue), "percpu_cgroup_storage")
        XCTAssertEqual(MapType.name(BPF_MAP_TYPE_ARENA.rawValue), "arena")
        XCTAssertEqual(LinkType.name(BPF_LINK_TYPE_SOCKMAP.rawValue), "sockmap")
        XCTAssertEqual(AttachType.name(BPF_TRACE_ITER.rawValue), "trace_iter")
        XCTAssertEqual(AttachType.name(BPF_TRACE_UPROBE_SESSION.rawValue), "trace_uprobe_session")
    }

    func testUnnamedValuesAreNumbers() {
        XCTAssertEqual(ProgramType.name(1000), "type_1000")
        XCTAssertEqual(MapType.name(1000), "type_1000")
        XCTAssertEqual(LinkType.name(1000), "type_1000")
        XCTAssertEqual(AttachType.name(1000), "attach_type_1000")
        XCTAssertEqual(CgroupIterOrder.name(BPF_CGROUP_ITER_ANCESTORS_UP.rawValue), "ancestors_up")
        XCTAssertEqual(CgroupIterOrder.name(1000), "order_1000")
    }

    /// Every value from 0 to the last named one has a name: a table with a
    /// gap would print a number between two names.
    func testTablesHaveNoGaps() {
        let tables: [(String, (UInt32) -> String, UInt32)] = [
            ("type_", ProgramType.name, BPF_PROG_TYPE_NETFILTER.rawValue),
            ("type_", MapType.name, BPF_MAP_TYPE_ARENA.rawValue),
            ("type_", LinkType.name, BPF_LINK_TYPE_SOCKMAP.rawValue),
            ("attach_type_", AttachType.name, BPF_TRACE_UPROBE_SESSION.rawValue),
        ]
        for (unnamed, name, last) in tables {
            for value in 0...last {
                XCTAssertNotEqual(name(value), unnamed + String(value))
            }
        }
    }

    func testLinkInfoBufferHoldsEveryMemberRead() {
        XCTAssertGreaterThanOrEqual(LinkInfo.bufferSize, Int(BPFNAV_LINK_KPROBE_COOKIE_END.rawValue))
        XCTAssertEqual(MemoryLayout<bpf_link_info>.alignment, 8)
    }
}

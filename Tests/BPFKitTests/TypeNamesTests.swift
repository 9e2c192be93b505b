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

    /// BTFKind's raw values are the header's `BTF_KIND_*` (a Swift enum's
    /// raw values must be literals, so they are checked here).
    /// The BTF parser reads the records <linux/btf.h> declares; their sizes
    /// are the format's (Documentation/bpf/btf.rst), whatever header is used.
    func testBTFRecordsHaveTheFormatsSizes() {
        XCTAssertEqual(MemoryLayout<btf_header>.size, 24)
        XCTAssertEqual(MemoryLayout<btf_type>.size, 12)
        XCTAssertEqual(MemoryLayout<btf_array>.size, 12)
        XCTAssertEqual(MemoryLayout<btf_member>.size, 12)
        XCTAssertEqual(MemoryLayout<btf_enum>.size, 8)
        XCTAssertEqual(MemoryLayout<btf_enum64>.size, 12)
        XCTAssertEqual(MemoryLayout<btf_param>.size, 8)
        XCTAssertEqual(MemoryLayout<btf_var>.size, 4)
        XCTAssertEqual(MemoryLayout<btf_var_secinfo>.size, 12)
        XCTAssertEqual(MemoryLayout<btf_decl_tag>.size, 4)
        XCTAssertEqual(BTF_MAGIC, 0xEB9F)
        XCTAssertEqual(BTFLinkage(raw: UInt32(BTF_VAR_GLOBAL_EXTERN)), .extern)
        XCTAssertEqual(BTFInt.Encoding.known, [1, 2, 4])
    }

    /// bpftool's names for a netfilter link's family and hook; numbers
    /// (nil here) for the rest, netdev hooks included.
    func testNetfilterNames() {
        let families: [(UInt32, String?)] = [(1, "inet"), (2, "ip"), (3, "arp"), (5, "netdev"), (7, "bridge"),
                                             (10, "ip6"), (0, nil), (4, nil), (13, nil)]
        for (pf, name) in families { XCTAssertEqual(NetfilterNames.family(pf), name, "pf \(pf)") }
        let inet = ["prerouting", "input", "forward", "output", "postrouting"]
        for pf: UInt32 in [1, 2, 7, 10] {
            for (hook, name) in inet.enumerated() {
                XCTAssertEqual(NetfilterNames.hook(UInt32(hook), family: pf), name, "pf \(pf) hook \(hook)")
            }
            XCTAssertNil(NetfilterNames.hook(5, family: pf))
        }
        XCTAssertEqual(NetfilterNames.hook(0, family: 3), "input")
        XCTAssertEqual(NetfilterNames.hook(1, family: 3), "output")
        XCTAssertNil(NetfilterNames.hook(2, family: 3))
        XCTAssertNil(NetfilterNames.hook(0, family: 5), "netdev hooks are numbers, as in bpftool")
        XCTAssertNil(NetfilterNames.hook(0, family: 42))
    }

    func testBTFKindsAreTheHeadersConstants() {
        let header: [BTFKind: Int] = [
            .unknown: Int(BTF_KIND_UNKN), .int: Int(BTF_KIND_INT), .ptr: Int(BTF_KIND_PTR),
            .array: Int(BTF_KIND_ARRAY), .struct: Int(BTF_KIND_STRUCT), .union: Int(BTF_KIND_UNION),
            .enum: Int(BTF_KIND_ENUM), .fwd: Int(BTF_KIND_FWD), .typedef: Int(BTF_KIND_TYPEDEF),
            .volatile: Int(BTF_KIND_VOLATILE), .const: Int(BTF_KIND_CONST), .restrict: Int(BTF_KIND_RESTRICT),
            .function: Int(BTF_KIND_FUNC), .functionProto: Int(BTF_KIND_FUNC_PROTO), .variable: Int(BTF_KIND_VAR),
            .datasec: Int(BTF_KIND_DATASEC), .float: Int(BTF_KIND_FLOAT), .declTag: Int(BTF_KIND_DECL_TAG),
            .typeTag: Int(BTF_KIND_TYPE_TAG), .enum64: Int(BTF_KIND_ENUM64),
        ]
        XCTAssertEqual(header.count, BTFKind.allCases.count)
        for kind in BTFKind.allCases { XCTAssertEqual(Int(kind.rawValue), header[kind], "\(kind)") }
    }

    func testPerfEventNamesByConstant() {
        XCTAssertEqual(PerfEventNames.type(PERF_TYPE_HW_CACHE.rawValue), "hw-cache")
        XCTAssertNil(PerfEventNames.type(1000))
        XCTAssertEqual(PerfEventNames.config(type: PERF_TYPE_SOFTWARE.rawValue,
                                             config: UInt64(PERF_COUNT_SW_CGROUP_SWITCHES.rawValue)), "cgroup-switches")
        XCTAssertEqual(PerfEventNames.config(type: PERF_TYPE_HARDWARE.rawValue,
                                             config: UInt64(PERF_COUNT_HW_REF_CPU_CYCLES.rawValue)), "ref-cycles")
        let llcPrefetchMiss = UInt64(PERF_COUNT_HW_CACHE_LL.rawValue) | UInt64(PERF_COUNT_HW_CACHE_OP_PREFETCH.rawValue) << 8
            | UInt64(PERF_COUNT_HW_CACHE_RESULT_MISS.rawValue) << 16
        XCTAssertEqual(PerfEventNames.config(type: PERF_TYPE_HW_CACHE.rawValue, config: llcPrefetchMiss),
                       "LLC-prefetch-misses")
        XCTAssertNil(PerfEventNames.config(type: PERF_TYPE_HW_CACHE.rawValue, config: 3 << 8))
        XCTAssertNil(PerfEventNames.config(type: PERF_TYPE_SOFTWARE.rawValue, config: 1000))
        XCTAssertNil(PerfEventNames.config(type: PERF_TYPE_RAW.rawValue, config: 0))
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

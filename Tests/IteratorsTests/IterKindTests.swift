import XCTest
@testable import Iterators

final class IterKindTests: XCTestCase {
    func testArgumentAcceptsPinPrefixAndTarget() {
        let accepted: [(String, IterKind)] = [
            ("tasks", .task), ("task", .task),
            ("files", .taskFile), ("task_file", .taskFile),
            ("vmas", .taskVMA), ("task_vma", .taskVMA),
            ("maps", .bpfMap), ("bpf_map", .bpfMap),
            ("TASKS", .task), ("Task_File", .taskFile),
        ]
        for (argument, kind) in accepted {
            XCTAssertEqual(IterKind(argument: argument), kind, argument)
        }
    }

    func testArgumentRejectsOthers() {
        for argument in ["", "file", "vma", "map", "thread", "tasks ", " tasks", "task-file", "task_files",
                         "bpf_map_elem", "bpf_prog", "bpf_link", "tcp", "taskvma", "txt", "rec", "bpfnav_task_txt"] {
            XCTAssertNil(IterKind(argument: argument), "'\(argument)' should be rejected")
        }
    }

    func testTargetsAndPrefixes() {
        XCTAssertEqual(IterKind.allCases.map(\.target), ["task", "task_file", "task_vma", "bpf_map"])
        XCTAssertEqual(IterKind.allCases.map(\.pinPrefix), ["tasks", "files", "vmas", "maps"])
        XCTAssertEqual(IterKind.allCases.filter(\.takesTaskParams), [.task, .taskFile, .taskVMA])
    }

    func testProgramNames() {
        XCTAssertEqual(IterKind.task.programName(.text), "bpfnav_task_txt")
        XCTAssertEqual(IterKind.task.programName(.records), "bpfnav_task_rec")
        XCTAssertEqual(IterKind.taskFile.programName(.text), "bpfnav_file_txt")
        XCTAssertEqual(IterKind.taskVMA.programName(.records), "bpfnav_vma_rec")
        XCTAssertEqual(IterKind.bpfMap.programName(.text), "bpfnav_map_txt")
        var seen: Set<String> = []
        for kind in IterKind.allCases {
            for format in kind.formats {
                let name = kind.programName(format)
                // The kernel keeps BPF_OBJ_NAME_LEN - 1 = 15 bytes of a
                // program's name; recognise() matches the kernel's copy.
                XCTAssertLessThanOrEqual(name.utf8.count, 15, name)
                XCTAssertTrue(seen.insert(name).inserted, "duplicate \(name)")
            }
        }
    }

    func testRecogniseRoundTrips() throws {
        for kind in IterKind.allCases {
            for format in kind.formats {
                let found = try XCTUnwrap(IterKind.recognise(programName: kind.programName(format)))
                XCTAssertEqual(found.0, kind)
                XCTAssertEqual(found.1, format)
            }
        }
    }

    func testRecogniseRejectsOthers() {
        for name in ["", "bpfnav", "bpfnav_task", "bpfnav_task_", "bpfnav_task_bin", "bpfnav_tasks_txt",
                     "bpfnav_task_txt ", "BPFNAV_TASK_TXT", "bpfnav_task_file_txt", "dump_task", "bpfnav_task_tx",
                     "xbpfnav_map_rec", "bpfnav_map_recx"] {
            XCTAssertNil(IterKind.recognise(programName: name), "'\(name)' should not be recognised")
        }
    }

    func testFormats() {
        XCTAssertEqual(IterFormat.allCases.map(\.rawValue), ["txt", "rec", "bpf"])
        XCTAssertEqual(IterKind.taskFile.formats, [.text, .records, .bpfObjects])
        XCTAssertEqual(IterKind.task.formats, [.text, .records])
        // Only task_file has a BPF-objects program.
        XCTAssertNil(IterKind.recognise(programName: "bpfnav_task_bpf"))
        XCTAssertEqual(IterKind.recognise(programName: "bpfnav_file_bpf")?.1, .bpfObjects)
    }
}

import BPFKit
import Glibc
import XCTest
@testable import Iterators

/// The feature table and its messages, without privileges.
final class FeatureTableTests: XCTestCase {
    // MARK: - KernelVersion

    func testReleasesParse() {
        let cases: [(String, KernelVersion)] = [
            ("5.10.0-32-amd64", KernelVersion(5, 10, 0)),
            ("6.18.44-xyz", KernelVersion(6, 18, 44)),
            ("7.3.1+deb13-amd64", KernelVersion(7, 3, 1)),
            ("6.1.0-37-cloud-amd64", KernelVersion(6, 1, 0)),
            ("6.12", KernelVersion(6, 12)),
            ("6.1rc2", KernelVersion(6, 1)),
            ("5.8.0", KernelVersion(5, 8)),
        ]
        for (release, expected) in cases {
            XCTAssertEqual(KernelVersion(release: release), expected, release)
        }
    }

    func testUnparsableReleasesAreNil() {
        for release in ["", "6", "6.", "linux", "-5.10", ".5.10", "v6.1", "99999999999.1"] {
            XCTAssertNil(KernelVersion(release: release), release)
        }
    }

    func testOrderIsNumeric() {
        let sorted = [KernelVersion(5, 4), KernelVersion(5, 8), KernelVersion(5, 10), KernelVersion(5, 12),
                      KernelVersion(6, 1), KernelVersion(6, 1, 140), KernelVersion(6, 12), KernelVersion(6, 13),
                      KernelVersion(6, 18, 44), KernelVersion(7, 3, 1)]
        XCTAssertEqual(sorted.shuffled().sorted(), sorted)
        XCTAssertLessThan(KernelVersion(5, 9), KernelVersion(5, 10), "5.9 < 5.10, not as strings")
        XCTAssertGreaterThanOrEqual(KernelVersion(release: "5.12.0-1-amd64")!, Feature.taskVMAIter.minimum)
        XCTAssertLessThan(KernelVersion(release: "5.10.0-32-amd64")!, Feature.taskVMAIter.minimum)
    }

    func testDescription() {
        XCTAssertEqual(KernelVersion(5, 12).description, "5.12")
        XCTAssertEqual(KernelVersion(6, 18, 44).description, "6.18.44")
    }

    // MARK: - The table

    func testEveryFeatureHasATitleMinimumAndProbeDescription() {
        for feature in Feature.allCases {
            XCTAssertFalse(feature.title.isEmpty, feature.rawValue)
            XCTAssertFalse(feature.entry.probed.isEmpty, feature.rawValue)
            // Upstream versions from 5.0 on; bpfnav supports 5.10+.
            XCTAssertGreaterThanOrEqual(feature.minimum, KernelVersion(5, 0), feature.rawValue)
            XCTAssertLessThan(feature.minimum, KernelVersion(8, 0), feature.rawValue)
            XCTAssertEqual(feature.minimum.patch, 0, "\(feature.rawValue): minimums are upstream releases")
            XCTAssertTrue(feature.rawValue.allSatisfy { $0.isLowercase || $0 == "_" }, feature.rawValue)
            if let fallback = feature.fallback { XCTAssertFalse(fallback.isEmpty, feature.rawValue) }
        }
        XCTAssertEqual(Set(Feature.allCases.map(\.title)).count, Feature.allCases.count, "titles are unique")
    }

    func testMinimumsOfTheIssue() {
        // DESIGN.md "Kernels".
        let expected: [Feature: KernelVersion] = [
            .taskIter: KernelVersion(5, 8), .taskFileIter: KernelVersion(5, 8), .bpfMapIter: KernelVersion(5, 8),
            .taskVMAIter: KernelVersion(5, 12), .taskParams: KernelVersion(6, 1), .bpfLinkIter: KernelVersion(5, 19),
            .cgroupIter: KernelVersion(6, 1), .kmemCacheIter: KernelVersion(6, 13), .atomicFetch: KernelVersion(5, 12),
            .vmaDPath: KernelVersion(5, 12), .fileDPath: KernelVersion(5, 11), .runTimeStats: KernelVersion(5, 8), .mapBatchOps: KernelVersion(5, 6),
        ]
        for (feature, version) in expected {
            XCTAssertEqual(feature.minimum, version, feature.rawValue)
        }
    }

    func testFallbacks() {
        // Informative, not refusals: bpfnav works without them.
        XCTAssertNotNil(Feature.taskParams.fallback)
        XCTAssertNotNil(Feature.atomicFetch.fallback)
        XCTAssertEqual(Feature.vmaDPath.fallback, "paths from /proc/PID/map_files")
        XCTAssertEqual(Feature.vmaDPath.title, "paths of mapped files from bpf_d_path")
        XCTAssertEqual(Feature.fileDPath.fallback, "paths from /proc/PID/fd")
        for kind in IterKind.allCases {
            XCTAssertNil(kind.feature.fallback, "\(kind): a missing iterator target has no fallback")
        }
        XCTAssertNotNil(Feature.knownRefusals[.vmaDPath])
    }

    func testEveryKindMapsToItsIteratorTarget() {
        XCTAssertEqual(IterKind.task.feature, .taskIter)
        XCTAssertEqual(IterKind.taskFile.feature, .taskFileIter)
        XCTAssertEqual(IterKind.taskVMA.feature, .taskVMAIter)
        XCTAssertEqual(IterKind.bpfMap.feature, .bpfMapIter)
        for kind in IterKind.allCases {
            XCTAssertEqual(kind.feature.rawValue, "\(kind.target)_iter")
            XCTAssertEqual(kind.feature.title, "\(kind.target) iterators")
        }
        XCTAssertEqual(Set(IterKind.allCases.map(\.feature)).count, IterKind.allCases.count)
    }

    // MARK: - Refusals

    private func set(_ release: String, missing: [Feature], unknown: [Feature] = []) -> FeatureSet {
        var results: [Feature: ProbeResult] = [:]
        for feature in Feature.allCases { results[feature] = .supported }
        for feature in missing { results[feature] = .missing }
        for feature in unknown { results[feature] = .unknown(EPERM) }
        return FeatureSet(release: release, build: "#1 SMP Debian", results: results)
    }

    func testRefusalSaysTheVersionItNeedsAndTheRunningKernel() {
        let features = set("5.10.0-32-amd64", missing: [.taskVMAIter])
        XCTAssertThrowsError(try features.require(.taskVMAIter)) { error in
            guard let error = error as? BPFError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.operation, "task_vma iterators need Linux 5.12; this is 5.10.0-32-amd64")
            XCTAssertTrue(error.message.hasPrefix("task_vma iterators need Linux 5.12; this is 5.10.0-32-amd64"), error.message)
            XCTAssertEqual(error.errno, EOPNOTSUPP)
            XCTAssertEqual(error.errnoName, "EOPNOTSUPP")
            XCTAssertFalse(error.message.contains("refused"), error.message)
        }
        XCTAssertNoThrow(try features.require(.taskIter))
        XCTAssertFalse(features.refused(.taskVMAIter), "5.10 is below the minimum: not a refusal")
        XCTAssertEqual(features.unavailable(.taskVMA), "unavailable: task_vma iterators need Linux 5.12; this is 5.10.0-32-amd64")
        XCTAssertNil(features.unavailable(.task))
    }

    func testAKernelAtTheMinimumThatSaysNoIsARefusal() {
        let features = set("6.18.44-custom", missing: [.vmaDPath])
        XCTAssertTrue(features.refused(.vmaDPath))
        let error = BPFError.unsupported(.vmaDPath, release: features.release, refused: true)
        XCTAssertTrue(error.operation.hasPrefix("paths of mapped files from bpf_d_path need Linux 5.12; this is 6.18.44-custom"), error.operation)
        XCTAssertTrue(error.operation.contains("the kernel refused it"), error.operation)
        XCTAssertTrue(error.operation.contains("loading bpfnav's task_vma program with bpf_d_path"), error.operation)
        XCTAssertEqual(features.note(.vmaDPath), "refused by this kernel; fallback: paths from /proc/PID/map_files")
        XCTAssertNil(features.note(.taskIter))
    }

    func testSingularTitleTakesNeeds() {
        let error = BPFError.unsupported(.kernelBTF, release: "5.10.0-32-amd64", refused: true)
        XCTAssertTrue(error.operation.hasPrefix("kernel BTF (/sys/kernel/btf/vmlinux) needs Linux 5.4;"), error.operation)
    }

    func testAProbeThatCouldNotTellIsNotARefusal() {
        let features = set("6.1.0-37-amd64", missing: [], unknown: [.atomicFetch])
        XCTAssertFalse(features.supports(.atomicFetch))
        XCTAssertFalse(features.lacks(.atomicFetch))
        XCTAssertNoThrow(try features.require(.atomicFetch), "the operation itself says what is wrong")
        XCTAssertEqual(features.note(.atomicFetch), "could not probe: EPERM")
        XCTAssertFalse(features.isComplete, "an incomplete set is not cached")
        XCTAssertTrue(set("6.1.0-37-amd64", missing: [.cgroupIter]).isComplete)
    }

    func testUnparsableReleaseStillSaysWhatIsNeeded() {
        let features = set("weird", missing: [.cgroupIter])
        XCTAssertFalse(features.refused(.cgroupIter), "no version to compare: not called a refusal")
        XCTAssertThrowsError(try features.require(.cgroupIter)) { error in
            XCTAssertEqual((error as? BPFError)?.operation, "cgroup iterators need Linux 6.1; this is weird")
        }
    }

    // MARK: - Cache key

    func testCacheKeyFollowsReleaseAndBuild() {
        let a = FeatureCache.kernelKey(release: "6.1.0-37-amd64", build: "#1 SMP Debian 6.1.140-1")
        XCTAssertEqual(a, FeatureCache.kernelKey(release: "6.1.0-37-amd64", build: "#1 SMP Debian 6.1.140-1"))
        XCTAssertNotEqual(a, FeatureCache.kernelKey(release: "6.1.0-37-amd64", build: "#1 SMP Debian 6.1.141-1"),
                          "a rebuild of one release is another kernel")
        XCTAssertNotEqual(a, FeatureCache.kernelKey(release: "6.1.0-38-amd64", build: "#1 SMP Debian 6.1.140-1"))
        XCTAssertEqual(FeatureCache.header() & 0xff, FeatureCache.format)
    }
}

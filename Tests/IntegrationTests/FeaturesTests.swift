import BPFKit
import CLibBPF
import Foundation
import Iterators
import TestSupport
import XCTest

/// The feature table against the running kernel: what the probes say, what
/// `bpfnav features` prints, that it is cached, and that commands follow it.
final class FeaturesTests: BPFTestCase {
    /// The dump command of each iterator kind, with arguments that keep it short.
    private func dumpArguments(_ kind: IterKind) -> [String] {
        switch kind {
        case .task: ["tasks", "--json"]
        case .taskFile: ["files", "--pid", "\(getpid())", "--json"]
        case .taskVMA: ["vmas", "--pid", "\(getpid())", "--json"]
        case .bpfMap: ["maps", "--json"]
        }
    }

    private func featuresJSON(_ extra: [String] = [], environment: [String: String] = [:],
                              file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let result = try bpfnav(["features", "--json"] + extra, environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any],
                             result.text, file: file, line: line)
    }

    private func supported(_ json: [String: Any]) throws -> [String: Bool] {
        let features = try XCTUnwrap(json["features"] as? [[String: Any]])
        var out: [String: Bool] = [:]
        for feature in features {
            out[try XCTUnwrap(feature["name"] as? String)] = try XCTUnwrap(feature["supported"] as? Bool)
        }
        return out
    }

    private var cachePath: String { "\(ProgramCache(base: pinDirectory).directory)/features" }

    /// The id of the map pinned at `cachePath`.
    private func pinnedID() throws -> UInt32 {
        let pinned = try PinnedObject(path: cachePath)
        return try MapInfo(fd: pinned.fd.raw).id
    }

    // MARK: (a) the table holds on this kernel

    /// A feature whose probe says no on a kernel at or above its minimum is
    /// a wrong table or a broken probe, except where a build is known to
    /// refuse it: there bpfnav's fallback must work instead.
    func testEveryFeatureIsSupportedFromItsMinimumOn() throws {
        let features = Features.probe()
        let kernel = try XCTUnwrap(features.kernel, "cannot parse the release \(features.release)")
        XCTAssertTrue(features.isComplete, "as root every probe must give an answer: \(features.results)")
        for feature in Feature.allCases where kernel >= feature.minimum && !features.supports(feature) {
            if let known = Feature.knownRefusals[feature] {
                print("\(feature.rawValue): refused by \(features.release) (\(known)); checking the fallback")
                try assertFallbackWorks(feature)
            } else {
                XCTFail("\(feature.title) (\(feature.rawValue)): the probe says \(features.result(feature)) on "
                        + "\(features.release), which is at or above Linux \(feature.minimum)")
            }
        }
        for feature in Feature.allCases where kernel < feature.minimum {
            print("\(feature.rawValue): Linux \(feature.minimum) > \(kernel): probe says \(features.result(feature))")
        }
    }

    private func assertFallbackWorks(_ feature: Feature) throws {
        switch feature {
        case .vmaDPath:
            // Whole paths anyway, from /proc/PID/map_files: this process's
            // own executable is mapped, so its path must be among them.
            let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            let loader = IterLoader(cache: ProgramCache(base: pinDirectory))
            let vmas = try loader.records(VMARecord.self, .taskVMA, params: .pid(UInt32(getpid())))
            let mine = vmas.filter { $0.path == Array(exe.utf8) }
            XCTAssertFalse(mine.isEmpty, "no mapping of \(exe) with its whole path among \(vmas.count)")
            for vma in mine { XCTAssertEqual(vma.pathSource, .mapFiles) }
        default:
            XCTFail("\(feature.rawValue) is listed in knownRefusals without a fallback check")
        }
    }

    // MARK: (b) `bpfnav features --json` agrees with what works

    func testFeaturesJSONAgreesWithTheDumps() throws {
        let json = try featuresJSON()
        let kernel = try XCTUnwrap(json["kernel"] as? [String: Any])
        XCTAssertEqual(kernel["release"] as? String, RunningKernel.release)
        XCTAssertEqual(kernel["build"] as? String, RunningKernel.build)
        let rows = try XCTUnwrap(json["features"] as? [[String: Any]])
        XCTAssertEqual(rows.compactMap { $0["name"] as? String }, Feature.allCases.map(\.rawValue))
        for row in rows {
            let feature = try XCTUnwrap(Feature(rawValue: row["name"] as? String ?? ""))
            XCTAssertEqual(row["title"] as? String, feature.title)
            XCTAssertEqual(row["minimum_kernel"] as? String, feature.minimum.description)
            XCTAssertEqual(row["fallback"] as? String, feature.fallback)
        }
        let probedHere = Features.probe()
        let supported = try supported(json)
        for feature in Feature.allCases {
            XCTAssertEqual(supported[feature.rawValue], probedHere.supports(feature), "\(feature.rawValue): bpfnav and this process disagree")
        }
        for kind in IterKind.allCases {
            let arguments = dumpArguments(kind)
            let result = try bpfnav(arguments)
            // As root, maps lists by id (BPF_MAP_GET_NEXT_ID) and needs no iterator.
            if supported[kind.feature.rawValue] == true || (kind == .bpfMap && geteuid() == 0) {
                XCTAssertEqual(result.status, 0, "\(arguments): \(result.text.prefix(300)) \(result.stderr)")
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(result.stdout)), "\(arguments)")
            } else {
                try assertRefused(result, kind: kind, release: RunningKernel.release, arguments: arguments)
            }
        }
    }

    private func assertRefused(_ result: RunResult, kind: IterKind, release: String, arguments: [String],
                               file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result.status, 1, "\(arguments)", file: file, line: line)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout)) as? [String: Any],
                                   result.text, file: file, line: line)
        XCTAssertEqual(object["errno"] as? String, "EOPNOTSUPP", result.text, file: file, line: line)
        let message = object["error"] as? String ?? ""
        let expected = "\(kind.target) iterators need Linux \(kind.feature.minimum); this is \(release)"
        XCTAssertTrue(message.hasPrefix(expected), "\(arguments): '\(message)' does not start with '\(expected)'",
                      file: file, line: line)
    }

    /// Debug builds can switch features off (`BPFNAV_FEATURES_OFF`), so that
    /// the refusal paths run on a kernel that has everything.
    private func requireFeatureOverride() throws {
        let json = try featuresJSON(["--no-cache"], environment: ["BPFNAV_FEATURES_OFF": "task_iter"])
        guard try supported(json)["task_iter"] == false else {
            throw XCTSkip("this bpfnav build ignores BPFNAV_FEATURES_OFF (a release build): refusals are tested on kernels that lack the features")
        }
    }

    func testDumpOfAKindTheKernelLacksIsRefusedWithTheVersion() throws {
        try requireFeatureOverride()
        // maps: as root it lists by id and needs no iterator (MapsCommand).
        for kind in IterKind.allCases where kind != .bpfMap {
            let arguments = dumpArguments(kind)
            let result = try bpfnav(arguments, environment: ["BPFNAV_FEATURES_OFF": kind.feature.rawValue])
            try assertRefused(result, kind: kind, release: RunningKernel.release, arguments: arguments)
            // Without --json: the message on stderr, exit 1.
            let plain = try bpfnav(Array(arguments.dropLast()), environment: ["BPFNAV_FEATURES_OFF": kind.feature.rawValue])
            XCTAssertEqual(plain.status, 1)
            XCTAssertTrue(plain.stderr.contains("need Linux \(kind.feature.minimum); this is"), plain.stderr)
            XCTAssertTrue(plain.stdout.isEmpty, plain.text)
        }
    }

    // MARK: (c) probed once, cached per kernel build

    func testResultIsCachedAndAChangedKeyIsReplaced() throws {
        XCTAssertEqual(try featuresJSON()["cached"] as? Bool, false, "a fresh cache directory: probed")
        var st = stat()
        XCTAssertEqual(lstat(cachePath, &st), 0, "nothing pinned at \(cachePath)")
        let pinned = try PinnedObject(path: cachePath)
        XCTAssertEqual(pinned.kind, .map)
        let firstID = try MapInfo(fd: pinned.fd.raw).id

        let second = try featuresJSON()
        XCTAssertEqual(second["cached"] as? Bool, true, "the second run must read the pinned map")
        XCTAssertEqual(try pinnedID(), firstID, "read, not rewritten")

        // Another kernel build's result (the kernel key, the second u64):
        // ignored and replaced by a fresh probe.
        var key: UInt32 = 0
        var value: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        XCTAssertEqual(bpf_map_lookup_elem(pinned.fd.raw, &key, &value), 0)
        let good = value
        value.1 ^= 1
        value.2 = 0  // and it would claim nothing is supported
        XCTAssertEqual(bpf_map_update_elem(pinned.fd.raw, &key, &value, UInt64(BPF_ANY)), 0)
        let third = try featuresJSON()
        XCTAssertEqual(third["cached"] as? Bool, false, "a changed key must not be trusted")
        XCTAssertEqual(try supported(third), try supported(second))
        let replaced = try PinnedObject(path: cachePath)
        XCTAssertNotEqual(try MapInfo(fd: replaced.fd.raw).id, firstID, "the stale map was replaced")
        var fresh: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        XCTAssertEqual(bpf_map_lookup_elem(replaced.fd.raw, &key, &fresh), 0)
        XCTAssertTrue(fresh == good, "the new map holds this kernel's key and results")
        XCTAssertEqual(try featuresJSON()["cached"] as? Bool, true)

        // --no-cache probes and leaves the cache as it is.
        XCTAssertEqual(try featuresJSON(["--no-cache"])["cached"] as? Bool, false)
        XCTAssertEqual(try pinnedID(), try MapInfo(fd: replaced.fd.raw).id)

        // unpin --all removes it with the program cache.
        let removed = try bpfnav("unpin", "--all", "--dir", pinDirectory)
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertNotEqual(lstat(cachePath, &st), 0, "the feature cache outlived unpin --all")
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), ["bpfnav-manifest"])
    }

    /// Reading the cache runs no probe: no program is loaded (the probes
    /// load bpfnav's task_file and task_vma programs and a socket filter).
    /// Its cost is for bench/, not for a timed test.
    func testCacheReadRunsNoProbe() throws {
        let cache = ProgramCache(base: pinDirectory)
        let probed = Features.detect(cache: cache)
        XCTAssertFalse(probed.fromCache)
        // Program ids are allocated in turn: a marker program before and
        // after shows how many were loaded in between (a probe run loads
        // at least three; other users' programs may add a few).
        func markerID() throws -> UInt32 {
            var insns = [bpf_insn(code: 0xb7, dst_reg: 0, src_reg: 0, off: 0, imm: 0),   // r0 = 0
                         bpf_insn(code: 0x95, dst_reg: 0, src_reg: 0, off: 0, imm: 0)]   // exit
            let fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "nav_marker", "GPL", &insns, 2, nil)
            guard fd >= 0 else { throw BPFError("load a marker program", "", errno: -fd) }
            defer { close(fd) }
            return try ProgramInfo(fd: fd).id
        }
        let before = try markerID()
        for _ in 0..<50 {
            let cached = Features.detect(cache: cache)
            XCTAssertTrue(cached.fromCache)
            XCTAssertEqual(cached.results, probed.results)
        }
        let after = try markerID()
        XCTAssertLessThan(after - before, 20, "programs were loaded during 50 cached reads (probes ran)")
        _ = Features.detect(cache: cache, refresh: true)
        // At least one (libbpf's own load probe; 5.10 refuses most of ours).
        XCTAssertGreaterThan(try markerID() - after, 1, "a probe run loads programs: the check above can tell")
    }

    /// A probe expects the verifier to refuse on some kernels (bpf_d_path
    /// on a vma's file is refused by some 6.18 builds, and before 5.12):
    /// such a refusal is an answer, not an error, and leaves no verifier
    /// log behind in $TMPDIR, however often the probes run.
    func testProbesLeaveNoVerifierLogs() throws {
        let temporary = try TestDirectory(in: "/tmp", prefix: "bpfnav-probe-logs")
        defer { _ = temporary.remove() }
        for _ in 0..<2 {
            let json = try featuresJSON(["--no-cache"], environment: ["TMPDIR": temporary.path])
            XCTAssertNotNil(json["features"], "\(json)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary.path), [])
        // A real refusal outside a probe still keeps its log (VerifierRejectionTests).
    }

    func testForeignObjectAtTheCachePathIsLeftAlone() throws {
        let cache = ProgramCache(base: pinDirectory)
        try BPFFS.makeDirectory(cache.directory)
        let theirs = try BPFMap(type: .array, name: uniqueName("nav_fc"), keySize: 4, valueSize: 32, maxEntries: 1)
        try theirs.pin(at: cachePath)
        let id = try theirs.id()
        let set = Features.detect(cache: cache)
        XCTAssertFalse(set.fromCache)
        XCTAssertEqual(try pinnedID(), id, "a map bpfnav did not make was replaced")
        XCTAssertFalse(Features.detect(cache: cache).fromCache, "and it is not read as a cache")
    }

    // MARK: (d) pin with no kinds

    func testPinWithNoKindsPinsExactlyTheSupportedKinds() throws {
        let supported = try supported(try featuresJSON())
        let result = try bpfnav("pin", "--dir", pinDirectory)
        XCTAssertEqual(result.status, 0, result.stderr)
        let expected = IterKind.allCases.filter { supported[$0.feature.rawValue] == true }.map(\.pinPrefix)
        XCTAssertEqual(Set(try pins.list().map(\.name)), Set(expected))
        for kind in IterKind.allCases where supported[kind.feature.rawValue] != true {
            XCTAssertTrue(result.stderr.contains("left out \(kind.pinPrefix): \(kind.target) iterators need Linux"), result.stderr)
        }
    }

    func testPinLeavesOutWhatTheKernelLacksAndRefusesItByName() throws {
        try requireFeatureOverride()
        let off = ["BPFNAV_FEATURES_OFF": "task_vma_iter"]
        let result = try bpfnav(["pin", "--dir", pinDirectory], environment: off)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(Set(try pins.list().map(\.name)), ["tasks", "files", "maps"])
        XCTAssertTrue(result.stderr.contains("left out vmas: task_vma iterators need Linux 5.12; this is \(RunningKernel.release)"),
                      result.stderr)

        // Named, it fails whole: nothing of the set is pinned.
        let before = try BPFFS.entries(of: pinDirectory)
        let named = try bpfnav(["pin", "tasks", "vmas", "--pid", "\(getpid())", "--dir", pinDirectory], environment: off)
        XCTAssertEqual(named.status, 1)
        XCTAssertTrue(named.stderr.contains("task_vma iterators need Linux 5.12; this is \(RunningKernel.release)"), named.stderr)
        XCTAssertTrue(named.stderr.contains("EOPNOTSUPP"), named.stderr)
        XCTAssertEqual(try BPFFS.entries(of: pinDirectory), before, "all or nothing")

        // Everything switched off: nothing to pin is an error, not silence.
        let none = try bpfnav(["pin", "--dir", pinDirectory],
                              environment: ["BPFNAV_FEATURES_OFF": "task_iter,task_file_iter,task_vma_iter,bpf_map_iter"])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("EOPNOTSUPP"), none.stderr)
    }
}

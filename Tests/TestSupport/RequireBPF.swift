import BPFKit
import Foundation
import XCTest

/// Skips the running test unless it can load BPF programs and pin them here:
/// tracing programs need CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), pins a
/// bpffs at /sys/fs/bpf. The skip says which is missing.
///
/// Where BPFNAV_REQUIRE_BPF=1 (CI and the kernel matrix) the test fails
/// instead: a machine that is meant to run these tests must not pass them by
/// skipping.
public func requireBPF() throws {
    var reasons: [String] = []
    let caps = Capabilities.current()
    if !caps.canLoadTracing {
        reasons.append("missing \(caps.missingForTracing.joined(separator: " and ")) (or CAP_SYS_ADMIN)")
    }
    if !BPFFS.isBPFFS(BPFFS.defaultMount) {
        reasons.append("no bpffs mounted at \(BPFFS.defaultMount)")
    }
    guard !reasons.isEmpty else { return }
    let reason = "needs BPF: " + reasons.joined(separator: "; ")
    if ProcessInfo.processInfo.environment["BPFNAV_REQUIRE_BPF"] == "1" {
        XCTFail("BPFNAV_REQUIRE_BPF=1 but this test cannot run: \(reason)")
        throw XCTSkip(reason)
    }
    throw XCTSkip(reason)
}

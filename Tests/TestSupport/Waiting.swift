import Foundation

/// How much longer waits may take here: `BPFNAV_TEST_TIME_SCALE` (the
/// kernel matrix sets 4 in its emulated guests), else 1. Timeouts only:
/// nothing is asserted about speed.
public let testTimeScale: Double = {
    guard let text = ProcessInfo.processInfo.environment["BPFNAV_TEST_TIME_SCALE"],
          let scale = Double(text), scale >= 1 else { return 1 }
    return scale
}()

/// Polls `condition` until it holds or `timeout` (scaled) passes.
public func waitUntil(timeout: TimeInterval = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout * testTimeScale)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

import BPFKit
import Synchronization
import ObjectModel

/// bpfnav's run-time statistics (`RunStats`) as the browser's source uses
/// them: switched on and off from one thread, sampled at every snapshot,
/// so behind a lock.
final class BrowserRunStats: Sendable {
    private let stats = Mutex(RunStats())

    var isEnabled: Bool { stats.withLock { $0.enabled } }

    func set(_ enabled: Bool) throws {
        try stats.withLock { stats in
            if enabled {
                try stats.enable()
            } else {
                stats.disable()
            }
        }
    }

    /// Events per second and CPU share of each program since the last
    /// sample; empty while the statistics are off.
    func sample(_ programs: [ProgramInfo]) -> [UInt32: RunStats.Rate] {
        stats.withLock { stats in
            guard stats.enabled else { return [:] }
            return stats.sample(programs: programs)
        }
    }
}

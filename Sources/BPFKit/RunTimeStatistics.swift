import CLibBPF
import Glibc

/// The kernel's counting of programs' run time (`BPF_ENABLE_STATS` with
/// `BPF_STATS_RUN_TIME`, 5.8): `run_cnt` and `run_time_ns` grow while an fd
/// it returned is open, and stop when the last such fd closes.
public enum RunTimeStatistics {
    /// Turns counting on until the fd closes.
    public static func enable() throws(BPFError) -> OwnedFD {
        let fd = try check("enable BPF run-time statistics", "", hint: { code in
            code == EPERM ? "run-time statistics need CAP_SYS_ADMIN: run as root" : nil
        }) { bpf_enable_stats(BPF_STATS_RUN_TIME) }
        return OwnedFD(adopting: fd)
    }
}

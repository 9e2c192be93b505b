import BPFKit
import Synchronization

/// The BPF programs this process loaded or took from its cache to collect
/// what it shows. The browser hides them (with the program caches' pins,
/// which the manifest records, their maps and the links made of them) so
/// that bpfnav does not list itself.
///
/// Ids, not names: anyone can load a program called `bpfnav_task_rec`. The
/// kernel does not reuse an id soon; ids of programs since freed are
/// forgotten (`forget`) so that a long session does not collect them.
public enum OwnObjects {
    private struct State {
        var ids: [BPFObjectRef: UInt64] = [:]
        var sequence: UInt64 = 0
    }

    private static let state = Mutex(State())

    /// Notes `fd`'s object (a program, map or link) as this process's own.
    public static func add(fd: Int32, kind: BPFObjectKind) {
        guard let id = try? ObjectIdentity.id(of: fd, kind: kind) else { return }
        note(BPFObjectRef(kind, id))
    }

    static func note(_ object: BPFObjectRef) {
        state.withLock {
            $0.sequence += 1
            $0.ids[object] = $0.sequence
        }
    }

    /// Everything noted so far.
    public static var all: Set<BPFObjectRef> { state.withLock { Set($0.ids.keys) } }

    /// A point in time for `forget`.
    public static var mark: UInt64 { state.withLock { $0.sequence } }

    /// Forgets the objects noted before `mark` that are not in `present`
    /// (a listing begun after `mark`): they no longer exist.
    public static func forget(notIn present: Set<BPFObjectRef>, notedBefore mark: UInt64) {
        state.withLock { state in
            state.ids = state.ids.filter { present.contains($0.key) || $0.value > mark }
        }
    }
}

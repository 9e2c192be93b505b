import BPFKit
import Synchronization

/// The BPF objects this process made or took from its cache to collect
/// what it shows: its iterator programs and the links it attached. The
/// browser hides them (with the program caches' pins, which the manifest
/// records) so that bpfnav does not list itself.
///
/// Ids, not names: anyone can load a program called `bpfnav_task_rec`. The
/// kernel does not reuse an id soon, so ids of objects since freed stay
/// harmless.
public enum OwnObjects {
    private static let ids = Mutex<Set<BPFObjectRef>>([])

    /// Notes `fd`'s object (a program, map or link) as this process's own.
    public static func add(fd: Int32, kind: BPFObjectKind) {
        guard let id = try? ObjectIdentity.id(of: fd, kind: kind) else { return }
        ids.withLock { _ = $0.insert(BPFObjectRef(kind, id)) }
    }

    /// Everything noted so far.
    public static var all: Set<BPFObjectRef> { ids.withLock { $0 } }
}

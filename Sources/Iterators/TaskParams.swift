import BPFKit
import Glibc

/// Checks pid/tid link parameters against the running system.
///
/// The kernel attaches a task iterator to any pid, existing or not, and then
/// simply yields nothing; a pid that is really a thread yields nothing too.
/// bpfnav says so instead.
public enum TaskParams {
    /// The thread group of `id` according to /proc, or nil if it does not exist.
    public static func threadGroup(of id: UInt32) -> UInt32? {
        guard let file = fopen("/proc/\(id)/status", "r") else { return nil }
        defer { fclose(file) }
        let line = UnsafeMutablePointer<CChar>.allocate(capacity: 512)
        defer { line.deallocate() }
        while fgets(line, 512, file) != nil {
            let text = String(cString: line)
            if text.hasPrefix("Tgid:") {
                let digits = text.dropFirst(5).filter { $0.isNumber }
                return UInt32(digits)
            }
        }
        return nil
    }

    public static func validate(_ params: IterParams, for kind: IterKind) throws(BPFError) {
        switch params {
        case .all:
            return
        case .mapFD:
            throw BPFError("attach \(kind.target) iterator", "", errno: EINVAL,
                           hint: "\(kind.target) iterators take no map parameter")
        case .pid(let pid), .tid(let pid):
            guard kind.takesTaskParams else {
                throw BPFError("attach \(kind.target) iterator", "", errno: EINVAL,
                               hint: "\(kind.pinPrefix) lists every object; --pid and --tid apply to tasks, files and vmas only")
            }
            guard pid > 0, pid <= Int32.max else {
                throw BPFError("check", "\(params.flag) \(pid)", errno: EINVAL, hint: "give a positive process or thread id")
            }
            guard let group = threadGroup(of: pid) else {
                throw BPFError("find", params.processNoun(pid), errno: ESRCH,
                               hint: "no such \(params.isPid ? "process" : "thread") is running (check ps); the kernel would attach and show nothing")
            }
            if case .pid = params, group != pid {
                throw BPFError("find process", "\(pid)", errno: ESRCH,
                               hint: "\(pid) is a thread of process \(group): use --tid \(pid), or --pid \(group)")
            }
        }
    }
}

extension IterParams {
    var isPid: Bool { if case .pid = self { true } else { false } }

    var flag: String {
        switch self {
        case .pid: "--pid"
        case .tid: "--tid"
        case .mapFD: "map fd"
        case .all: ""
        }
    }

    func processNoun(_ id: UInt32) -> String {
        isPid ? "process \(id)" : "thread \(id)"
    }
}

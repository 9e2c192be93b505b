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

extension TaskParams {
    /// Refuses a pid or tid that /proc lists but the kernel's task walk does
    /// not show: every iterator bpfnav would attach with it would show
    /// nothing. The walk starts from the reader's pid namespace, so a bpfnav
    /// whose /proc belongs to another namespace looks pids up in the wrong
    /// one; and a kernel may leave tasks out of BPF iterators altogether
    /// (some sandbox kernels hide their own PID 1 there, as they do its
    /// /proc/1/exe). Costs one walk of that one task, with the task
    /// program `loader` keeps for the iterators that follow.
    public static func requireVisible(_ params: IterParams, loader: IterLoader) throws {
        let id: UInt32
        switch params {
        case .pid(let n), .tid(let n): id = n
        case .all, .mapFD: return
        }
        var seen = false
        try loader.forEachRecord(TaskRecord.self, .task, params: params) { _ in seen = true }
        if seen { return }
        let noun = params.processNoun(id)
        guard threadGroup(of: id) != nil else {
            throw BPFError("find", noun, errno: ESRCH, hint: "it exited: no such \(params.isPid ? "process" : "thread") is running (check ps)")
        }
        let why = procPIDNamespaceDiffers
            ? "/proc lists it, but bpfnav runs in another pid namespace than the one /proc belongs to, and the kernel looks pids up in bpfnav's: run bpfnav in the pid namespace of /proc (or mount a /proc of its own)"
            : "/proc lists it, but this kernel's task iterator skips it (the kernel hides it from BPF iterators): no iterator can show it"
        throw BPFError("find \(noun) in the kernel's task walk", "", errno: ESRCH, hint: why)
    }

    /// Whether /proc was mounted for another pid namespace than this
    /// process's: /proc/self then names this process by another number.
    static var procPIDNamespaceDiffers: Bool {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = readlink("/proc/self", &buffer, buffer.count)
        guard n > 0 else { return false }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self)) != getpid()
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

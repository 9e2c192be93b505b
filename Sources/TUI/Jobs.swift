import Glibc
import Synchronization

/// Work the browser hands to background threads, so that drawing never
/// waits for the kernel: a job runs on its lane's thread and its result is
/// handed to the main thread when the event loop calls `deliver()`.
///
/// Two lanes: `lists` (snapshots, run stats) and `content` (documents and
/// map pages), so that opening a map does not wait behind a refresh. Each
/// lane runs its jobs one at a time, in order.
///
/// `.manual` runs nothing by itself: tests call `runPending()` to run every
/// queued job and deliver the results, and can look at "loading…" before.
final class Jobs {
    enum Lane: CaseIterable { case lists, content }
    enum Mode { case threads, manual }

    private let mode: Mode
    private var handlers: [Int: (any Sendable) -> Void] = [:]
    private var nextTicket = 0
    private let finished = Outbox()
    private var manualQueue: [(ticket: Int, lane: Lane, job: @Sendable () -> any Sendable)] = []
    private var workers: [Lane: Worker] = [:]

    init(mode: Mode) {
        self.mode = mode
    }

    /// Jobs submitted whose results have not been delivered yet.
    var pending: Int { handlers.count }

    /// Signalled whenever a result is posted: the key wait polls it.
    var wakeup: Wakeup { finished.wakeup }

    /// Runs `work` on `lane`'s thread; `then` gets its result on the thread
    /// that calls `deliver()`.
    func submit<T: Sendable>(_ lane: Lane, _ work: @escaping @Sendable () -> T, then: @escaping (T) -> Void) {
        let ticket = nextTicket
        nextTicket += 1
        handlers[ticket] = { value in then(value as! T) }
        let job: @Sendable () -> any Sendable = { work() }
        switch mode {
        case .manual:
            manualQueue.append((ticket, lane, job))
        case .threads:
            let worker = workers[lane] ?? Worker(outbox: finished)
            workers[lane] = worker
            worker.enqueue(ticket, job)
        }
    }

    /// Hands finished results to their handlers; true if there were any.
    @discardableResult
    func deliver() -> Bool {
        let done = finished.take()
        for (ticket, value) in done {
            handlers.removeValue(forKey: ticket)?(value)
        }
        return !done.isEmpty
    }

    /// `.manual`: runs every queued job of `lane` (nil: of every lane), and
    /// those their results queue, and delivers the results.
    func runPending(_ lane: Lane? = nil) {
        while let next = manualQueue.firstIndex(where: { lane == nil || $0.lane == lane }) {
            let (ticket, _, job) = manualQueue.remove(at: next)
            let value = job()
            finished.post(ticket, value)
            deliver()
        }
    }
}

/// Results waiting for the main thread, which each post wakes.
final class Outbox: Sendable {
    private let results = Mutex<[(Int, any Sendable)]>([])
    let wakeup = Wakeup()

    func post(_ ticket: Int, _ value: any Sendable) {
        results.withLock { $0.append((ticket, value)) }
        wakeup.signal()
    }

    func take() -> [(Int, any Sendable)] {
        results.withLock { results in
            let taken = results
            results.removeAll()
            return taken
        }
    }
}

/// One background thread running jobs in order.
private final class Worker: @unchecked Sendable {
    typealias Job = (Int, @Sendable () -> any Sendable)

    private let queue = Mutex<[Job]>([])
    private let outbox: Outbox
    // Written only by sem_post/sem_wait, which synchronise themselves.
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init(outbox: Outbox) {
        self.outbox = outbox
        sem_init(semaphore, 0, 0)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { context in
            let worker = Unmanaged<Worker>.fromOpaque(context!).takeRetainedValue()
            worker.run()
        }, context)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            // No thread (out of resources): jobs run where they are
            // submitted, and drawing waits for them.
            Unmanaged<Worker>.fromOpaque(context).release()
            inline.store(true, ordering: .relaxed)
        }
    }

    private let inline = Atomic<Bool>(false)

    func enqueue(_ ticket: Int, _ work: @escaping @Sendable () -> any Sendable) {
        if inline.load(ordering: .relaxed) {
            outbox.post(ticket, work())
            return
        }
        queue.withLock { $0.append((ticket, work)) }
        sem_post(semaphore)
    }

    private func run() -> Never {
        // Signals are for the main thread: its key poll wakes up and sees them.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGWINCH] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        while true {
            while sem_wait(semaphore) != 0 {}
            guard let (ticket, work) = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            outbox.post(ticket, work())
        }
    }
}

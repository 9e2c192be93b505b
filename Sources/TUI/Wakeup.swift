import Glibc

/// How background work wakes the event loop at once: a thread that posts a
/// result writes a byte to a pipe, and the key wait polls the pipe beside
/// the terminal (`wait`), so a finished read is drawn without waiting for
/// the key poll's timeout.
final class Wakeup: Sendable {
    /// The end the key wait polls; -1 when no pipe could be made (then the
    /// loop sees results at the poll's timeout, as without one).
    let readEnd: Int32
    private let writeEnd: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            readEnd = -1
            writeEnd = -1
            return
        }
        // Non-blocking both ways: a full pipe is already a wake-up, and
        // draining stops at empty. Not inherited by programs bpfnav runs.
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// Wakes a waiting `wait` (or the next one). Any thread.
    func signal() {
        guard writeEnd >= 0 else { return }
        var byte: UInt8 = 1
        // EAGAIN: the pipe is full of wake-ups already.
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe: the wake-ups so far are seen.
    func drain() {
        guard readEnd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }

    /// What ended a `wait`.
    struct Ready: Equatable {
        /// `input` can be read.
        var input = false
        /// `signal()` was called (the pipe is drained again).
        var woken = false
    }

    /// Waits until `input` is readable, this is signalled, a signal
    /// interrupts the wait (EINTR: the caller looks at its flags), or
    /// `milliseconds` pass.
    func wait(input: Int32, milliseconds: Int) -> Ready {
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)]
        // A negative fd is ignored by poll(2): without a pipe, input alone.
        let rc = poll(&fds, nfds_t(fds.count), Int32(clamping: milliseconds))
        guard rc > 0 else { return Ready() }
        var ready = Ready()
        // Hang-up and errors count as input: the read says what happened.
        ready.input = fds[0].revents != 0
        if fds[1].revents != 0 {
            drain()
            ready.woken = true
        }
        return ready
    }
}

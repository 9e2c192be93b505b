import CLibBPF
import Glibc
import Synchronization

/// libbpf's messages, collected instead of printed.
///
/// libbpf writes warnings and the verifier log to stderr by default, which
/// would land in the middle of bpfnav's own output. bpfnav keeps the last
/// warnings and notes (WARN, INFO) and attaches them to the error that
/// caused them. DEBUG messages (hundreds of lines of CO-RE relocations per
/// object) are dropped: with `BPFNAV_LIBBPF_DEBUG` set, every message of
/// every level is kept and also written to stderr as it comes.
enum LibbpfLog {
    /// Whole messages, oldest first, and their total size in bytes.
    private static let buffer = Mutex<(messages: [String], bytes: Int)>(([], 0))
    private static let limit = 1 << 20

    static func install() {
        _ = installed
    }

    private static let debug = getenv("BPFNAV_LIBBPF_DEBUG") != nil

    private static let installed: Void = {
        _ = libbpf_set_print { level, format, args in
            guard let format, let args else { return 0 }
            if level == LIBBPF_DEBUG, !LibbpfLog.debug { return 0 }
            guard let text = bpfnav_vformat(format, args) else { return 0 }
            defer { free(text) }
            let n = strlen(text)
            if LibbpfLog.debug { _ = write(2, text, n) }
            LibbpfLog.append(String(decoding: UnsafeRawBufferPointer(start: text, count: n), as: UTF8.self))
            return Int32(clamping: n)
        }
    }()

    static func append(_ message: String) {
        guard !message.isEmpty else { return }
        buffer.withLock { log in
            log.messages.append(message)
            log.bytes += message.utf8.count
            // A process that loads often and never fails (the browser) must
            // not grow without bound. Whole messages go, oldest first, and
            // never a verifier log: it is one message, and it is the one
            // that says why a load failed.
            var index = 0
            while log.bytes > limit, index < log.messages.count - 1 {
                if log.messages[index].contains(VerifierLog.beginMarker) {
                    index += 1
                    continue
                }
                log.bytes -= log.messages.remove(at: index).utf8.count
            }
        }
    }

    /// Everything collected since the last call, and clears it.
    static func take() -> String {
        buffer.withLock { log in
            defer { log = ([], 0) }
            return log.messages.joined()
        }
    }
}

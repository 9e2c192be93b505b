import CLibBPF
import Glibc
import Synchronization

/// libbpf's messages, collected instead of printed.
///
/// libbpf writes warnings and the verifier log to stderr by default, which
/// would land in the middle of bpfnav's own output. bpfnav keeps the last
/// messages and attaches them to the error that caused them.
enum LibbpfLog {
    private static let buffer = Mutex<String>("")
    private static let limit = 1 << 20

    static func install() {
        _ = installed
    }

    private static let installed: Void = {
        _ = libbpf_set_print { level, format, args in
            guard let format, let args else { return 0 }
            var text = [UInt8](repeating: 0, count: 4096)
            let n = text.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { vsnprintf($0.baseAddress, $0.count, format, args) }
            }
            guard n > 0 else { return 0 }
            let message = String(decoding: text[0..<min(Int(n), text.count - 1)], as: UTF8.self)
            LibbpfLog.append(message)
            if level == LIBBPF_WARN, getenv("BPFNAV_LIBBPF_DEBUG") != nil {
                _ = message.withCString { write(2, $0, strlen($0)) }
            }
            return n
        }
    }()

    static func append(_ message: String) {
        buffer.withLock { log in
            log += message
            if log.utf8.count > limit {
                log = String(log.utf8.suffix(limit / 2)) ?? ""
            }
        }
    }

    /// Everything collected since the last call, and clears it.
    static func take() -> String {
        buffer.withLock { log in
            defer { log = "" }
            return log
        }
    }
}

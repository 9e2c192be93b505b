// What one client may take of the server: connections, header bytes, time
// without a whole request. And the registry of open connections that
// shutdown asks to finish.

import Glibc
import NIOCore
import NIOHTTP1
import Synchronization

enum Limits {
    /// Open connections; more are closed as they arrive (Prometheus keeps
    /// one per target, so this is for misbehaving clients).
    static let maxConnections = 512
    /// The request line and headers: a scrape's are a few hundred bytes.
    static var decoder: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 8 * 1024
        limits.maxHeaderListSize = 16 * 1024
        limits.maxHeaderFieldCount = 100
        return limits
    }
    static let backlog: Int32 = 256
}

/// The open connections: counted against `Limits.maxConnections`, and told
/// to finish at shutdown.
final class Connections: Sendable {
    private let open = Mutex<[ObjectIdentifier: any Channel]>([:])

    var count: Int { open.withLock { $0.count } }

    /// Registers `channel`; false when the server has as many as it takes.
    func admit(_ channel: any Channel) -> Bool {
        let admitted = open.withLock { open -> Bool in
            guard open.count < Limits.maxConnections else { return false }
            open[ObjectIdentifier(channel)] = channel
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [self] _ in
            _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        return true
    }

    /// Asks every connection to finish: NIO's pipelining handler closes
    /// an idle one now and a busy one after its response.
    func quiesce() {
        for channel in open.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Closes what is left.
    func closeAll() {
        for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }
}

/// The server's log: one line per error on stderr.
enum Log {
    static func error(_ message: String) {
        // A hint's line ("\n  what to do") joins the message's.
        let parts = message.split(separator: "\n").map { $0.drop { $0 == " " } }
        let line = "bpfnav serve: " + parts.joined(separator: "; ") + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    static func line(_ message: String) {
        let line = "bpfnav serve: " + message + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}

// The server's life: run-time statistics on, the listening socket, the
// event loops, and the end at SIGTERM or SIGINT (stop accepting, let
// in-flight requests finish for up to a second, statistics off, exit 0).

import BPFKit
import BPFNavCLI
import Exporter
import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import ObjectModel

enum Server {
    /// How long in-flight requests get to finish at SIGTERM or SIGINT.
    static let drainSeconds = 1.0

    static func run(_ options: ServeOptions) -> Int32 {
        // SIGTERM and SIGINT are taken by sigwait below: blocked before
        // any thread starts, so that every thread inherits the mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        let stats = RunStats()
        if options.runStats {
            do {
                try stats.enable()
            } catch {
                // Metrics are still worth serving: run counts stay put.
                Log.error("run-time statistics stay off: \(error)")
            }
        }

        let configuration = ExporterConfiguration(budget: options.budget, countEntries: options.countEntries,
                                                  countUpTo: options.countUpTo, includeOwn: options.includeOwn)
        let collection = SharedCollection(defaultBudget: options.budget) { budget in
            var configuration = configuration
            configuration.budget = budget
            return Collector.collect(configuration, budget: budget)
        }
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        let state = ServerState(options: options, collection: collection,
                                proxy: APIProxy(executable: siblingCLI), pool: pool)
        let connections = Connections()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: min(System.coreCount, 4))

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: Limits.backlog)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard connections.admit(channel) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.configureHTTPServerPipeline(withEncoderConfiguration: .init(), withDecoderLimitConfiguration: Limits.decoder)
                    try sync.addHandler(IdleStateHandler(readTimeout: .milliseconds(Int64(options.idleTimeout * 1000))))
                    try sync.addHandler(HTTPHandler(state: state))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)

        let address = "\(options.urlHost):\(options.port)"
        let listener: any Channel
        do {
            listener = try bootstrap.bind(host: options.host, port: options.port).wait()
        } catch {
            let code = (error as? IOError)?.errnoCode ?? 0
            let hint: String? = switch code {
            case EADDRINUSE: "another process listens there: stop it or give --listen another port"
            case EACCES: "ports below 1024 need CAP_NET_BIND_SERVICE: give --listen a port above 1023"
            case EADDRNOTAVAIL: "no interface of this machine has that address"
            default: nil
            }
            let message = code != 0 ? "\(BPFError("listen on", address, errno: code, hint: hint))" : "listen on \(address): \(error)"
            Log.line(message)
            try? group.syncShutdownGracefully()
            return 1
        }
        let port = listener.localAddress?.port ?? options.port
        Log.line("listening on http://\(options.urlHost):\(port)")

        // The main thread waits for SIGTERM or SIGINT.
        var received: Int32 = 0
        while sigwait(&signals, &received) != 0 {}

        // Stop accepting; connections finish what they answer and close.
        listener.close(promise: nil)
        connections.quiesce()
        let deadline = monotonicSeconds() + drainSeconds
        while connections.count > 0, monotonicSeconds() < deadline { usleep(10_000) }
        state.proxy.killAll()
        connections.closeAll()
        stats.disable()
        return 0
    }

    /// The bpfnav binary beside this one, which /api/v1 runs.
    static var siblingCLI: String { ServeCommand.besideExecutable("bpfnav") }
}

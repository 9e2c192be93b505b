// One connection's requests: routed, answered from the shared collection,
// the API proxy or the health check, one at a time (HTTP/1.1 keep-alive;
// NIO's pipelining handler holds the next request until this one ends).
// Nothing here blocks its event loop: collections and children run on
// threads of their own and hop back with eventLoop.execute.

import BPFKit
import BPFNavCLI
import Exporter
import NIOCore
import NIOHTTP1
import NIOPosix

/// What every connection shares.
final class ServerState: Sendable {
    let options: ServeOptions
    let collection: SharedCollection
    let proxy: APIProxy
    /// Runs the health check's syscalls off the event loops.
    let pool: NIOThreadPool

    init(options: ServeOptions, collection: SharedCollection, proxy: APIProxy, pool: NIOThreadPool) {
        self.options = options
        self.collection = collection
        self.proxy = proxy
        self.pool = pool
    }
}

final class HTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// A margin kept from Prometheus's scrape timeout for the response
    /// itself to arrive.
    static let scrapeTimeoutMargin = 0.5

    private let state: ServerState
    private var context: ChannelHandlerContext?
    private var request: HTTPRequestHead?
    /// A request is being answered (its head arrived): the idle timeout
    /// does not apply until the response ended.
    private var busy = false
    /// The request had a body: refused, and the connection closes.
    private var refused = false

    init(state: ServerState) {
        self.state = state
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            busy = true
            request = head
            refused = false
            if hasBody(head) { refuse(head) }
        case .body:
            if let head = request, !refused { refuse(head) }
        case .end:
            guard let head = request, !refused else { return }
            request = nil
            dispatch(head)
        }
    }

    /// The read timeout: a connection that sends no whole request in time
    /// (a slow client, or an idle keep-alive) is closed; one being
    /// answered is not.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if !busy { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A connection that failed is closed. A malformed request (NIO's
    /// error handler answered 400) or a reset is the client's business;
    /// anything else gets a line in the log.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !(error is HTTPParserError) && !(error is IOError) {
            Log.error("connection from \(context.remoteAddress.map { "\($0)" } ?? "?"): \(error)")
        }
        context.close(promise: nil)
    }

    private func hasBody(_ head: HTTPRequestHead) -> Bool {
        if head.headers.contains(name: "transfer-encoding") { return true }
        return head.headers["content-length"].contains { Int($0) != 0 }
    }

    private func refuse(_ head: HTTPRequestHead) {
        refused = true
        send(head, status: .payloadTooLarge, json: errorJSON("bpfnav serve takes no request bodies: every endpoint is GET or HEAD"),
             close: true)
    }

    // MARK: - Routes

    private func dispatch(_ head: HTTPRequestHead) {
        switch Routes.route(method: head.method.rawValue, uri: head.uri, allowMapContents: state.options.allowMapContents) {
        case .failure(let error):
            var headers = HTTPHeaders()
            if let allow = error.allow { headers.add(name: "allow", value: allow) }
            send(head, status: HTTPResponseStatus(statusCode: error.status), json: errorJSON(error.message), headers: headers)
        case .success(.index):
            send(head, status: .ok, contentType: "text/plain; charset=utf-8", body: Array(Self.index.utf8))
        case .success(.forbidden(let message)):
            send(head, status: .forbidden, json: errorJSON(message))
        case .success(.metrics):
            metrics(head)
        case .success(.health):
            health(head)
        case .success(.api(let arguments)):
            api(head, arguments)
        }
    }

    static let index = """
    bpfnav serve: BPF programs, maps and links of this machine, read-only.

    """ + Routes.paths.map { "  \($0)\n" }.joined() + """

    /api/v1/… return exactly what `bpfnav COMMAND --json` prints; see `bpfnav serve --help`.

    """

    private func metrics(_ head: HTTPRequestHead) {
        guard let loop = context?.eventLoop else { return }
        // Prometheus says how long it waits; the collection keeps a margin.
        let timeout = head.headers["x-prometheus-scrape-timeout-seconds"].first
            .flatMap(Double.init).map { max($0 - Self.scrapeTimeoutMargin, 0.1) }
        let bound = NIOLoopBound(self, eventLoop: loop)
        state.collection.scrape(timeout: timeout) { exposition in
            loop.execute {
                bound.value.send(head, status: .ok, contentType: Exposition.contentType, body: exposition.body)
            }
        }
    }

    private func health(_ head: HTTPRequestHead) {
        guard let loop = context?.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        state.pool.runIfActive(eventLoop: loop) { () throws -> Int in
            try BPFObjectKind.program.ids().count
        }.whenComplete { result in
            switch result {
            case .success:
                bound.value.send(head, status: .ok, contentType: "text/plain; charset=utf-8", body: Array("ok\n".utf8))
            case .failure(let error):
                bound.value.send(head, status: .serviceUnavailable, contentType: "text/plain; charset=utf-8",
                                 body: Array("\(error)\n".utf8))
            }
        }
    }

    private func api(_ head: HTTPRequestHead, _ arguments: [String]) {
        guard let loop = context?.eventLoop else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        let started = state.proxy.run(arguments) { event in
            loop.execute { bound.value.proxied(head, event) }
        }
        switch started {
        case nil:
            var headers = HTTPHeaders()
            headers.add(name: "retry-after", value: "1")
            send(head, status: .serviceUnavailable,
                 json: errorJSON("\(APIProxy.maxChildren) /api/v1 requests are being answered: try again in a second"),
                 headers: headers)
        case .failure(let error)?:
            Log.error("/api/v1: \(error.message)")
            send(head, status: .internalServerError, json: errorJSON(error.message))
        case .success?:
            break
        }
    }

    private func proxied(_ head: HTTPRequestHead, _ event: ProxyEvent) {
        switch event {
        case .complete(let status, let body):
            send(head, status: HTTPResponseStatus(statusCode: status), json: body)
        case .start(let first):
            guard let context else { return }
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            // No length: HTTP/1.1 gets chunked encoding; HTTP/1.0 the end
            // of the connection.
            let keepAlive = head.isKeepAlive && head.version.minor >= 1
            if !keepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            if head.method != .HEAD, !first.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: first)))), promise: nil)
            }
            context.flush()
        case .chunk(let bytes, let taken):
            guard let context else { return taken(false) }
            guard head.method != .HEAD else { return taken(true) }
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { taken((try? $0.get()) != nil) }
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: promise)
        case .end(let complete):
            guard let context else { return }
            guard complete else {
                // Cut short: no last chunk, so the client sees the body is incomplete.
                context.close(promise: nil)
                return
            }
            let keepAlive = head.isKeepAlive && head.version.minor >= 1
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
            busy = false
        }
    }

    // MARK: - Responses

    private func send(_ head: HTTPRequestHead, status: HTTPResponseStatus, json: [UInt8], headers: HTTPHeaders = [:], close: Bool = false) {
        send(head, status: status, contentType: "application/json", body: json, headers: headers, close: close)
    }

    /// A whole response with its length; HEAD gets the headers only.
    private func send(_ head: HTTPRequestHead, status: HTTPResponseStatus, contentType: String, body: [UInt8],
                      headers extra: HTTPHeaders = [:], close: Bool = false) {
        guard let context else { return }
        var headers = extra
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.count))
        let keepAlive = head.isKeepAlive && !close
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD, !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
        busy = false
    }
}

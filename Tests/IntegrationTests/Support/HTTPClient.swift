import Foundation
import Glibc
import TestSupport
import XCTest

/// A response as read off the socket.
struct HTTPResponse {
    var status: Int
    /// Names lowercased.
    var headers: [String: String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A loopback TCP connection speaking just enough HTTP/1.1 for the tests:
/// raw bytes out, a response (with chunked bodies) in.
final class HTTPConnection {
    let fd: Int32

    /// `receiveBuffer`: SO_RCVBUF, small for a client that reads slowly.
    init(port: Int, timeout: Double = 30, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var tv = timeval(tv_sec: Int(timeout * testTimeScale), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7f00_0001).bigEndian)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// A request with `Connection: close`, and the response.
    func request(_ method: String, _ path: String, headers: [String: String] = [:]) throws -> HTTPResponse {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        send(text + "\r\n")
        return try response()
    }

    /// Everything until the server closes; nil on a timeout.
    func readToEnd() -> [UInt8]? {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return all }
            if n < 0 {
                if errno == EINTR { continue }
                return errno == ECONNRESET ? all : nil
            }
            all += buffer[0..<n]
        }
    }

    /// The response, read until the server closes the connection.
    func response() throws -> HTTPResponse {
        guard let raw = readToEnd() else { throw HTTPClientError("no response within the timeout") }
        return try HTTPResponse(parsing: raw)
    }
}

struct HTTPClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension HTTPResponse {
    init(parsing raw: [UInt8]) throws {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = raw.firstRange(of: separator) else {
            throw HTTPClientError("no header end in \(raw.count) bytes: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        let lines = String(decoding: raw[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, let status = Int(statusWords[1]) else { throw HTTPClientError("status line '\(lines[0])'") }
        self.status = status
        headers = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let rest = Array(raw[end.upperBound...])
        body = headers["transfer-encoding"] == "chunked" ? try Self.dechunk(rest) : rest
    }

    private static func dechunk(_ data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = data[index...].firstRange(of: crlf) else { throw HTTPClientError("chunked body cut short") }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16) else { throw HTTPClientError("chunk size '\(sizeText)'") }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard start + size + 2 <= data.count else { throw HTTPClientError("chunk cut short") }
            out += data[start..<(start + size)]
            index = start + size + 2
        }
    }
}

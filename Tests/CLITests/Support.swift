import Encoding
import Foundation
import TestSupport
import XCTest
@testable import BPFNavCLI

// MARK: - Rendering

/// What `body` appends to an `Output` that writes nowhere.
func render(_ body: (Output) -> Void) -> [UInt8] {
    let out = Output(fd: -1, bufferLimit: Int.max)
    body(out)
    let bytes = out.buffer
    return bytes
}

func renderText(_ body: (Output) -> Void) -> String {
    String(decoding: render(body), as: UTF8.self)
}

func jsonString(_ bytes: [UInt8]) -> [UInt8] {
    render { Escape.appendJSONString(bytes, to: $0) }
}

func terminalString(_ bytes: [UInt8]) -> [UInt8] {
    render { Escape.appendTerminal(bytes, to: $0) }
}

func hexDump(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
}

// MARK: - Deterministic randomness

/// Byte strings that stress UTF-8 handling: uniform noise, a soup of the
/// bytes that matter (controls, quotes, leads, continuations), and valid
/// scalars of every length mixed with truncated and stray bytes.
func randomByteString(_ rng: inout SplitMix64) -> [UInt8] {
    let interesting: [UInt8] = [
        0x00, 0x01, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b, 0x1f, 0x20, 0x22, 0x2f, 0x41, 0x5c,
        0x7e, 0x7f, 0x80, 0x8f, 0x90, 0x9b, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2,
        0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf8, 0xfe, 0xff,
    ]
    let scalars: [UInt32] = [
        0x41, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0xa0, 0xe9, 0x7ff, 0x800, 0x200e, 0x200f, 0x2028, 0x202a,
        0x202e, 0x2066, 0x2069, 0x20ac, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff,
    ]
    func utf8(_ v: UInt32) -> [UInt8] { Array(String(Character(Unicode.Scalar(v)!)).utf8) }
    switch rng.next() % 4 {
    case 0:
        return (0..<Int(rng.next() % 33)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    case 1:
        return (0..<Int(rng.next() % 25)).map { _ in interesting[Int(rng.next() % UInt64(interesting.count))] }
    case 2: // valid UTF-8 only: ASCII (specials included) and scalars of every length
        var bytes: [UInt8] = []
        for _ in 0..<Int(rng.next() % 12) {
            switch rng.next() % 3 {
            case 0: bytes.append(UInt8(truncatingIfNeeded: rng.next() % 0x80))
            case 1: bytes += utf8(scalars[Int(rng.next() % UInt64(scalars.count))])
            default:
                let v = UInt32(truncatingIfNeeded: rng.next() % 0x110000)
                bytes += utf8((0xd800...0xdfff).contains(v) ? 0x20ac : v)
            }
        }
        return bytes
    default:
        var bytes: [UInt8] = []
        for _ in 0..<Int(rng.next() % 10) {
            switch rng.next() % 5 {
            case 0: // a listed scalar
                bytes += utf8(scalars[Int(rng.next() % UInt64(scalars.count))])
            case 1: // any scalar
                var v = UInt32(truncatingIfNeeded: rng.next() % 0x110000)
                if (0xd800...0xdfff).contains(v) { v = 0xfffd }
                bytes += utf8(v)
            case 2: // a multi-byte scalar cut short
                var v = UInt32(truncatingIfNeeded: 0x80 + rng.next() % (0x110000 - 0x80))
                if (0xd800...0xdfff).contains(v) { v = 0x1f600 }
                let full = utf8(v)
                bytes += full.prefix(1 + Int(rng.next() % UInt64(full.count - 1)))
            case 3:
                bytes.append(interesting[Int(rng.next() % UInt64(interesting.count))])
            default:
                bytes.append(UInt8(truncatingIfNeeded: rng.next()))
            }
        }
        return bytes
    }
}

// MARK: - Reference encoders (built on the standard library's UTF-8 decoder)

/// Splits `bytes` the way Swift's own UTF-8 decoder does: valid scalars,
/// and the bytes of each maximal ill-formed subpart.
func utf8Pieces(_ bytes: [UInt8]) -> [(valid: Bool, bytes: ArraySlice<UInt8>)] {
    var pieces: [(Bool, ArraySlice<UInt8>)] = []
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var position = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let encoded):
            pieces.append((true, bytes[position..<(position + encoded.count)]))
            position += encoded.count
        case .error(let length):
            pieces.append((false, bytes[position..<(position + length)]))
            position += length
        case .emptyInput:
            precondition(position == bytes.count)
            return pieces
        }
    }
}

func scalarValue(_ utf8: ArraySlice<UInt8>) -> UInt32 {
    String(decoding: utf8, as: UTF8.self).unicodeScalars.first!.value
}

/// The JSON string bpfnav documents: every ill-formed byte as \udcXX.
func referenceJSON(_ bytes: [UInt8]) -> [UInt8] {
    var out = "\""
    for piece in utf8Pieces(bytes) {
        if !piece.valid {
            for b in piece.bytes { out += String(format: "\\udc%02x", b) }
            continue
        }
        let v = scalarValue(piece.bytes)
        switch v {
        case 0x22: out += "\\\""
        case 0x5c: out += "\\\\"
        case 0x0a: out += "\\n"
        case 0x09: out += "\\t"
        case 0x0d: out += "\\r"
        case 0x08: out += "\\b"
        case 0x0c: out += "\\f"
        case 0..<0x20, 0x7f: out += String(format: "\\u%04x", v)
        // Escaped so parsers that drop a byte order mark keep it.
        case 0xfeff: out += "\\ufeff"
        default: out += String(decoding: piece.bytes, as: UTF8.self)
        }
    }
    return Array((out + "\"").utf8)
}

/// Scalars a terminal must never be handed raw: C1 controls, bidi
/// embeddings/overrides/isolates and the directional marks.
func isTerminalHazard(_ v: UInt32) -> Bool {
    (0x80...0x9f).contains(v) || (0x202a...0x202e).contains(v) || (0x2066...0x2069).contains(v)
        || v == 0x200e || v == 0x200f
}

// MARK: - Decoders written independently of bpfnav

struct DecodeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Reverses the terminal escaping: \\ \n \t \r \xNN \u{N...}.
func decodeTerminal(_ s: [UInt8]) throws -> [UInt8] {
    var out: [UInt8] = []
    var i = 0
    while i < s.count {
        let b = s[i]
        if b != 0x5c { out.append(b); i += 1; continue }
        guard i + 1 < s.count else { throw DecodeFailure("dangling backslash") }
        let e = s[i + 1]
        i += 2
        switch e {
        case 0x5c: out.append(0x5c)
        case UInt8(ascii: "n"): out.append(0x0a)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "r"): out.append(0x0d)
        case UInt8(ascii: "x"):
            guard i + 2 <= s.count, let v = UInt8(String(decoding: s[i..<(i + 2)], as: UTF8.self), radix: 16) else {
                throw DecodeFailure("bad \\x escape")
            }
            out.append(v)
            i += 2
        case UInt8(ascii: "u"):
            guard i < s.count, s[i] == UInt8(ascii: "{"), let close = s[i...].firstIndex(of: UInt8(ascii: "}")),
                  let v = UInt32(String(decoding: s[(i + 1)..<close], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(v) else {
                throw DecodeFailure("bad \\u{} escape")
            }
            out += Array(String(Character(scalar)).utf8)
            i = close + 1
        default:
            throw DecodeFailure("bad escape")
        }
    }
    return out
}

/// `decode()`, or nil after failing the test with the decoder's complaint.
func decoded(_ decode: () throws -> [UInt8], file: StaticString = #filePath, line: UInt = #line) -> [UInt8]? {
    do {
        return try decode()
    } catch {
        XCTFail("decoder: \(error)", file: file, line: line)
        return nil
    }
}

// MARK: - python3

/// The python3 on PATH, or nil.
func findPython3() -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("python3")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
}

/// Runs `python3 -c script args...`; returns (status, stdout, stderr).
func runPython(_ python: URL, _ script: String, _ arguments: [String]) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = python
    process.arguments = ["-c", script] + arguments
    let stdout = Pipe(), stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

// MARK: - Capturing the real stdout and stderr

/// Runs `body` with file descriptors 1 and 2 redirected to temporary files.
func captureStandardStreams(_ body: () -> Int32) -> (status: Int32, stdout: String, stderr: String) {
    fflush(nil)
    Output.standardOutput.flush()
    Output.standardError.flush()
    func temporary() -> (Int32, String) {
        var template = Array((NSTemporaryDirectory() + "/bpfnav-clitests-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0, "mkstemp failed")
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (fd, path)
    }
    let (outFD, outPath) = temporary()
    let (errFD, errPath) = temporary()
    let savedOut = dup(1), savedErr = dup(2)
    dup2(outFD, 1)
    dup2(errFD, 2)
    let status = body()
    Output.standardOutput.flush()
    Output.standardError.flush()
    fflush(nil)
    dup2(savedOut, 1)
    dup2(savedErr, 2)
    close(savedOut); close(savedErr); close(outFD); close(errFD)
    let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "<unreadable>"
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "<unreadable>"
    unlink(outPath)
    unlink(errPath)
    return (status, out, err)
}

import BPFKit
import Foundation
import Glibc
import XCTest

/// A directory one test owns: made new (so nothing else is in it) and
/// removed with everything in it when the test is done. Never a fixed path:
/// tests run in parallel processes and must not race on a shared one.
public struct TestDirectory: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String

    /// `parent/prefix-PID-xxxxxxxx`, mode 0700.
    public init(in parent: String, prefix: String) throws {
        let path = "\(parent)/\(prefix)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        guard mkdir(path, 0o700) == 0 else {
            throw Failure(description: "mkdir \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
    }

    /// A directory on the bpffs at /sys/fs/bpf, for pins and bpfnav's
    /// program cache: `bpfnav-test-PID-xxxxxxxx`.
    public static func onBPFFS() throws -> TestDirectory {
        try TestDirectory(in: BPFFS.defaultMount, prefix: "bpfnav-test")
    }

    /// Removes everything in the directory, then the directory itself; false
    /// (with errno set) when that last rmdir fails. Symbolic links are
    /// removed, never followed.
    @discardableResult
    public func remove() -> Bool {
        Self.removeContents(of: path)
        return rmdir(path) == 0
    }

    private static func removeContents(of directory: String) {
        for name in (try? BPFFS.entries(of: directory)) ?? [] {
            let path = "\(directory)/\(name)"
            var st = stat()
            if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR {
                removeContents(of: path)
                rmdir(path)
            } else {
                unlink(path)
            }
        }
    }
}

extension XCTestCase {
    /// A new directory `/tmp/prefix-PID-xxxxxxxx` for the running test,
    /// removed with everything in it when the test ends.
    public func temporaryDirectory(_ prefix: String) throws -> String {
        let directory = try TestDirectory(in: "/tmp", prefix: prefix)
        addTeardownBlock { directory.remove() }
        return directory.path
    }
}

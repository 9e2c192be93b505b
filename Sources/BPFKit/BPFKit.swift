// BPFKit is bpfnav's one layer over the kernel's BPF interface. It holds
// every bpf(2) and libbpf call: only BPFKit imports CLibBPF, and the layers
// above get Swift types and functions named for what they do
// (`MapElements`, `RunTimeStatistics.enable()`,
// `BPFObject.attachRawTracepoint`). It decodes the kernel's ABI (info
// structs and how much of them an older kernel writes, link info at newer
// kernels' offsets, BTF, verifier logs), and owns bpffs (pins, verified pin
// directories, renames). The errno of a failed bpf(2) or libbpf call is
// read in one place, `Errno.result(of:)` below, and a failure is said as
// "OPERATION SUBJECT: cause (ENAME)" with what the user can do about it.
// What does not belong here: the BPF programs bpfnav loads and their
// records (Iterators), and what the objects mean and how they are shown
// (ObjectModel, Formatting, BPFNavCLI, TUI). A layer above that needs the kernel asks for
// a function here, not for CLibBPF.

import Glibc

extension Errno {
    /// Runs one bpf(2), libbpf or libc call: what it returned, if that is
    /// not negative, else the errno it failed with. The one place bpfnav
    /// reads errno after such a call.
    ///
    /// libbpf returns -errno (and sets errno); plain libc returns -1 and
    /// sets errno; bpfnav's shim returns -errno. A result below -1 is the
    /// code negated; -1 is errno's code, which is cleared first, so that a
    /// stale one is never the cause. A -1 with errno unset can only be
    /// libbpf's -EPERM (libc always sets errno), e.g. when the call's
    /// result was captured before this ran.
    static func result(of body: () -> Int32) -> Result<Int32, Errno> {
        Glibc.errno = 0
        let result = body()
        if result >= 0 { return .success(result) }
        let code = result < -1 ? -result : Glibc.errno
        return .failure(code != 0 ? Errno(rawValue: code) : .EPERM)
    }
}

/// The one place bpfnav's BPF and file system calls report failure: runs
/// `body` (what the C call returns, as `Errno.result(of:)` reads it) and
/// says a failure as "OPERATION SUBJECT: cause (ENAME)", with `hint`'s
/// advice for the code.
@discardableResult
public func check(_ operation: String, _ subject: String, hint: ((Int32) -> String?)? = nil,
                  _ body: () -> Int32) throws(BPFError) -> Int32 {
    switch Errno.result(of: body) {
    case .success(let value):
        return value
    case .failure(let code):
        throw BPFError(operation, subject, errno: code, hint: hint?(code.rawValue))
    }
}

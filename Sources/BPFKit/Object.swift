import CLibBPF
import Glibc

/// A BPF ELF object opened from memory and loaded into the kernel.
///
/// Owns the libbpf `bpf_object`: its programs' and maps' fds live as long as
/// it does. Links made from its programs hold their own references, so they
/// outlive it.
public final class BPFObject {
    let object: OpaquePointer
    public let name: String
    /// libbpf keeps pointers into the ELF image until close.
    private let image: UnsafeMutableRawBufferPointer

    /// Opens `elf` (a BPF object file's bytes). Nothing is loaded yet.
    public init(elf: [UInt8], name: String) throws(BPFError) {
        LibbpfLog.install()
        self.name = name
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: max(elf.count, 1), alignment: 8)
        elf.withUnsafeBytes { image.copyMemory(from: $0) }
        self.image = image
        var opts = bpf_object_open_opts()
        opts.sz = MemoryLayout<bpf_object_open_opts>.size
        let opened: OpaquePointer? = name.withCString { cname in
            opts.object_name = cname
            return bpf_object__open_mem(image.baseAddress, elf.count, &opts)
        }
        let code = Int32(truncatingIfNeeded: libbpf_get_error(UnsafeRawPointer(opened)))
        guard let opened, code == 0 else {
            image.deallocate()
            throw BPFError("open BPF object", name, errno: code != 0 ? -code : EINVAL,
                           log: LibbpfLog.take())
        }
        object = opened
    }

    deinit {
        bpf_object__close(object)
        image.deallocate()
    }

    /// Loads every program and creates every map. A program the verifier
    /// refuses is said as such ("the kernel's verifier rejected PROGRAM:
    /// REASON"), its whole log saved to a file the error names, unless
    /// `savingRejectionLog` is false: a feature probe expects refusals and
    /// must leave no file behind.
    public func load(savingRejectionLog: Bool = true) throws(BPFError) {
        _ = LibbpfLog.take()
        if case .failure(let code) = Errno.result(of: { bpf_object__load(object) }) {
            throw Self.loadError(object: name, code: code.rawValue, log: LibbpfLog.take(), capabilities: .current(),
                                 fdsShort: FileDescriptorHeadroom.current() < 16,
                                 saveLog: savingRejectionLog ? { log throws(BPFError) in try log.save() } : nil)
        }
    }

    /// The error for a failed `bpf_object__load`, from its errno and
    /// libbpf's messages. A refusal (EACCES, EPERM, EINVAL) is the
    /// verifier's when bpfnav holds the capabilities and libbpf passed on a
    /// verifier log; "run as root" only when a capability is really missing.
    static func loadError(object: String, code: Int32, log: String, capabilities: Capabilities, fdsShort: Bool,
                          saveLog: ((VerifierLog) throws(BPFError) -> String)?) -> BPFError {
        // Out of fds part way, libbpf's feature probes fail and it carries on
        // with a program the kernel then rejects (EINVAL): the cause is
        // the fd limit, not the program.
        let fdHint: String? = code != EMFILE && (log.contains("Too many open files") || fdsShort)
            ? "file descriptors ran short while libbpf loaded it (ulimit -n is \(FileDescriptorHeadroom.limit())): raise the limit and try again"
            : nil
        guard code == EACCES || code == EPERM || code == EINVAL else {
            return BPFError("load BPF object", object, errno: code, hint: fdHint, log: log)
        }
        if !capabilities.canLoadTracing {
            return BPFError("load BPF object", object, errno: code, hint: fdHint
                ?? "loading BPF programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); this process lacks \(capabilities.missingForTracing.joined(separator: " and ")): run as root",
                log: log)
        }
        guard let verifier = VerifierLog(libbpfMessages: log) else {
            return BPFError("load BPF object", object, errno: code, hint: fdHint
                ?? "the kernel refused it, and bpfnav holds the capabilities it needs: bpfnav --verbose shows libbpf's messages",
                log: log)
        }
        var rejection = BPFError("the kernel's verifier rejected", verifier.program, errno: code, log: log)
        rejection.cause = verifier.reason
        let saved = "in BPF object \(object)" + (verifier.suggestion.map { "; the verifier suggests: \($0)" } ?? "")
        guard let saveLog else {
            rejection.hint = fdHint ?? saved
            return rejection
        }
        do {
            rejection.logPath = try saveLog(verifier)
            rejection.hint = fdHint ?? saved
        } catch {
            rejection.hint = fdHint ?? "in BPF object \(object); the verifier's log could not be saved (\(error.message)): bpfnav --verbose prints it"
        }
        return rejection
    }

    /// Names of the object's programs, in ELF order.
    public var programNames: [String] {
        var names: [String] = []
        var prog = bpf_object__next_program(object, nil)
        while let p = prog {
            names.append(String(cString: bpf_program__name(p)))
            prog = bpf_object__next_program(object, p)
        }
        return names
    }

    /// Switches a program off before `load()`, e.g. one this kernel lacks.
    public func setAutoload(_ program: String, _ enabled: Bool) throws(BPFError) {
        let prog = try find(program)
        try check("set autoload of", program) { bpf_program__set_autoload(prog, enabled) }
    }

    /// A loaded program's fd. Owned by the object: valid while it lives.
    public func programFD(_ program: String) throws(BPFError) -> Int32 {
        let prog = try find(program)
        let fd = bpf_program__fd(prog)
        guard fd >= 0 else {
            throw BPFError("get fd of program", "\(program) in \(name)", errno: EBADF,
                           hint: "the object is not loaded, or the program was switched off")
        }
        return fd
    }

    /// A map's fd, by its name in the object. Owned by the object.
    public func mapFD(_ map: String) throws(BPFError) -> Int32 {
        guard let m = bpf_object__find_map_by_name(object, map) else {
            throw BPFError("find map", "\(map) in \(name)", errno: ENOENT)
        }
        let fd = bpf_map__fd(m)
        guard fd >= 0 else {
            throw BPFError("get fd of map", "\(map) in \(name)", errno: EBADF, hint: "the object is not loaded")
        }
        return fd
    }

    /// Attaches the loaded `program` to the raw tracepoint `tracepoint`
    /// (`BPF_RAW_TRACEPOINT_OPEN`): the link, which the caller owns.
    public func attachRawTracepoint(_ program: String, to tracepoint: String) throws(BPFError) -> OwnedFD {
        let fd = try programFD(program)
        let link = try check("attach \(program) to raw tracepoint", tracepoint, hint: { code in
            code == EPERM ? "attaching tracing programs needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)" : nil
        }) { bpf_raw_tracepoint_open(tracepoint, fd) }
        return OwnedFD(adopting: link)
    }

    /// Pins a loaded program at `path` on a bpffs.
    public func pinProgram(_ program: String, at path: String) throws(BPFError) {
        let fd = try programFD(program)
        try BPFFS.pin(fd, at: path, what: "program \(program)")
    }

    private func find(_ program: String) throws(BPFError) -> OpaquePointer {
        guard let prog = bpf_object__find_program_by_name(object, program) else {
            throw BPFError("find program", "\(program) in \(name)", errno: ENOENT)
        }
        return prog
    }
}

/// The verifier's account of a program it refused, as libbpf passes it on:
/// "prog 'NAME': BPF program load failed: …", then the log between
/// "prog 'NAME': -- BEGIN PROG LOAD LOG --" and "-- END PROG LOAD LOG --".
public struct VerifierLog: Equatable, Sendable {
    static let beginMarker = "-- BEGIN PROG LOAD LOG --"
    static let endMarker = "-- END PROG LOAD LOG --"

    /// The refused program's name.
    public var program: String
    /// The whole log, as the kernel wrote it.
    public var text: String
    /// The line that says why: the verifier's error, its last meaningful
    /// line before the summary ("processed N insns …") and before the report
    /// 7.x adds; nil if there is none.
    public var reason: String?
    /// What 7.x's report suggests doing ("Add a NULL check before the
    /// access …"), when it is short enough for a hint; nil otherwise.
    public var suggestion: String?

    /// The last refused program in `libbpfMessages`; nil when libbpf
    /// reported no failed program load or passed on no verifier log.
    public init?(libbpfMessages messages: String) {
        guard let failed = messages.ranges(of: "': BPF program load failed").last,
              let open = messages[..<failed.lowerBound].ranges(of: "prog '").last else { return nil }
        let program = String(messages[open.upperBound..<failed.lowerBound])
        guard let begin = messages.ranges(of: "prog '\(program)': \(Self.beginMarker)\n").last else { return nil }
        let rest = messages[begin.upperBound...]
        let end = rest.firstRange(of: Self.endMarker)?.lowerBound ?? rest.endIndex
        self.program = program
        text = String(rest[..<end])
        reason = Self.reason(in: text)
        suggestion = Self.suggestion(in: text)
    }

    public init(program: String, text: String) {
        self.program = program
        self.text = text
        reason = Self.reason(in: text)
        suggestion = Self.suggestion(in: text)
    }

    /// The last line before the summary and before 7.x's report that is
    /// neither an instruction ("12: (85) call …"), a register state
    /// ("12: R1=…") nor source ("; …"). The report explains the error after
    /// the verifier has said it, in sections whose last is a suggestion:
    /// its lines are context, not the reason. A report with no error line
    /// before it gives its headline.
    static func reason(in log: String) -> String? {
        var lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        if let summary = lines.lastIndex(where: { isSummary($0.trimmingWhitespace()) }) {
            lines.removeSubrange(summary...)
        }
        let report = lines.firstIndex(where: isReportStart) ?? lines.endIndex
        let reason = lines[..<report].map { $0.trimmingWhitespace() }.last { line in
            !line.isEmpty && !line.hasPrefix(";") && !isInstruction(line) && !isSummary(line)
                && !line.hasPrefix("verification time") && !line.hasPrefix("stack depth")
        }
        if reason == nil, report < lines.endIndex {
            return lines[report].trimmingWhitespace()
        }
        return reason
    }

    /// 7.x's "Suggestion:" section as one line, when it is at most 160
    /// characters (a longer one stays in the saved log).
    static func suggestion(in log: String) -> String? {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        guard let report = lines.firstIndex(where: isReportStart),
              let heading = lines[report...].firstIndex(where: { $0 == "Suggestion:" }) else { return nil }
        // The section: its indented lines, up to a blank or unindented one.
        let body = lines[(heading + 1)...].prefix { $0.first == " " || $0.first == "\t" }
        let text = body.map { $0.trimmingWhitespace() }.joined(separator: " ")
        return text.isEmpty || text.count > 160 ? nil : text
    }

    /// 7.x's report after the error line, e.g. "Verification failed:
    /// Register Type Safety: Invalid dereference", then "Reason:", "At:",
    /// "Causal path:", "Suggestion:" (measured on Debian's 7.3).
    private static func isReportStart(_ line: Substring) -> Bool {
        line.hasPrefix("Verification failed:")
    }

    /// "processed 13 insns (limit 1000000) …".
    private static func isSummary(_ line: String) -> Bool {
        guard line.hasPrefix("processed ") else { return false }
        return line.dropFirst("processed ".count).first?.isNumber ?? false
    }

    /// "12: (85) call bpf_d_path#147", "0: R1=ctx() R10=fp0", "from 4 to 6: …".
    private static func isInstruction(_ line: String) -> Bool {
        let digits = line.prefix { $0.isNumber }
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(":") { return true }
        return line.hasPrefix("from ") && line.contains(" to ") && line.contains(":")
    }

    /// Writes the log to a new file of its own, under $TMPDIR (or /tmp):
    /// `bpfnav-verifier-PROGRAM-XXXXXX.log`, created exclusively (never an
    /// existing file or a symlink someone planted), mode 0600. Its path.
    public func save(directory: String? = nil) throws(BPFError) -> String {
        let directory = directory ?? {
            if let tmp = getenv("TMPDIR").map({ String(cString: $0) }), tmp.hasPrefix("/") { return tmp }
            return "/tmp"
        }()
        // Only the characters of a C identifier in the name: a program
        // name is the ELF's, which anyone may have written.
        let safe = String(program.unicodeScalars.prefix(64).map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_")
                ? Character(scalar) : "_"
        })
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        var lastError = EEXIST
        for _ in 0..<100 {
            let unique = String((0..<6).map { _ in letters[Int(generator.next() % UInt64(letters.count))] })
            let path = "\(directory)/bpfnav-verifier-\(safe)-\(unique).log"
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd < 0 {
                lastError = errno
                if lastError == EEXIST { continue }
                break
            }
            let bytes = Array(text.utf8)
            var written = 0
            while written < bytes.count {
                let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 {
                    let code = n < 0 ? errno : EIO
                    close(fd)
                    unlink(path)
                    throw BPFError("write the verifier's log to", path, errno: code)
                }
                written += n
            }
            if close(fd) != 0 {
                let code = errno
                unlink(path)
                throw BPFError("write the verifier's log to", path, errno: code)
            }
            return path
        }
        throw BPFError("create a file for the verifier's log in", directory, errno: lastError)
    }
}

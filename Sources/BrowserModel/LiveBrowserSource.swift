import BPFKit
import Glibc
import Iterators
import Synchronization
import Encoding
import Formatting
import ObjectModel
import Platform

/// The browser's data from the running kernel: BPF objects by id, every
/// bpffs, bpfnav's task iterators, map entries by batch lookups.
public final class LiveBrowserSource: BrowserSource, @unchecked Sendable {
    private let stats = BrowserRunStats()
    private let taskCPU = Mutex(TaskCPUSampler())
    /// This build's program cache, marked in use while the browser runs, so
    /// that another build's bpfnav leaves it alone.
    private let cacheHold = Mutex<ProgramCache.Hold?>(nil)

    public init() {}

    // MARK: Lists

    public func snapshot() -> BrowserSnapshot {
        var snapshot = BrowserSnapshot(kernelRelease: BrowserFormat.kernelRelease())
        let ownMark = OwnObjects.mark
        // Programs are cached in bpffs between runs (see ProgramCache).
        let loader = IterLoader(cache: ProgramCache.standard)
        var tasks: [TaskRecord] = []
        if let reason = Features.current.unavailable(.task) {
            snapshot.errors[.tasks] = reason
        } else {
            do {
                tasks = try loader.records(TaskRecord.self, .task)
            } catch {
                snapshot.errors[.tasks] = "list tasks: \(Self.message(error))"
            }
        }
        snapshot.tasks = TaskEntry.processes(tasks)
        if cacheHold.withLock({ $0 == nil }), let hold = loader.cache?.hold() {
            cacheHold.withLock { $0 = hold }
        }

        // Holders before the walk: their iterators may pin bpfnav's program
        // cache, which the walk then sees.
        var references = ObjectReferences()
        do {
            references.holders = try Holders.collect(loader: loader)
        } catch {
            snapshot.notices.append("pids unavailable: \(Self.message(error))")
        }
        // Where programs run: the network namespaces, the cgroup tree,
        // struct_ops tables and links.
        // The links once: the attachments are found from them, and the
        // Links list shows them.
        var links: Result<[LinkEntry], BPFError>
        do { links = .success(try Objects.links()) } catch { links = .failure(error) }
        let attachments = AttachmentIndex.collect(links: (try? links.get()) ?? [])
        references.attachments = attachments
        snapshot.attachments = AttachmentIndex.browsingOrder(attachments.all)
        if !attachments.errors.isEmpty {
            snapshot.notices.append("attachments: " + attachments.errors.joined(separator: "; "))
        }
        let mounts = PinWalk.bpffsMounts()
        let entries = PinWalk.walkAll()
        references.pins = PinIndex(entries)
        snapshot.pins = PinEntry.tree(entries, mounts: mounts)
        if mounts.isEmpty {
            snapshot.errors[.pins] = "no bpffs is mounted: mount -t bpf bpf /sys/fs/bpf"
        }

        do {
            let programs = try Objects.programs(references: references)
            snapshot.time = Double(RunStats.monotonicNanoseconds()) / 1e9
            let rates = stats.sample(programs.map(\.info))
            snapshot.programs = programs.map { Self.program($0, rates: rates) }
        } catch {
            snapshot.errors[.programs] = Self.message(error)
        }
        do {
            snapshot.maps = try Objects.maps(references: references)
        } catch {
            snapshot.errors[.maps] = Self.message(error)
        }
        do {
            snapshot.links = try links.get().map { link in
                var link = link
                references.apply(to: &link)
                return Self.link(link, programs: snapshot.programs)
            }
        } catch {
            snapshot.errors[.links] = Self.message(error)
        }
        snapshot.runStats = stats.isEnabled
        snapshot.own = OwnObjectSet(noted: OwnObjects.all, programs: snapshot.programs,
                                    links: snapshot.links, pins: entries)
        if snapshot.errors[.programs] == nil {
            OwnObjects.forget(notIn: Set(snapshot.programs.map { .program($0.id) }), notedBefore: ownMark)
        }
        addProcessDetails(&snapshot.tasks, holders: references.holders ?? Holders())
        return snapshot
    }

    /// What the task iterator does not carry: CPU time and RSS
    /// (/proc/PID/stat), the command line, the user's name, whether the
    /// process holds BPF objects; then CPU% since the previous snapshot.
    private func addProcessDetails(_ tasks: inout [TaskEntry], holders: Holders) {
        var holding: Set<UInt32> = []
        for objects in holders.byKind.values {
            for list in objects.values { holding.formUnion(list.map(\.pid)) }
        }
        for index in tasks.indices {
            let pid = tasks[index].pid
            if let stat = ProcessStat.read(pid: pid) {
                tasks[index].cpuTime = stat.cpuTime
                tasks[index].rss = stat.rss
            }
            if !tasks[index].isKernelThread { tasks[index].commandLine = ProcessStat.commandLine(pid: pid) }
            tasks[index].user = UserNames.shared.name(tasks[index].uid)
            tasks[index].holdsBPF = holding.contains(pid)
        }
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        let boottime = UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
        taskCPU.withLock { $0.sample(&tasks, now: boottime) }
    }

    public func setRunStats(_ enabled: Bool) -> String? {
        do {
            try stats.set(enabled)
            return nil
        } catch {
            return "run stats: \(Self.message(error))"
        }
    }

    /// As `bpfnav unpin NAME --dir DIRECTORY`: the same ownership checks,
    /// under the directory's lock.
    public func unpin(_ path: [UInt8]) -> String? {
        let text = String(decoding: path, as: UTF8.self)
        guard Array(text.utf8) == path, let slash = text.lastIndex(of: "/") else {
            return "unpin \(Escape.terminal(path)): not a pin bpfnav made (bpfnav's pin names are UTF-8 paths)"
        }
        let directory = slash == text.startIndex ? "/" : String(text[..<slash])
        do {
            _ = try IterPins(directory: directory).remove([String(text[text.index(after: slash)...])])
            return nil
        } catch {
            return Self.message(error)
        }
    }

    // MARK: Content

    public func document(for target: BrowserTarget, in snapshot: BrowserSnapshot) -> BrowserDocument {
        switch target {
        case .object(let object):
            switch object.kind {
            case .program: programDocument(object.id, snapshot)
            case .map: mapDocument(object.id, snapshot)
            case .link: linkDocument(object.id, snapshot)
            case .btf: BrowserDocuments.preview(target, in: snapshot)
            }
        case .pin(let path): pinDocument(path, snapshot)
        case .task(let pid): taskDocument(pid, snapshot)
        case .place: BrowserDocuments.preview(target, in: snapshot)
        }
    }

    public func openMap(id: UInt32) throws -> any BrowserMapReader {
        try BrowserMapPager(id: id)
    }

    private func programDocument(_ id: UInt32, _ snapshot: BrowserSnapshot) -> BrowserDocument {
        let entry: ProgramEntry
        do {
            entry = try Objects.program(id: id)
        } catch {
            return .failure("Program \(id)", Self.message(error))
        }
        var program = entry
        if let listed = snapshot.program(id) {
            program.pinned = listed.pinned
            program.pids = listed.pids
            program.rate = listed.rate
            program.attachments = listed.attachments
        }
        var document = BrowserDocuments.program(program, in: snapshot)
        do {
            document.lines += Self.instructionLines(try ProgramInstructions.lines(programID: id))
        } catch {
            document.lines.append(.heading("Instructions (xlated)"))
            document.lines.append(.error(Self.message(error)))
        }
        return document
    }

    /// A program's instructions under their heading.
    /// Each function's signature and the source lines of the program's line
    /// info come before their instruction, as in `prog ID --xlated`; a jump
    /// line knows its target.
    public static func instructionLines(_ lines: [XlatedLine]) -> [BrowserLine] {
        var out: [BrowserLine] = [.heading("Instructions (xlated, \(lines.count))")]
        out.reserveCapacity(lines.count + 1)
        for line in lines {
            if let function = line.function { out.append(.code(Xlated.terminalText(function + ":"))) }
            if let source = line.source { out.append(.code(Xlated.terminalText(source.rendered(linum: false)))) }
            var code = BrowserLine.code(Xlated.terminalText(line.rendered))
            code.instruction = line.index
            code.jump = line.jumpTarget
            out.append(code)
        }
        return out
    }

    private func mapDocument(_ id: UInt32, _ snapshot: BrowserSnapshot) -> BrowserDocument {
        let entry: MapEntry
        do {
            entry = try Objects.map(id: id)
        } catch {
            return .failure("Map \(id)", Self.message(error))
        }
        var map = entry
        if let listed = snapshot.map(id) {
            map.pinned = listed.pinned
            map.pids = listed.pids
        }
        return BrowserDocuments.map(map, in: snapshot)
    }

    private func linkDocument(_ id: UInt32, _ snapshot: BrowserSnapshot) -> BrowserDocument {
        let entry: LinkEntry
        do {
            entry = try Objects.link(id: id)
        } catch {
            return .failure("Link \(id)", Self.message(error))
        }
        var link = Self.link(entry, programs: snapshot.programs)
        if let listed = snapshot.link(id) {
            link.pinned = listed.pinned
            link.pids = listed.pids
            // Where it is, as the listing found it (its device's namespace, its cgroup, its ops table).
            link.device = listed.device
            link.namespace = listed.namespace
            link.cgroupPath = listed.cgroupPath
            link.structOps = listed.structOps
        }
        return BrowserDocuments.link(link, in: snapshot)
    }

    private func pinDocument(_ path: [UInt8], _ snapshot: BrowserSnapshot) -> BrowserDocument {
        guard let pin = snapshot.pin(path) else { return BrowserDocuments.preview(.pin(path), in: snapshot) }
        guard pin.iteratorTarget != nil else {
            if pin.opens != .pin(path) { return document(for: pin.opens, in: snapshot) }
            return BrowserDocuments.pin(pin, in: snapshot)
        }
        var document = BrowserDocument(title: "Pin \(Escape.terminal(path)) (iterator output)")
        let raw = FileBytes.withCPath(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard raw >= 0 else {
            let error = BPFError("open pinned iterator", Escape.terminal(path), errno: errno)
            return .failure(document.title, error.message)
        }
        let reader = IterReader(fd: OwnedFD(adopting: raw), subject: Escape.terminal(path))
        var bytes: [UInt8] = []
        var failure: String?
        do {
            try reader.forEachChunk { chunk in
                bytes.append(contentsOf: chunk)
                if bytes.count >= Self.outputLimit { throw OutputLimit() }
            }
        } catch is OutputLimit {
            failure = "output cut at \(Self.outputLimit >> 20) MiB: `cat` the pin for the rest"
        } catch {
            failure = Self.message(error)
        }
        document.lines += Self.iteratorOutputLines(bytes, path: path)
        if let failure { document.lines.append(.error(failure)) }
        return document
    }

    /// What `cat` of the pin at `path` printed, one line each, under a heading.
    static func iteratorOutputLines(_ bytes: [UInt8], path: [UInt8]) -> [BrowserLine] {
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return [.heading("cat \(Escape.terminal(path))  (\(bytes.count) bytes, \(lines.count) lines)")]
            + lines.map { .code(Escape.terminal(Array($0))) }
    }

    /// An iterator's output shown at most (a document holds every line).
    static let outputLimit = 16 << 20
    private struct OutputLimit: Error {}

    private func taskDocument(_ pid: UInt32, _ snapshot: BrowserSnapshot) -> BrowserDocument {
        let task = snapshot.task(pid) ?? TaskEntry(pid: pid, state: "?")
        var document = BrowserDocuments.task(task, in: snapshot)
        // The held objects come from this process's own fd table below.
        if let start = document.lines.firstIndex(of: .heading("BPF objects held")) {
            document.lines.removeSubrange(start...)
        }
        do throws(BPFError) {
            try TaskParams.validate(.pid(pid), for: .taskFile)
        } catch {
            document.lines.append(.error(error.message))
            return document
        }
        let loader = IterLoader(cache: ProgramCache.standard)
        var files: [FileRecord] = []
        var filesError = Features.current.unavailable(.taskFile)
        if filesError == nil {
            do {
                files = try loader.records(FileRecord.self, .taskFile, params: .pid(pid))
            } catch {
                filesError = Self.message(error)
            }
        }
        document.lines.append(.heading("BPF objects held"))
        let held = files.filter { $0.bpfObject != nil }
        if held.isEmpty && filesError == nil { document.lines.append(.text("none")) }
        for file in held {
            document.lines.append(Self.heldLine(file, snapshot))
        }
        document.lines.append(.heading("Open files (\(files.count))"))
        if let filesError { document.lines.append(.error(filesError)) }
        document.lines += files.map(Self.fileLine)
        if let reason = Features.current.unavailable(.taskVMA) {
            document.lines.append(.heading("Memory mappings"))
            document.lines.append(.error(reason))
            return document
        }
        do {
            let vmas = try loader.records(VMARecord.self, .taskVMA, params: .pid(pid))
            document.lines.append(.heading("Memory mappings (\(vmas.count))"))
            document.lines += vmas.map(Self.vmaLine)
        } catch {
            document.lines.append(.heading("Memory mappings"))
            document.lines.append(.error(Self.message(error)))
        }
        return document
    }

    /// One open file of a process's document.
    static func fileLine(_ file: FileRecord) -> BrowserLine {
        let path = file.pathError != 0 ? "?(\(Errno.name(file.pathError)))"
            : (file.pathSource == .name ? "\u{2026}/" : "") + Escape.terminal(file.path)
        let fd = "\(file.fd)"
        let type = "\(file.typeName)".padding(7)
        return .code(String(repeating: " ", count: max(0, 5 - fd.count)) + fd + "  " + type + " " + path)
    }

    /// One memory mapping of a process's document.
    static func vmaLine(_ vma: VMARecord) -> BrowserLine {
        let range = Self.hex(vma.start, 12) + "-" + Self.hex(vma.end, 12)
        let dev = Self.hex(UInt64(vma.major), 2) + ":" + Self.hex(UInt64(vma.minor), 2)
        // As `bpfnav vmas` shows it: an unreadable path says why, and a
        // name alone is never passed off as the path.
        let path = vma.pathError != 0 ? "?(\(Errno.name(vma.pathError)))"
            : (vma.pathSource == .name ? "\u{2026}/" : "") + Escape.terminal(vma.displayPath)
        return .code("\(range) \(vma.perms) \(Self.hex(vma.pgoff, 8)) \(dev) "
            + "\(vma.inode)".padding(8) + " " + path)
    }

    static func heldLine(_ file: FileRecord, _ snapshot: BrowserSnapshot) -> BrowserLine {
        let safe = { (s: String) in Escape.terminal(Array(s.utf8)) }
        switch file.bpfObject.map({ ($0.kind, $0.id) }) {
        case (.program, let id)?:
            let name = snapshot.program(id).map { "  \(safe($0.info.typeName))  \(safe($0.fullName))" } ?? ""
            return .text("fd \(file.fd)  program \(id)\(name)", target: .program(id))
        case (.map, let id)?:
            let name = snapshot.map(id).map { "  \(safe($0.info.typeName))  \(safe($0.info.name))" } ?? ""
            return .text("fd \(file.fd)  map \(id)\(name)", target: .map(id))
        case (.link, let id)?:
            let name = snapshot.link(id).map {
                "  \(safe($0.info.typeName))  \(safe(LinkSummary.text($0.info.details)))"
            } ?? ""
            return .text("fd \(file.fd)  link \(id)\(name)", target: .link(id))
        case (.btf, let id)?:
            return .text("fd \(file.fd)  btf \(id)")
        case nil:
            return .text("fd \(file.fd)")
        }
    }

    /// One line: the error and, after a dash, what to do about it.
    static func message(_ error: any Error) -> String {
        switch error {
        case let e as BPFError: e.message + (e.hint.map { " — \($0)" } ?? "")
        case let e as IterReadError: message(e.error)
        default: "\(error)"
        }
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        self + String(repeating: " ", count: Swift.max(0, width - count))
    }
}

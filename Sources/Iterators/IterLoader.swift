import BPFKit
import Glibc

/// Loads bpfnav's iterator objects (each once) and attaches their programs.
///
/// Knobs come from what this kernel supports (`Knobs.forThisKernel`). Where
/// the kernel has no pid/tid link parameters (before 6.1), a pid or tid
/// becomes a filter in a separately loaded copy of the object, which is never
/// cached: its programs are that process's alone.
public final class IterLoader {
    private var objects: [IterKind: BPFObject] = [:]
    /// Objects loaded with a pid/tid filter (kernels before 6.1).
    private var filtered: [FilteredKey: BPFObject] = [:]
    /// Program fds from the cache, owned here; closed in deinit.
    private var cachedFDs: [String: Int32] = [:]
    /// The cache's generation marked in use while this loader lives.
    private var hold: ProgramCache.Hold?
    public let cache: ProgramCache?
    private let knobs: () -> Knobs
    private let linkParams: () -> Bool

    private struct FilteredKey: Hashable {
        let kind: IterKind
        let params: IterParams
    }

    /// With a cache, programs an earlier run pinned are reused, and programs
    /// this loader loads are pinned for the next run.
    public init(cache: ProgramCache? = nil) {
        self.cache = cache
        self.knobs = { Knobs.forThisKernel }
        self.linkParams = { Features.current.supports(.taskParams) }
    }

    /// For tests: knobs and link-parameter support as given, not probed.
    public init(cache: ProgramCache? = nil, knobs: Knobs, linkParams: Bool) {
        self.cache = cache
        self.knobs = { knobs }
        self.linkParams = { linkParams }
    }

    deinit {
        for fd in cachedFDs.values { close(fd) }
    }

    /// The fd of `kind`'s `format` program: cached, or loaded now.
    public func programFD(_ kind: IterKind, _ format: IterFormat) throws(BPFError) -> Int32 {
        let name = kind.programName(format)
        if let fd = cachedFDs[name] { return fd }
        cache?.removeStaleGenerationsOnce()
        defer { if hold == nil { hold = cache?.hold() } }
        if objects[kind] == nil, let cache, let fd = cache.program(kind, format) {
            let raw = fd.release()
            cachedFDs[name] = raw
            OwnObjects.add(fd: raw, kind: .program)
            return raw
        }
        let loaded = objects[kind] != nil
        let object = try object(for: kind)
        if !loaded { cache?.store(object, kind: kind) }
        let fd = try object.programFD(name)
        if !loaded { Self.noteOwn(object, kind) }
        return fd
    }

    /// Notes the programs of an object this loader loaded (their maps come
    /// with them: a program lists its maps).
    private static func noteOwn(_ object: BPFObject, _ kind: IterKind) {
        for format in kind.formats {
            if let fd = try? object.programFD(kind.programName(format)) { OwnObjects.add(fd: fd, kind: .program) }
        }
    }

    /// `kind`'s object, loaded on first use.
    public func object(for kind: IterKind) throws(BPFError) -> BPFObject {
        if let object = objects[kind] { return object }
        try Features.current.require(kind.feature)
        let object = try Catalog.load(kind, knobs: knobs())
        objects[kind] = object
        return object
    }

    /// A new link of `kind`'s `format` program with `params`. The link holds
    /// its own reference to the program.
    public func attach(_ kind: IterKind, _ format: IterFormat, params: IterParams) throws(BPFError) -> IterLink {
        let program = kind.programName(format)
        switch params {
        case .pid, .tid:
            guard kind.takesTaskParams, !linkParams() else { break }
            let fd = try filteredObject(kind, params).programFD(program)
            return try IterLink(programFD: fd, program: program, params: .all)
        case .all, .mapFD:
            break
        }
        let fd = try programFD(kind, format)
        return try IterLink(programFD: fd, program: program, params: params)
    }

    /// `kind`'s object with `params` as an in-program filter.
    private func filteredObject(_ kind: IterKind, _ params: IterParams) throws(BPFError) -> BPFObject {
        let key = FilteredKey(kind: kind, params: params)
        if let object = filtered[key] { return object }
        try Features.current.require(kind.feature)
        var knobs = knobs()
        knobs.filter = params
        let object = try Catalog.load(kind, knobs: knobs)
        filtered[key] = object
        Self.noteOwn(object, kind)
        return object
    }

    /// One pass of `kind`'s text output, through `bpf_iter_create`.
    public func readText(_ kind: IterKind, params: IterParams, bufferSize: Int = 64 * 1024) throws -> [UInt8] {
        let link = try attach(kind, .text, params: params)
        let reader = IterReader(fd: try link.makeIterator(), subject: "\(kind.target) iterator", bufferSize: bufferSize)
        return try reader.readAll()
    }

    /// One pass of `kind`'s records, decoded as they arrive.
    public func forEachRecord<R: IterRecord>(_ type: R.Type, _ kind: IterKind, params: IterParams,
                                             bufferSize: Int = 64 * 1024, format: IterFormat = .records,
                                             _ body: (R) throws -> Void) throws {
        let link = try attach(kind, format, params: params)
        let reader = IterReader(fd: try link.makeIterator(), subject: "\(kind.target) records", bufferSize: bufferSize)
        var decoder = RecordDecoder<R>()
        try reader.forEachChunk { chunk in try decoder.feed(chunk) { try body($0.completed()) } }
        try decoder.finish()
    }

    /// All of `kind`'s records in one array.
    public func records<R: IterRecord>(_ type: R.Type, _ kind: IterKind, params: IterParams = .all) throws -> [R] {
        var out: [R] = []
        try forEachRecord(type, kind, params: params) { out.append($0) }
        return out
    }
}

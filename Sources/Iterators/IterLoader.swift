import BPFKit

/// Loads bpfnav's iterator objects (each once) and attaches their programs.
public final class IterLoader {
    private var objects: [IterKind: BPFObject] = [:]

    public init() {}

    /// `kind`'s object, loaded on first use.
    public func object(for kind: IterKind) throws(BPFError) -> BPFObject {
        if let object = objects[kind] { return object }
        let object = try Catalog.load(kind)
        objects[kind] = object
        return object
    }

    /// A new link of `kind`'s `format` program with `params`. The link holds
    /// its own reference to the program.
    public func attach(_ kind: IterKind, _ format: IterFormat, params: IterParams) throws(BPFError) -> IterLink {
        let program = kind.programName(format)
        let fd = try object(for: kind).programFD(program)
        return try IterLink(programFD: fd, program: program, params: params)
    }

    /// One pass of `kind`'s text output, through `bpf_iter_create`.
    public func readText(_ kind: IterKind, params: IterParams, bufferSize: Int = 64 * 1024) throws -> [UInt8] {
        let link = try attach(kind, .text, params: params)
        let reader = IterReader(fd: try link.makeIterator(), subject: "\(kind.target) iterator", bufferSize: bufferSize)
        return try reader.readAll()
    }

    /// One pass of `kind`'s records, decoded as they arrive.
    public func forEachRecord<R: IterRecord>(_ type: R.Type, _ kind: IterKind, params: IterParams,
                                             bufferSize: Int = 64 * 1024, _ body: (R) throws -> Void) throws {
        let link = try attach(kind, .records, params: params)
        let reader = IterReader(fd: try link.makeIterator(), subject: "\(kind.target) records", bufferSize: bufferSize)
        var decoder = RecordDecoder<R>()
        try reader.forEachChunk { chunk in try decoder.feed(chunk, body) }
        try decoder.finish()
    }

    /// All of `kind`'s records in one array.
    public func records<R: IterRecord>(_ type: R.Type, _ kind: IterKind, params: IterParams = .all) throws -> [R] {
        var out: [R] = []
        try forEachRecord(type, kind, params: params) { out.append($0) }
        return out
    }
}

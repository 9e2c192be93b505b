import CLibBPF
import Glibc

/// `bpf_prog_info` of a loaded program, in the shape bpftool reports.
public struct ProgramInfo: Equatable, Sendable {
    public var id: UInt32
    public var type: UInt32
    public var name: String
    /// The 8-byte tag, hex.
    public var tag: String
    public var gplCompatible: Bool
    /// Boot-time ns of the load.
    public var loadTime: UInt64
    public var uid: UInt32
    public var bytesXlated: UInt32
    public var bytesJited: UInt32
    public var mapIDs: [UInt32]
    public var btfID: UInt32
    /// Run-time statistics (5.1: every kernel bpfnav supports returns
    /// them); 0 while statistics are off, or from a kernel that has none.
    public var runTimeNs: UInt64
    public var runCount: UInt64
    // nil when the kernel did not return the field (an older kernel's
    // shorter bpf_prog_info): recursion_misses 5.12, verified_insns 5.16.
    public var recursionMisses: UInt64?
    public var verifiedInstructions: UInt32?
    /// From fdinfo; nil when the kernel does not say.
    public var bytesMemlock: UInt64?
    /// bpftool's `orphaned`: an offloaded program whose device is gone.
    public var orphaned = false
    /// The BTF object and type a program attaches through (fentry, LSM,
    /// lsm_cgroup: the kernel function), 0 when it has none; bpftool's
    /// `attach_btf_obj_id` and `attach_btf_id`.
    public var attachBTFObjectID: UInt32 = 0
    public var attachBTFID: UInt32 = 0

    public var typeName: String { ProgramType.name(type) }

    /// Info as given, without the kernel (the browser's tests, fixtures).
    public init(id: UInt32, type: UInt32 = 0, name: String = "", tag: String = "", gplCompatible: Bool = false,
                loadTime: UInt64 = 0, uid: UInt32 = 0, bytesXlated: UInt32 = 0, bytesJited: UInt32 = 0,
                mapIDs: [UInt32] = [], btfID: UInt32 = 0, runTimeNs: UInt64 = 0, runCount: UInt64 = 0,
                recursionMisses: UInt64? = nil, verifiedInstructions: UInt32? = nil, bytesMemlock: UInt64? = nil) {
        self.id = id; self.type = type; self.name = name; self.tag = tag; self.gplCompatible = gplCompatible
        self.loadTime = loadTime; self.uid = uid; self.bytesXlated = bytesXlated; self.bytesJited = bytesJited
        self.mapIDs = mapIDs; self.btfID = btfID; self.runTimeNs = runTimeNs; self.runCount = runCount
        self.recursionMisses = recursionMisses; self.verifiedInstructions = verifiedInstructions
        self.bytesMemlock = bytesMemlock
    }

    /// `id`: the program's, if known, for an orphaned program. `fdinfo`:
    /// /proc/self/fdinfo, when the caller reads many.
    public init(fd: Int32, id: UInt32? = nil, fdinfo: FDInfoDirectory? = nil) throws(BPFError) {
        do {
            try self.init(KernelInfo.get(fd, bpf_prog_info(), "get info of program", "fd \(fd)"), fd: fd, fdinfo: fdinfo)
        } catch where error.code == .ENODEV {
            // An offloaded program whose device is gone: the kernel answers
            // ENODEV and writes nothing (bpftool then prints its zeroed
            // info with "orphaned": true). Every kernel since 4.16.
            self.init(id: id ?? 0, type: 0)
            orphaned = true
        }
    }

    /// Decodes what the kernel returned; `fd` for the map ids (a second
    /// call) and fdinfo.
    init(_ returned: KernelInfo<bpf_prog_info>, fd: Int32?, fdinfo: FDInfoDirectory? = nil) throws(BPFError) {
        let info = returned.value
        var maps: [UInt32] = []
        if info.nr_map_ids > 0, let fd {
            // A second call fetches the map ids into our buffer.
            let count = info.nr_map_ids
            let again = try KernelInfo.get(fd, bpf_prog_info(), filling: Int(count), of: UInt32.self,
                                           "get map ids of program", "fd \(fd)") { request, address, count in
                request.nr_map_ids = count
                request.map_ids = address
            }
            maps = Array(again.elements.prefix(Int(min(again.info.value.nr_map_ids, count))))
        }
        id = info.id
        type = info.type
        name = cStringField(info.name)
        tag = withUnsafeBytes(of: info.tag) { $0.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined() }
        gplCompatible = info.gpl_compatible != 0
        loadTime = info.load_time
        uid = info.created_by_uid
        bytesXlated = info.xlated_prog_len
        bytesJited = info.jited_prog_len
        mapIDs = maps
        btfID = info.btf_id
        runTimeNs = returned.field(\.run_time_ns) ?? 0
        runCount = returned.field(\.run_cnt) ?? 0
        recursionMisses = returned.field(\.recursion_misses)
        verifiedInstructions = returned.field(\.verified_insns)
        bytesMemlock = fd.flatMap { fdinfoNumber($0, "memlock", in: fdinfo) }
        attachBTFObjectID = returned.field(\.attach_btf_obj_id) ?? 0
        attachBTFID = returned.field(\.attach_btf_id) ?? 0
    }

    /// Just the program's name: one syscall, for hot paths that only need
    /// to recognise a program (no map ids, no fdinfo).
    public static func name(fd: Int32) throws(BPFError) -> String {
        cStringField(try KernelInfo.get(fd, bpf_prog_info(), "get info of program", "fd \(fd)").value.name)
    }

    /// Looks up a program by id. ENOENT when it is gone.
    public init(id: UInt32) throws(BPFError) {
        let fd = try BPFObjectKind.program.open(id)
        try self.init(fd: fd.raw, id: id)
    }

    /// Kernel addresses of the program's JITed functions (its subprograms),
    /// which name the targets of BPF-to-BPF calls in a dump.
    public static func jitedSymbols(fd: Int32) throws(BPFError) -> [UInt64] {
        let info = try KernelInfo.get(fd, bpf_prog_info(), "get info of program", "fd \(fd)").value
        let count = Int(info.nr_jited_ksyms)
        guard count > 0 else { return [] }
        return try KernelInfo.get(fd, bpf_prog_info(), filling: count, of: UInt64.self,
                                  "get JIT symbols of program", "fd \(fd)") { request, address, count in
            request.nr_jited_ksyms = count
            request.jited_ksyms = address
        }.elements
    }

    /// The translated instructions (what the verifier and fixups left), raw.
    public static func xlated(fd: Int32) throws(BPFError) -> [UInt8] {
        let info = try KernelInfo.get(fd, bpf_prog_info(), "get info of program", "fd \(fd)").value
        let size = Int(info.xlated_prog_len)
        guard size > 0 else {
            throw BPFError("dump instructions of program", "id \(info.id)", errno: EPERM,
                           hint: "the kernel hides translated instructions (kernel.bpf_jit_harden or missing CAP_SYS_ADMIN)")
        }
        return try KernelInfo.get(fd, bpf_prog_info(), filling: size, of: UInt8.self,
                                  "dump instructions of program", "fd \(fd)") { request, address, count in
            request.xlated_prog_len = count
            request.xlated_prog_insns = address
        }.elements
    }

    /// The program's first function as its BTF names it (bpftool's
    /// `get_prog_full_name`): the id of the BTF the kernel reports with its
    /// `func_info`, and the type id of record 0; nil when the program has
    /// no function info or the kernel does not give it.
    public static func firstFunction(fd: Int32) -> (btfID: UInt32, typeID: UInt32)? {
        guard let first = try? KernelInfo.get(fd, bpf_prog_info(), "get info of program", "fd \(fd)").value,
              first.nr_func_info > 0 else { return nil }
        let recordSize = min(first.func_info_rec_size, UInt32(MemoryLayout<bpf_func_info>.size))
        guard let again = try? KernelInfo.get(fd, bpf_prog_info(), filling: 1, of: bpf_func_info.self,
                                              "get function info of program", "fd \(fd)", point: { request, address, count in
            request.nr_func_info = count
            request.func_info_rec_size = recordSize
            request.func_info = address
        }) else { return nil }
        return (again.info.value.btf_id, again.elements[0].type_id)
    }

    /// The program's line info (`bpf_prog_info.line_info`: which source
    /// line each xlated instruction offset starts) and the id of the BTF
    /// whose strings hold the file names and the lines' text; nil when the
    /// program was loaded without line info.
    public static func lineInfo(fd: Int32) -> (btfID: UInt32, records: [LineInfoRecord])? {
        guard let (btfID, records) = infoRecords(fd, of: bpf_line_info.self, "line info", count: \.nr_line_info,
                                                 recordSize: \.line_info_rec_size, point: { request, address, count in
            request.nr_line_info = count
            request.line_info_rec_size = UInt32(MemoryLayout<bpf_line_info>.size)
            request.line_info = address
        }) else { return nil }
        return (btfID, records.map {
            LineInfoRecord(instruction: $0.insn_off, fileNameOffset: $0.file_name_off, lineOffset: $0.line_off,
                           line: $0.line_col >> 10, column: $0.line_col & 0x3ff)
        })
    }

    /// Every function's `func_info` record (the first instruction of each
    /// subprogram and its BTF FUNC type); nil without function info.
    public static func functionInfo(fd: Int32) -> (btfID: UInt32, records: [FunctionInfoRecord])? {
        guard let (btfID, records) = infoRecords(fd, of: bpf_func_info.self, "function info", count: \.nr_func_info,
                                                 recordSize: \.func_info_rec_size, point: { request, address, count in
            request.nr_func_info = count
            request.func_info_rec_size = UInt32(MemoryLayout<bpf_func_info>.size)
            request.func_info = address
        }) else { return nil }
        return (btfID, records.map { FunctionInfoRecord(instruction: $0.insn_off, typeID: $0.type_id) })
    }

    /// The BTF records of `count` (line or function info) and the program's
    /// BTF id; nil when it has none, or records of another size than this
    /// build's (the kernel would refuse to copy them).
    private static func infoRecords<Record: BitwiseCopyable>(
        _ fd: Int32, of _: Record.Type, _ what: String, count: KeyPath<bpf_prog_info, UInt32>,
        recordSize: KeyPath<bpf_prog_info, UInt32>, point: (inout bpf_prog_info, UInt64, UInt32) -> Void
    ) -> (UInt32, [Record])? {
        guard let first = try? KernelInfo.get(fd, bpf_prog_info(), "get info of program", "fd \(fd)").value,
              first[keyPath: count] > 0, first.btf_id != 0,
              first[keyPath: recordSize] == UInt32(MemoryLayout<Record>.size),
              let again = try? KernelInfo.get(fd, bpf_prog_info(), filling: Int(first[keyPath: count]), of: Record.self,
                                              "get \(what) of program", "fd \(fd)", point: point) else { return nil }
        return (again.info.value.btf_id, again.elements)
    }

    /// Bytes of a name the kernel keeps (BPF_OBJ_NAME_LEN, less the NUL):
    /// a longer one is cut.
    public static let maxNameLength = Int(BPF_OBJ_NAME_LEN) - 1
}

/// One `struct bpf_line_info`: the source line that starts at an xlated
/// instruction. Offsets are into the program BTF's strings.
public struct LineInfoRecord: Equatable, Sendable {
    public var instruction: UInt32
    public var fileNameOffset: UInt32
    public var lineOffset: UInt32
    /// BPF_LINE_INFO_LINE_NUM and BPF_LINE_INFO_LINE_COL of `line_col`.
    public var line: UInt32
    public var column: UInt32

    public init(instruction: UInt32, fileNameOffset: UInt32, lineOffset: UInt32, line: UInt32, column: UInt32) {
        self.instruction = instruction
        self.fileNameOffset = fileNameOffset
        self.lineOffset = lineOffset
        self.line = line
        self.column = column
    }
}

/// One `struct bpf_func_info`: a function's first xlated instruction and
/// its BTF FUNC type.
public struct FunctionInfoRecord: Equatable, Sendable {
    public var instruction: UInt32
    public var typeID: UInt32

    public init(instruction: UInt32, typeID: UInt32) {
        self.instruction = instruction
        self.typeID = typeID
    }
}

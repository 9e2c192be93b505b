import BPFKit
import Glibc
import Formatting

/// A loaded program's translated instructions, as `bpftool prog dump
/// xlated` shows them: helpers, kfuncs and subprograms by name (through
/// /proc/kallsyms and the program's JIT symbols), maps by id.
public enum ProgramInstructions {
    public static func lines(programID id: UInt32) throws(BPFError) -> [XlatedLine] {
        let fd = try BPFObjectKind.program.open(id)
        let bytes = try ProgramInfo.xlated(fd: fd.raw)
        let instructions: [XlatedInstruction]
        do {
            instructions = try Xlated.decode(bytes)
        } catch {
            throw BPFError("decode instructions of program", "id \(id)", errno: EINVAL,
                           hint: "the kernel returned \(bytes.count) bytes, not whole instructions")
        }
        // Without symbols (kallsyms hidden) calls still print, by number.
        let jited = (try? ProgramInfo.jitedSymbols(fd: fd.raw)) ?? []
        let resolver = kernelSymbols().map { XlatedResolver.kernel($0, jitedKsyms: jited) } ?? XlatedResolver()
        return annotated(Xlated.format(instructions, resolver: resolver), fd: fd.raw)
    }

    /// `lines` with the signatures and source lines of the program's BTF
    /// (its func_info and line_info); as they are when the program has none
    /// or its BTF cannot be read.
    static func annotated(_ lines: [XlatedLine], fd: Int32) -> [XlatedLine] {
        let lineInfo = ProgramInfo.lineInfo(fd: fd)
        let functionInfo = ProgramInfo.functionInfo(fd: fd)
        guard let btfID = lineInfo?.btfID ?? functionInfo?.btfID, let btf = try? BTF.load(id: btfID) else { return lines }
        let functions = (functionInfo?.records ?? []).map {
            XlatedFunction(instruction: Int($0.instruction), signature: Xlated.signature(btf, $0.typeID))
        }
        let source = (lineInfo?.records ?? []).map {
            XlatedSourceLine(instruction: Int($0.instruction), text: btf.string(at: $0.lineOffset),
                             file: btf.string(at: $0.fileNameOffset), line: $0.line, column: $0.column)
        }
        return Xlated.annotate(lines, functions: functions, source: source)
    }

    /// /proc/kallsyms, parsed; nil when it cannot be read.
    static func kernelSymbols() -> KernelSymbols? {
        guard let file = fopen("/proc/kallsyms", "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return KernelSymbols(kallsyms: String(decoding: bytes, as: UTF8.self))
    }
}

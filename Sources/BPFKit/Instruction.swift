import CLibBPF

/// The instruction set's encoding, from the uapi headers (linux/bpf_common.h
/// and linux/bpf.h): the fields of `struct bpf_insn`'s opcode byte, the
/// atomic operations in its imm, and the pseudo source registers that mark
/// calls and 64-bit loads. What the xlated printer (Formatting) decodes with.
///
/// The masks are the headers' function-like macros (`BPF_CLASS()`, …),
/// which Swift does not import.
public enum BPFOpcode {
    // MARK: Class: BPF_CLASS(code), code & 0x07

    public static let classMask: UInt8 = 0x07
    public static let ld = UInt8(BPF_LD)
    public static let ldx = UInt8(BPF_LDX)
    public static let st = UInt8(BPF_ST)
    public static let stx = UInt8(BPF_STX)
    public static let alu = UInt8(BPF_ALU)
    public static let jmp = UInt8(BPF_JMP)
    public static let jmp32 = UInt8(BPF_JMP32)
    public static let alu64 = UInt8(BPF_ALU64)

    // MARK: Size: BPF_SIZE(code), code & 0x18 (loads and stores)

    public static let sizeMask: UInt8 = 0x18
    public static let dw = UInt8(BPF_DW)

    // MARK: Mode: BPF_MODE(code), code & 0xe0 (loads and stores)

    public static let modeMask: UInt8 = 0xe0
    public static let imm = UInt8(BPF_IMM)
    public static let abs = UInt8(BPF_ABS)
    public static let ind = UInt8(BPF_IND)
    public static let mem = UInt8(BPF_MEM)
    public static let memsx = UInt8(BPF_MEMSX)
    public static let atomic = UInt8(BPF_ATOMIC)

    // MARK: Operation: BPF_OP(code), code & 0xf0 (ALU and jumps)

    public static let opMask: UInt8 = 0xf0
    public static let div = UInt8(BPF_DIV)
    public static let neg = UInt8(BPF_NEG)
    public static let mod = UInt8(BPF_MOD)
    public static let mov = UInt8(BPF_MOV)
    public static let end = UInt8(BPF_END)
    public static let ja = UInt8(BPF_JA)
    public static let call = UInt8(BPF_CALL)
    public static let exit = UInt8(BPF_EXIT)
    /// may_goto and goto_or_nop.
    public static let jcond = UInt8(BPF_JCOND)

    // MARK: Source: BPF_SRC(code), code & 0x08

    /// The operand is the source register (else the immediate).
    public static let x = UInt8(BPF_X)
    /// BPF_END with BPF_X: to big-endian (BPF_TO_BE).
    public static let toBigEndian = UInt8(BPF_TO_BE)

    /// `BPF_LD | BPF_IMM | BPF_DW`: the 16-byte 64-bit immediate load.
    public static let loadImm64 = ld | imm | dw

    // MARK: Atomic operations (imm of BPF_STX | BPF_ATOMIC)

    public static let atomicAdd = Int32(BPF_ADD)
    public static let atomicOr = Int32(BPF_OR)
    public static let atomicAnd = Int32(BPF_AND)
    public static let atomicXor = Int32(BPF_XOR)
    /// Added to an operation: the old value is returned in the source register.
    public static let fetch = Int32(BPF_FETCH)
    public static let xchg = Int32(BPF_XCHG)
    public static let cmpxchg = Int32(BPF_CMPXCHG)
    public static let loadAcquire = Int32(BPF_LOAD_ACQ)
    public static let storeRelease = Int32(BPF_STORE_REL)

    // MARK: Pseudo source registers

    /// Call: a BPF-to-BPF call (off the relative jump, imm the subprogram).
    public static let pseudoCall = UInt8(BPF_PSEUDO_CALL)
    /// Call: a kernel function (kfunc).
    public static let pseudoKfuncCall = UInt8(BPF_PSEUDO_KFUNC_CALL)
    /// ld_imm64: a map (its id, in xlated code).
    public static let pseudoMapFD = UInt8(BPF_PSEUDO_MAP_FD)
    /// ld_imm64: a map value (map id, and the offset in the second imm).
    public static let pseudoMapValue = UInt8(BPF_PSEUDO_MAP_VALUE)
    /// ld_imm64: a subprogram's address (imm the relative jump).
    public static let pseudoFunc = UInt8(BPF_PSEUDO_FUNC)
}

// The names xlated code only carries as numbers: helper ids, kernel
// function addresses from /proc/kallsyms, BPF-to-BPF subprograms.

/// Names for the operands the instructions only carry as numbers.
public struct XlatedResolver: Sendable {
    /// imm of a helper call (src_reg 0, or any src_reg but 1 and 2) -> name,
    /// e.g. "__htab_map_lookup_elem"; nil prints "unknown". For src_reg 0 it
    /// is only asked when imm is not below `Xlated.helperNames.count`: like
    /// bpftool, small values are helper ids named from that table first.
    public var helperName: @Sendable (Int32) -> String?
    /// imm of a kfunc call (src_reg 2, BPF_PSEUDO_KFUNC_CALL) -> name;
    /// nil prints "kernel-function".
    public var kfuncName: @Sendable (Int32) -> String?
    /// imm of a BPF-to-BPF call (src_reg 1; the subprogram index in xlated
    /// code) -> the subprogram's JIT symbol, printed as `call pc+N#name`.
    public var subprogName: @Sendable (Int32) -> String?

    public init(
        helperName: @escaping @Sendable (Int32) -> String? = { _ in nil },
        kfuncName: @escaping @Sendable (Int32) -> String? = { _ in nil },
        subprogName: @escaping @Sendable (Int32) -> String? = { _ in nil }
    ) {
        self.helperName = helperName
        self.kfuncName = kfuncName
        self.subprogName = subprogName
    }

    /// Names calls as bpftool does: helper and kfunc targets at
    /// `__bpf_call_base + imm`, subprograms at `jitedKsyms[imm]` (the
    /// program's `jited_ksyms`; empty for an interpreted program, which
    /// prints plain `call pc+N`). A target without a symbol prints as its
    /// address, `0xffffffff81234560`.
    public static func kernel(_ symbols: KernelSymbols, jitedKsyms: [UInt64] = []) -> XlatedResolver {
        @Sendable func callTarget(_ imm: Int32) -> String? {
            guard let base = symbols.callBase else { return nil }
            let address = base &+ UInt64(bitPattern: Int64(imm))
            return symbols.name(at: address) ?? "0x" + String(address, radix: 16)
        }
        return XlatedResolver(
            helperName: callTarget,
            kfuncName: callTarget,
            subprogName: { imm in
                guard !jitedKsyms.isEmpty, let base = symbols.callBase else { return nil }
                let index = Int(UInt32(bitPattern: imm))
                let address = index < jitedKsyms.count ? jitedKsyms[index] : base &+ UInt64(bitPattern: Int64(imm))
                return symbols.name(at: address) ?? "0x" + String(address, radix: 16)
            }
        )
    }
}

/// Kernel symbols by address, from the text of /proc/kallsyms.
public struct KernelSymbols: Sendable {
    /// Address of `__bpf_call_base`; nil when kallsyms hides addresses
    /// (kernel.kptr_restrict), in which case no call is named.
    public let callBase: UInt64?
    private let names: [UInt64: String]

    /// Parses "ffffffff814cc810 T __bpf_call_base" lines; a trailing
    /// "\t[module]" is dropped, zero addresses are skipped, and of several
    /// symbols at one address the first is kept.
    public init(kallsyms text: String) {
        var names: [UInt64: String] = [:]
        var base: UInt64?
        var text = text
        text.withUTF8 { KernelSymbols.parse($0, into: &names, base: &base) }
        self.names = names
        self.callBase = base
    }

    /// From explicit symbols, for tests and callers that have their own.
    public init(callBase: UInt64?, symbols: [UInt64: String]) {
        self.callBase = callBase
        self.names = symbols
    }

    public func name(at address: UInt64) -> String? { names[address] }

    public var count: Int { names.count }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, into names: inout [UInt64: String], base: inout UInt64?) {
        let n = bytes.count
        var i = 0
        var sawBase = false
        while i < n {
            // address
            var address: UInt64 = 0
            var digits = 0
            while i < n, let v = hexValue(bytes[i]) {
                address = address &<< 4 | UInt64(v)
                digits += 1
                i += 1
            }
            // " T "
            var fieldsOK = digits > 0 && i < n && bytes[i] == 0x20
            if fieldsOK {
                i += 1
                if i + 1 < n, bytes[i] != 0x0a, bytes[i + 1] == 0x20 { i += 2 } else { fieldsOK = false }
            }
            let start = i
            while i < n, bytes[i] != 0x0a, bytes[i] != 0x20, bytes[i] != 0x09 { i += 1 }
            let end = i
            while i < n, bytes[i] != 0x0a { i += 1 }
            i += 1
            guard fieldsOK, end > start else { continue }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            if !sawBase, name == "__bpf_call_base" {
                sawBase = true
                base = address == 0 ? nil : address
            }
            if address != 0, names[address] == nil { names[address] = name }
        }
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}

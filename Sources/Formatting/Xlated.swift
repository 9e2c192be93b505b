// A printer for translated (xlated) BPF programs, line for line as
// `bpftool prog dump xlated` shows them (the kernel's kernel/bpf/disasm.c
// with bpftool's callbacks), covering the instruction set up to kernel 6.18.
//
// Things worth knowing about xlated code (see kernel/bpf/syscall.c,
// bpf_insn_prepare_dump, and the verifier's fixups):
// - helper and kfunc calls carry `function address - __bpf_call_base` in imm,
//   not the helper id; bpftool names them through /proc/kallsyms (see
//   `KernelSymbols` and `XlatedResolver.kernel`). Tail calls are turned back
//   into `call bpf_tail_call#12`.
// - BPF-to-BPF calls carry the relative jump in off and the subprogram index
//   in imm; `ld_imm64 rX, func` (src 4) carries the relative jump in imm.
// - map pointers in ld_imm64 are replaced by map ids (src 1) or map ids plus
//   a value offset in the second half's imm (src 2).

import BPFKit

/// One 8-byte `struct bpf_insn`.
public struct XlatedInstruction: Equatable, Sendable {
    public var code: UInt8
    /// Destination register, the low nibble of the second byte.
    public var dst: UInt8
    /// Source register, the high nibble of the second byte.
    public var src: UInt8
    public var off: Int16
    public var imm: Int32

    public init(code: UInt8, dst: UInt8 = 0, src: UInt8 = 0, off: Int16 = 0, imm: Int32 = 0) {
        self.code = code
        self.dst = dst
        self.src = src
        self.off = off
        self.imm = imm
    }
}

/// One printed instruction; a 16-byte ld_imm64 is a single line.
public struct XlatedLine: Equatable, Sendable {
    /// Index of the (first) 8-byte slot, as bpftool numbers lines.
    public var index: Int
    public var opcode: UInt8
    /// The disassembly alone, e.g. "r6 = r1".
    public var text: String
    /// The full bpftool line, e.g. "   0: (bf) r6 = r1".
    public var rendered: String
    /// The instruction a jump (or a call of a subprogram) goes to, by index.
    public var jumpTarget: Int?
    /// The signature of the function that starts here ("int f(void * ctx)").
    public var function: String?
    /// The source line that starts here, from the program's line info.
    public var source: XlatedSourceLine?

    public init(index: Int, opcode: UInt8, text: String) {
        self.index = index
        self.opcode = opcode
        self.text = text
        self.rendered = Xlated.linePrefix(index) + "(" + Xlated.hex2(opcode) + ") " + text
    }
}

public enum XlatedError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte count is not a multiple of 8.
    case badLength(Int)

    public var description: String {
        switch self {
        case .badLength(let n): "xlated program of \(n) bytes is not a whole number of 8-byte instructions"
        }
    }
}

public enum Xlated {
    /// Decodes raw `struct bpf_insn` bytes (little-endian, dst_reg in the
    /// low nibble of byte 1).
    public static func decode(_ bytes: [UInt8]) throws(XlatedError) -> [XlatedInstruction] {
        guard bytes.count % 8 == 0 else { throw .badLength(bytes.count) }
        var insns: [XlatedInstruction] = []
        insns.reserveCapacity(bytes.count / 8)
        var i = 0
        while i < bytes.count {
            let off = UInt16(bytes[i + 2]) | UInt16(bytes[i + 3]) << 8
            let imm = UInt32(bytes[i + 4]) | UInt32(bytes[i + 5]) << 8 | UInt32(bytes[i + 6]) << 16 | UInt32(bytes[i + 7]) << 24
            insns.append(XlatedInstruction(
                code: bytes[i], dst: bytes[i + 1] & 0x0f, src: bytes[i + 1] >> 4,
                off: Int16(bitPattern: off), imm: Int32(bitPattern: imm)
            ))
            i += 8
        }
        return insns
    }

    /// The inverse of `decode` (registers are masked to 4 bits).
    public static func encode(_ insns: [XlatedInstruction]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(insns.count * 8)
        for insn in insns {
            let off = UInt16(bitPattern: insn.off)
            let imm = UInt32(bitPattern: insn.imm)
            bytes += [insn.code, (insn.src & 0x0f) << 4 | (insn.dst & 0x0f), UInt8(truncatingIfNeeded: off),
                      UInt8(truncatingIfNeeded: off >> 8), UInt8(truncatingIfNeeded: imm),
                      UInt8(truncatingIfNeeded: imm >> 8), UInt8(truncatingIfNeeded: imm >> 16),
                      UInt8(truncatingIfNeeded: imm >> 24)]
        }
        return bytes
    }

    /// One line per instruction; the second half of an ld_imm64 gets no line
    /// of its own (bpftool skips its index). Never fails: an encoding the
    /// kernel would not accept prints as "unknown".
    public static func format(_ insns: [XlatedInstruction], resolver: XlatedResolver = XlatedResolver()) -> [XlatedLine] {
        var lines: [XlatedLine] = []
        lines.reserveCapacity(insns.count)
        var i = 0
        while i < insns.count {
            let insn = insns[i]
            if insn.code == ldImm64 {
                let text = i + 1 < insns.count ? describeLoadImm64(insn, insns[i + 1]) : "unknown"
                lines.append(XlatedLine(index: i, opcode: insn.code, text: text))
                i += 2
            } else {
                var line = XlatedLine(index: i, opcode: insn.code, text: describe(insn, resolver: resolver) ?? "unknown")
                line.jumpTarget = jumpTarget(insn, at: i, count: insns.count)
                lines.append(line)
                i += 1
            }
        }
        return lines
    }

    /// Where a jump at `index` goes (`goto pc+N`, `gotol`, `may_goto`, a
    /// BPF-to-BPF call), when that is an instruction of the program.
    static func jumpTarget(_ insn: XlatedInstruction, at index: Int, count: Int) -> Int? {
        let kind = insn.code & Op.classMask
        guard kind == Op.jmp || kind == Op.jmp32 else { return nil }
        let op = insn.code & Op.opMask
        let relative: Int
        switch op {
        case Op.exit:
            return nil
        case Op.call: // a subprogram's: the relative jump in off (imm is its index)
            guard insn.src == Op.pseudoCall, kind == Op.jmp else { return nil }
            relative = Int(insn.off)
        case Op.ja where kind == Op.jmp32: // gotol
            relative = Int(insn.imm)
        default:
            relative = Int(insn.off)
        }
        let target = index + 1 + relative
        return target >= 0 && target < count ? target : nil
    }

    /// `format` joined into bpftool's plain output, one line per instruction
    /// each ending in a newline.
    public static func render(_ insns: [XlatedInstruction], resolver: XlatedResolver = XlatedResolver()) -> String {
        var out = ""
        for line in format(insns, resolver: resolver) {
            out += line.rendered
            out += "\n"
        }
        return out
    }

    /// Helper names by id (enum bpf_func_id, frozen since kernel 6.1):
    /// what bpftool prints for a helper call whose imm is below this count.
    public static func helperName(id: Int32) -> String? {
        id >= 0 && Int(id) < helperNames.count ? helperNames[Int(id)] : nil
    }

    // MARK: - Encoding constants

    static let ldImm64 = Op.loadImm64

    private static let sizeNames = ["u32", "u16", "u8", "u64"] // by BPF_SIZE >> 3
    private static let signedSizeNames: [String?] = ["s32", "s16", "s8", nil]
    private static let aluOps: [String?] = [
        "+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", nil, nil,
    ]
    private static let jumpOps: [String?] = [
        nil /* ja */, "==", ">", ">=", "&", "!=", "s>", "s>=", nil /* call */, nil /* exit */, "<", "<=", "s<", "s<=",
        nil /* jcond */, nil,
    ]

    // MARK: - Instruction text

    private typealias Op = BPFOpcode

    static func describe(_ insn: XlatedInstruction, resolver: XlatedResolver) -> String? {
        switch insn.code & Op.classMask {
        case Op.alu, Op.alu64: alu(insn)
        case Op.jmp, Op.jmp32: jump(insn, resolver: resolver)
        case Op.stx: storeRegister(insn)
        case Op.st: storeImmediate(insn)
        case Op.ldx: loadRegister(insn)
        default: legacyLoad(insn)
        }
    }

    private static func alu(_ insn: XlatedInstruction) -> String? {
        let is64 = insn.code & Op.classMask == Op.alu64
        let op = insn.code & Op.opMask
        let isX = insn.code & Op.x != 0
        let r = is64 ? "r" : "w"
        let dst = "\(r)\(insn.dst)"
        if op == Op.end {
            return is64 ? "r\(insn.dst) = bswap\(insn.imm) r\(insn.dst)"
                : "r\(insn.dst) = \(insn.code & Op.toBigEndian != 0 ? "be" : "le")\(insn.imm) r\(insn.dst)"
        }
        if op == Op.neg { return "\(dst) = -\(dst)" }
        let mov64X = Op.alu64 | Op.mov | Op.x
        if insn.code == mov64X && insn.off == 1 { // BPF_ADDR_SPACE_CAST
            let imm = UInt32(bitPattern: insn.imm)
            return "r\(insn.dst) = addr_space_cast(r\(insn.src), \(imm >> 16), \(imm & 0xffff))"
        }
        if insn.code == mov64X && insn.off == -1 { // internal per-CPU address mov
            return "r\(insn.dst) = &(void __percpu *)(r\(insn.src))"
        }
        guard var name = aluOps[Int(op >> 4)] else { return nil }
        if insn.off == 1 && op == Op.div { name = "s/=" }
        if insn.off == 1 && op == Op.mod { name = "s%=" }
        guard isX else { return "\(dst) \(name) \(insn.imm)" }
        var cast = ""
        if op == Op.mov {
            switch insn.off {
            case 8: cast = "(s8)"
            case 16: cast = "(s16)"
            case 32: cast = "(s32)"
            default: break
            }
        }
        return "\(dst) \(name) \(cast)\(r)\(insn.src)"
    }

    private static func jump(_ insn: XlatedInstruction, resolver: XlatedResolver) -> String? {
        let op = insn.code & Op.opMask
        if op == Op.call { return call(insn, resolver: resolver) }
        switch insn.code {
        case Op.jmp | Op.ja: return "goto pc\(signed(insn.off))"
        case Op.jmp | Op.ja | Op.x: return "gotox r\(insn.dst)" // indirect jump, kernel 6.19+
        case Op.jmp | Op.jcond where insn.src == 0: return "may_goto pc\(signed(insn.off))"
        case Op.jmp32 | Op.ja: return "gotol pc\(signed(insn.imm))"
        case Op.jmp | Op.exit: return "exit"
        default: break
        }
        guard let name = jumpOps[Int(op >> 4)] else { return nil }
        let r = insn.code & Op.classMask == Op.jmp32 ? "w" : "r"
        if insn.code & Op.x != 0 {
            return "if \(r)\(insn.dst) \(name) \(r)\(insn.src) goto pc\(signed(insn.off))"
        }
        return "if \(r)\(insn.dst) \(name) 0x\(String(UInt32(bitPattern: insn.imm), radix: 16)) goto pc\(signed(insn.off))"
    }

    private static func call(_ insn: XlatedInstruction, resolver: XlatedResolver) -> String {
        switch insn.src {
        case Op.pseudoCall: // off is the relative jump, imm the subprogram
            if let name = resolver.subprogName(insn.imm) { return "call pc\(signed(insn.off))#\(name)" }
            return "call pc\(signed(insn.off))"
        case 0:
            let name = helperName(id: insn.imm) ?? resolver.helperName(insn.imm) ?? "unknown"
            return "call \(name)#\(insn.imm)"
        case Op.pseudoKfuncCall:
            return "call \(resolver.kfuncName(insn.imm) ?? "kernel-function")#\(insn.imm)"
        default:
            return "call \(resolver.helperName(insn.imm) ?? "unknown")#\(insn.imm)"
        }
    }

    private static func memory(_ size: String, _ reg: UInt8, _ off: Int16) -> String {
        "(\(size) *)(r\(reg) \(signed(off)))"
    }

    private static func storeRegister(_ insn: XlatedInstruction) -> String? {
        let size = sizeNames[Int(insn.code >> 3 & 0x03)]
        let mode = insn.code & Op.modeMask
        if mode == Op.mem {
            return "*\(memory(size, insn.dst, insn.off)) = r\(insn.src)"
        }
        guard mode == Op.atomic else { return nil }
        let width = insn.code & Op.sizeMask == Op.dw ? "64" : ""
        let place = memory(size, insn.dst, insn.off)
        switch insn.imm {
        case Op.atomicAdd, Op.atomicOr, Op.atomicAnd, Op.atomicXor:
            return "lock *\(place) \(aluOps[Int(insn.imm >> 4)]!) r\(insn.src)"
        case Op.atomicAdd | Op.fetch, Op.atomicOr | Op.fetch, Op.atomicAnd | Op.fetch, Op.atomicXor | Op.fetch:
            let name = switch insn.imm & ~Op.fetch {
            case Op.atomicAdd: "add"
            case Op.atomicOr: "or"
            case Op.atomicAnd: "and"
            default: "xor"
            }
            return "r\(insn.src) = atomic\(width)_fetch_\(name)(\(place), r\(insn.src))"
        case Op.cmpxchg:
            return "r0 = atomic\(width)_cmpxchg(\(place), r0, r\(insn.src))"
        case Op.xchg:
            return "r\(insn.src) = atomic\(width)_xchg(\(place), r\(insn.src))"
        case Op.loadAcquire:
            return "r\(insn.dst) = load_acquire(\(memory(size, insn.src, insn.off)))"
        case Op.storeRelease:
            return "store_release(\(place), r\(insn.src))"
        default:
            return nil
        }
    }

    private static func storeImmediate(_ insn: XlatedInstruction) -> String? {
        switch insn.code & Op.modeMask {
        case Op.mem: "*\(memory(sizeNames[Int(insn.code >> 3 & 0x03)], insn.dst, insn.off)) = \(insn.imm)"
        case Op.atomic: "nospec" // BPF_ST | BPF_NOSPEC (0xc0), the kernel's own, not in uapi
        default: nil
        }
    }

    private static func loadRegister(_ insn: XlatedInstruction) -> String? {
        let sizeIndex = Int(insn.code >> 3 & 0x03)
        let size: String?
        switch insn.code & Op.modeMask {
        case Op.mem: size = sizeNames[sizeIndex]
        case Op.memsx: size = signedSizeNames[sizeIndex]
        default: size = nil
        }
        guard let size else { return nil }
        return "r\(insn.dst) = *\(memory(size, insn.src, insn.off))"
    }

    private static func legacyLoad(_ insn: XlatedInstruction) -> String? {
        let size = sizeNames[Int(insn.code >> 3 & 0x03)]
        switch insn.code & Op.modeMask {
        case Op.abs: return "r0 = *(\(size) *)skb[\(insn.imm)]"
        case Op.ind: return "r0 = *(\(size) *)skb[r\(insn.src) + \(insn.imm)]"
        default: return nil // ld_imm64 (0x18) is handled by format
        }
    }

    static func describeLoadImm64(_ insn: XlatedInstruction, _ next: XlatedInstruction) -> String {
        let low = UInt32(bitPattern: insn.imm)
        let high = UInt32(bitPattern: next.imm)
        let value: String
        switch insn.src {
        case Op.pseudoMapFD: value = "map[id:\(low)]" // the map's id in xlated code
        case Op.pseudoMapValue: value = "map[id:\(low)][0]+\(high)"
        case Op.pseudoFunc: value = "subprog[\(signed(insn.imm))]"
        default: value = "0x" + String(UInt64(high) << 32 | UInt64(low), radix: 16)
        }
        return "r\(insn.dst) = \(value)"
    }

    // MARK: - Number formatting

    /// printf's "%+d".
    static func signed<T: BinaryInteger>(_ n: T) -> String { n < 0 ? "\(n)" : "+\(n)" }

    /// printf's "%02x".
    static func hex2(_ byte: UInt8) -> String {
        String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0f)]], as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// bpftool's "% 4d: ".
    static func linePrefix(_ index: Int) -> String {
        var number = index < 0 ? "\(index)" : " \(index)"
        if number.count < 4 { number = String(repeating: " ", count: 4 - number.count) + number }
        return number + ": "
    }

    /// enum bpf_func_id, in order.
    public static let helperNames: [String] = [
        "bpf_unspec", "bpf_map_lookup_elem", "bpf_map_update_elem", "bpf_map_delete_elem", "bpf_probe_read",
        "bpf_ktime_get_ns", "bpf_trace_printk", "bpf_get_prandom_u32", "bpf_get_smp_processor_id",
        "bpf_skb_store_bytes", "bpf_l3_csum_replace", "bpf_l4_csum_replace", "bpf_tail_call", "bpf_clone_redirect",
        "bpf_get_current_pid_tgid", "bpf_get_current_uid_gid", "bpf_get_current_comm", "bpf_get_cgroup_classid",
        "bpf_skb_vlan_push", "bpf_skb_vlan_pop", "bpf_skb_get_tunnel_key", "bpf_skb_set_tunnel_key",
        "bpf_perf_event_read", "bpf_redirect", "bpf_get_route_realm", "bpf_perf_event_output", "bpf_skb_load_bytes",
        "bpf_get_stackid", "bpf_csum_diff", "bpf_skb_get_tunnel_opt", "bpf_skb_set_tunnel_opt",
        "bpf_skb_change_proto", "bpf_skb_change_type", "bpf_skb_under_cgroup", "bpf_get_hash_recalc",
        "bpf_get_current_task", "bpf_probe_write_user", "bpf_current_task_under_cgroup", "bpf_skb_change_tail",
        "bpf_skb_pull_data", "bpf_csum_update", "bpf_set_hash_invalid", "bpf_get_numa_node_id",
        "bpf_skb_change_head", "bpf_xdp_adjust_head", "bpf_probe_read_str", "bpf_get_socket_cookie",
        "bpf_get_socket_uid", "bpf_set_hash", "bpf_setsockopt", "bpf_skb_adjust_room", "bpf_redirect_map",
        "bpf_sk_redirect_map", "bpf_sock_map_update", "bpf_xdp_adjust_meta", "bpf_perf_event_read_value",
        "bpf_perf_prog_read_value", "bpf_getsockopt", "bpf_override_return", "bpf_sock_ops_cb_flags_set",
        "bpf_msg_redirect_map", "bpf_msg_apply_bytes", "bpf_msg_cork_bytes", "bpf_msg_pull_data", "bpf_bind",
        "bpf_xdp_adjust_tail", "bpf_skb_get_xfrm_state", "bpf_get_stack", "bpf_skb_load_bytes_relative",
        "bpf_fib_lookup", "bpf_sock_hash_update", "bpf_msg_redirect_hash", "bpf_sk_redirect_hash",
        "bpf_lwt_push_encap", "bpf_lwt_seg6_store_bytes", "bpf_lwt_seg6_adjust_srh", "bpf_lwt_seg6_action",
        "bpf_rc_repeat", "bpf_rc_keydown", "bpf_skb_cgroup_id", "bpf_get_current_cgroup_id", "bpf_get_local_storage",
        "bpf_sk_select_reuseport", "bpf_skb_ancestor_cgroup_id", "bpf_sk_lookup_tcp", "bpf_sk_lookup_udp",
        "bpf_sk_release", "bpf_map_push_elem", "bpf_map_pop_elem", "bpf_map_peek_elem", "bpf_msg_push_data",
        "bpf_msg_pop_data", "bpf_rc_pointer_rel", "bpf_spin_lock", "bpf_spin_unlock", "bpf_sk_fullsock",
        "bpf_tcp_sock", "bpf_skb_ecn_set_ce", "bpf_get_listener_sock", "bpf_skc_lookup_tcp",
        "bpf_tcp_check_syncookie", "bpf_sysctl_get_name", "bpf_sysctl_get_current_value", "bpf_sysctl_get_new_value",
        "bpf_sysctl_set_new_value", "bpf_strtol", "bpf_strtoul", "bpf_sk_storage_get", "bpf_sk_storage_delete",
        "bpf_send_signal", "bpf_tcp_gen_syncookie", "bpf_skb_output", "bpf_probe_read_user", "bpf_probe_read_kernel",
        "bpf_probe_read_user_str", "bpf_probe_read_kernel_str", "bpf_tcp_send_ack", "bpf_send_signal_thread",
        "bpf_jiffies64", "bpf_read_branch_records", "bpf_get_ns_current_pid_tgid", "bpf_xdp_output",
        "bpf_get_netns_cookie", "bpf_get_current_ancestor_cgroup_id", "bpf_sk_assign", "bpf_ktime_get_boot_ns",
        "bpf_seq_printf", "bpf_seq_write", "bpf_sk_cgroup_id", "bpf_sk_ancestor_cgroup_id", "bpf_ringbuf_output",
        "bpf_ringbuf_reserve", "bpf_ringbuf_submit", "bpf_ringbuf_discard", "bpf_ringbuf_query", "bpf_csum_level",
        "bpf_skc_to_tcp6_sock", "bpf_skc_to_tcp_sock", "bpf_skc_to_tcp_timewait_sock", "bpf_skc_to_tcp_request_sock",
        "bpf_skc_to_udp6_sock", "bpf_get_task_stack", "bpf_load_hdr_opt", "bpf_store_hdr_opt", "bpf_reserve_hdr_opt",
        "bpf_inode_storage_get", "bpf_inode_storage_delete", "bpf_d_path", "bpf_copy_from_user", "bpf_snprintf_btf",
        "bpf_seq_printf_btf", "bpf_skb_cgroup_classid", "bpf_redirect_neigh", "bpf_per_cpu_ptr", "bpf_this_cpu_ptr",
        "bpf_redirect_peer", "bpf_task_storage_get", "bpf_task_storage_delete", "bpf_get_current_task_btf",
        "bpf_bprm_opts_set", "bpf_ktime_get_coarse_ns", "bpf_ima_inode_hash", "bpf_sock_from_file", "bpf_check_mtu",
        "bpf_for_each_map_elem", "bpf_snprintf", "bpf_sys_bpf", "bpf_btf_find_by_name_kind", "bpf_sys_close",
        "bpf_timer_init", "bpf_timer_set_callback", "bpf_timer_start", "bpf_timer_cancel", "bpf_get_func_ip",
        "bpf_get_attach_cookie", "bpf_task_pt_regs", "bpf_get_branch_snapshot", "bpf_trace_vprintk",
        "bpf_skc_to_unix_sock", "bpf_kallsyms_lookup_name", "bpf_find_vma", "bpf_loop", "bpf_strncmp",
        "bpf_get_func_arg", "bpf_get_func_ret", "bpf_get_func_arg_cnt", "bpf_get_retval", "bpf_set_retval",
        "bpf_xdp_get_buff_len", "bpf_xdp_load_bytes", "bpf_xdp_store_bytes", "bpf_copy_from_user_task",
        "bpf_skb_set_tstamp", "bpf_ima_file_hash", "bpf_kptr_xchg", "bpf_map_lookup_percpu_elem",
        "bpf_skc_to_mptcp_sock", "bpf_dynptr_from_mem", "bpf_ringbuf_reserve_dynptr", "bpf_ringbuf_submit_dynptr",
        "bpf_ringbuf_discard_dynptr", "bpf_dynptr_read", "bpf_dynptr_write", "bpf_dynptr_data",
        "bpf_tcp_raw_gen_syncookie_ipv4", "bpf_tcp_raw_gen_syncookie_ipv6", "bpf_tcp_raw_check_syncookie_ipv4",
        "bpf_tcp_raw_check_syncookie_ipv6", "bpf_ktime_get_tai_ns", "bpf_user_ringbuf_drain", "bpf_cgrp_storage_get",
        "bpf_cgrp_storage_delete",
    ]
}

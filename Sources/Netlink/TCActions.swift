import BPFKit
import CNetlink
import Glibc

/// TC actions of kind bpf (act_bpf): those in a filter's action list and
/// those in the namespace's action table (RTM_GETACTION).
enum TCActions {
    /// The bpf actions of an action list: a nest whose members (numbered
    /// by their order, 1…BPFNAV_TCA_ACT_MAX_PRIO) each hold TCA_ACT_KIND and
    /// TCA_ACT_OPTIONS.
    static func bpfActions(in list: UnsafeMutablePointer<nlattr>?) -> [TCAction] {
        guard let entries = Attribute.nested(list, max: BPFNAV_TCA_ACT_MAX_PRIO) else { return [] }
        return entries.compactMap { entry in
            guard let entry, let action = Attribute.nested(entry, max: BPFNAV_TCA_ACT_MAX),
                  Attribute.string(action[Int(TCA_ACT_KIND)]) == "bpf",
                  let options = Attribute.nested(action[Int(TCA_ACT_OPTIONS)], max: BPFNAV_TCA_ACT_BPF_MAX) else { return nil }
            let parameters = Attribute.value(options[Int(TCA_ACT_BPF_PARMS)], as: tc_act_bpf.self)
            guard let index = parameters?.index ?? Attribute.u32(action[Int(TCA_ACT_INDEX)]) else { return nil }
            return TCAction(index: index,
                            programID: Attribute.u32(options[Int(TCA_ACT_BPF_ID)]) ?? 0,
                            programName: Attribute.string(options[Int(TCA_ACT_BPF_NAME)]) ?? "",
                            references: parameters.map { UInt32(bitPattern: $0.refcnt) },
                            bindings: parameters.map { UInt32(bitPattern: $0.bindcnt) })
        }
    }

    /// The namespace's table of bpf actions, as `tc actions list action
    /// bpf` asks for it: RTM_GETACTION, NLM_F_DUMP, TCA_ROOT_TAB holding one
    /// entry with TCA_ACT_KIND "bpf". Without act_bpf in the kernel the
    /// table is empty, not an error.
    static func dump(_ socket: RouteSocket) throws(BPFError) -> [TCAction] {
        var request = tcamsg()
        request.tca_family = UInt8(AF_UNSPEC)
        var actions: [TCAction] = []
        do throws(BPFError) {
            try socket.dump("tc actions of kind bpf (RTM_GETACTION)", type: Int32(RTM_GETACTION), request: request,
                            maxAttribute: Int32(BPFNAV_TCA_ROOT_MAX), attributes: { message in
                guard let table = nla_nest_start(message, Int32(TCA_ROOT_TAB)) else { return }
                if let entry = nla_nest_start(message, 1) {
                    nla_put_string(message, Int32(TCA_ACT_KIND), "bpf")
                    nla_nest_end(message, entry)
                }
                nla_nest_end(message, table)
            }) { message in
                actions += bpfActions(in: message[TCA_ROOT_TAB])
            }
        } catch {
            if [ENOENT, EOPNOTSUPP].contains(error.errno) { return [] }
            throw error
        }
        return actions.sorted { $0.index < $1.index }
    }
}

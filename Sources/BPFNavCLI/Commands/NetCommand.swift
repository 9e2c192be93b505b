import BPFKit
import Encoding
import Netlink
import ObjectModel

/// `bpfnav net`: bpftool's `net show` for every network namespace.
enum NetCommand {
    static let spec = CommandSpec(
        name: "net",
        abstract: "What runs in every network namespace: XDP, tc, tcx, netkit, flow dissector (bpftool net show).",
        discussion: """
        Each namespace bpfnav can see (/proc/*/ns/net, /run/netns) is entered and
        read from inside: devices and their XDP programs, tc filters that run BPF
        programs (bpf classifiers and filters with bpf actions), the namespace's bpf
        actions, tcx and netkit programs (6.6+), and the flow dissector and sk_lookup
        programs. Devices are named in their own namespace. Netfilter links are the
        whole system's (the kernel does not say which namespace one hooks): they are
        shown with bpfnav's own namespace. A namespace that cannot be read is named
        on standard error; the exit status is 1 only if none could be.
        """,
        options: [.json.with(help: "Print one JSON array: per namespace, bpftool's net show object and more.")],
        run: run
    )

    static func run(_ args: Arguments) throws {
        let snapshot = NetSnapshot.collect()
        let names = ProgramNames()
        let out = Output.standardOutput
        if args[.json] {
            writeJSON(snapshot, names: names, out)
        } else {
            writeText(snapshot, names: names, out)
        }
        for namespace in snapshot.namespaces {
            for error in namespace.errors {
                Output.standardError.write("bpfnav: network namespace \(Escape.terminal(Array(namespace.namespace.label.utf8))) (\(namespace.namespace.path)): \(Escape.terminal(Array(error.utf8)))\n")
            }
        }
        if !snapshot.namespaces.isEmpty, snapshot.namespaces.allSatisfy({ $0.devices.isEmpty && !$0.errors.isEmpty }) {
            throw Exit(1)
        }
    }

    /// bpftool's names for the attach points of tc's list.
    static func multiProgKind(_ type: UInt32) -> String {
        switch type {
        case AttachType.tcxIngress: "tcx/ingress"
        case AttachType.tcxEgress: "tcx/egress"
        case AttachType.netkitPrimary: "netkit/primary"
        case AttachType.netkitPeer: "netkit/peer"
        default: AttachType.name(type)
        }
    }

    /// The tc list of one device in bpftool's order: tcx and netkit first,
    /// then the classic filters.
    enum TCEntry {
        case multi(MultiProgAttachment)
        case filter(TCFilter)
    }

    static func tcEntries(_ namespace: NetNamespaceSnapshot) -> [TCEntry] {
        namespace.devices.flatMap { device in
            namespace.multiProg.filter { $0.device.ifindex == device.ifindex }.map(TCEntry.multi)
                + namespace.tc.filter { $0.device.ifindex == device.ifindex }.map(TCEntry.filter)
        }
    }

    /// "xdp" entries, one per device, as bpftool groups them.
    static func xdpByDevice(_ namespace: NetNamespaceSnapshot) -> [(NetDevice, [XDPAttachment])] {
        namespace.devices.compactMap { device in
            let modes = namespace.xdp.filter { $0.device.ifindex == device.ifindex }
            return modes.isEmpty ? nil : (device, modes)
        }
    }

    // MARK: JSON

    static func writeJSON(_ snapshot: NetSnapshot, names: ProgramNames, _ out: Output) {
        func string(_ text: String) { Escape.appendJSONString(Array(text.utf8), to: out) }
        func field(_ name: String, _ value: String) { out.write(",\"\(name)\":"); string(value) }
        func field(_ name: String, _ value: some BinaryInteger) { out.write(",\"\(name)\":\(value)") }
        func flags(_ value: UInt32?) {
            let bits = (0..<32).map { UInt32(1) << $0 }.filter { (value ?? 0) & $0 != 0 }
            out.write("[" + bits.map(String.init).joined(separator: ",") + "]")
        }
        func list<T>(_ items: [T], _ each: (T) -> Void) {
            out.write("[")
            for (index, item) in items.enumerated() {
                if index > 0 { out.write(",") }
                each(item)
            }
            out.write("]")
        }
        func programs(_ type: UInt32, of namespace: NetNamespaceSnapshot) {
            list(namespace.namespacePrograms.filter { $0.attachType == type }) {
                out.write("{\"id\":\($0.programID)" + ($0.linkID.map { ",\"link_id\":\($0)" } ?? "") + "}")
            }
        }
        func action(_ action: TCAction) {
            out.write("{\"index\":\(action.index),\"id\":\(action.programID)"); field("name", action.programName)
            out.write(",\"refcnt\":" + (action.references.map(String.init) ?? "null"))
            out.write(",\"bindcnt\":" + (action.bindings.map(String.init) ?? "null") + "}")
        }
        out.write("[")
        for (index, namespace) in snapshot.namespaces.enumerated() {
            let ns = namespace.namespace
            out.write(index == 0 ? "{" : ",{")
            out.write("\"namespace\":{\"inode\":\(ns.inode),\"name\":")
            if let name = ns.name { string(name) } else { out.write("null") }
            out.write(",\"pid\":" + (ns.pid.map(String.init) ?? "null") + ",\"current\":\(ns.isCurrent)")
            field("path", ns.path)
            out.write("},\"xdp\":[")
            for (n, (device, modes)) in xdpByDevice(namespace).enumerated() {
                out.write(n == 0 ? "{\"devname\":" : ",{\"devname\":"); string(device.name)
                field("ifindex", device.ifindex)
                if modes.count == 1 {
                    field("mode", modes[0].mode.rawValue); field("id", modes[0].programID)
                } else {
                    out.write(",\"multi_attachments\":[")
                    for (m, mode) in modes.enumerated() {
                        out.write(m == 0 ? "{\"mode\":" : ",{\"mode\":"); string(mode.mode.rawValue)
                        field("id", mode.programID); out.write("}")
                    }
                    out.write("]")
                }
                out.write("}")
            }
            out.write("],\"tc\":[")
            for (n, entry) in tcEntries(namespace).enumerated() {
                out.write(n == 0 ? "{" : ",{")
                switch entry {
                case .multi(let attachment):
                    out.write("\"devname\":"); string(attachment.device.name)
                    field("ifindex", attachment.device.ifindex)
                    field("kind", multiProgKind(attachment.attachType))
                    if let name = names.name(attachment.programID), !name.isEmpty { field("name", name) }
                    field("prog_id", attachment.programID)
                    out.write(",\"prog_flags\":"); flags(0)
                    field("link_id", attachment.linkID ?? 0)
                    out.write(",\"link_flags\":"); flags(0)
                    field("position", attachment.position)
                    out.write(",\"revision\":" + (attachment.revision.map(String.init) ?? "null"))
                case .filter(let filter):
                    out.write("\"devname\":"); string(filter.device.name)
                    field("ifindex", filter.device.ifindex)
                    field("kind", filter.attachPoint)
                    if let name = filter.programName { field("name", name) }
                    if let id = filter.programID { field("id", id) }
                    if filter.kind == "bpf", !filter.actions.isEmpty {
                        out.write(",\"act\":[")
                        for (a, action) in filter.actions.enumerated() {
                            out.write(a == 0 ? "{\"name\":" : ",{\"name\":"); string(action.programName)
                            field("id", action.programID); out.write("}")
                        }
                        out.write("]")
                    }
                    field("classifier", filter.kind)
                    field("priority", filter.priority)
                    field("handle", filter.handle)
                    field("protocol", filter.proto)
                    out.write(",\"direct_action\":\(filter.directAction)")
                    out.write(",\"chain\":" + (filter.chain.map(String.init) ?? "null"))
                    out.write(",\"tag\":")
                    if let tag = filter.tag { string(tag) } else { out.write("null") }
                    out.write(",\"actions\":"); list(filter.actions, action)
                }
                out.write("}")
            }
            out.write("],\"flow_dissector\":"); programs(AttachType.flowDissector, of: namespace)
            out.write(",\"sk_lookup\":"); programs(AttachType.skLookup, of: namespace)
            out.write(",\"netfilter\":")
            list(ns.isCurrent ? snapshot.netfilter : []) { link in
                out.write("{\"pf\":\(link.protocolFamily),\"hook\":\(link.hook),\"prio\":\(link.priority),\"flags\":\(link.flags)"
                          + ",\"id\":\(link.programID),\"link_id\":\(link.linkID)}")
            }
            out.write(",\"actions\":"); list(namespace.actions, action)
            out.write(",\"errors\":"); list(namespace.errors, string)
            out.write("}")
        }
        out.write("]\n")
    }

    // MARK: Text

    /// bpftool's `net show` layout, under a heading per namespace.
    static func writeText(_ snapshot: NetSnapshot, names: ProgramNames, _ out: Output) {
        func safe(_ text: String) -> String { Escape.terminal(Array(text.utf8)) }
        for (index, namespace) in snapshot.namespaces.enumerated() {
            let ns = namespace.namespace
            if index > 0 { out.write("\n") }
            var heading = "netns \(ns.inode)"
            if let name = ns.name { heading += " \(safe(name))" }
            if let pid = ns.pid { heading += " pid \(pid)" }
            if ns.isCurrent { heading += " (current)" }
            out.write("\(heading):\n")
            out.write("xdp:\n")
            for (device, modes) in xdpByDevice(namespace) {
                out.write("\(safe(device.name))(\(device.ifindex))")
                for mode in modes { out.write(" \(mode.mode.rawValue) id \(mode.programID)") }
                out.write("\n")
            }
            out.write("\ntc:\n")
            for entry in tcEntries(namespace) {
                switch entry {
                case .multi(let attachment):
                    out.write("\(safe(attachment.device.name))(\(attachment.device.ifindex)) \(multiProgKind(attachment.attachType))")
                    if let name = names.name(attachment.programID), !name.isEmpty { out.write(" \(safe(name))") }
                    out.write(" prog_id \(attachment.programID) ")
                    if let link = attachment.linkID { out.write("link_id \(link) ") }
                case .filter(let filter):
                    out.write("\(safe(filter.device.name))(\(filter.device.ifindex)) \(safe(filter.attachPoint))")
                    if filter.kind != "bpf" { out.write(" \(safe(filter.kind))") }
                    if let name = filter.programName { out.write(" \(safe(name))") }
                    if let id = filter.programID { out.write(" id \(id)") }
                    if !filter.actions.isEmpty {
                        out.write(" act [" + filter.actions.map { "{\(safe($0.programName)) id \($0.programID)}" }.joined() + "] ")
                    }
                }
                out.write("\n")
            }
            out.write("\nflow_dissector:\n")
            for program in namespace.namespacePrograms where program.attachType == AttachType.flowDissector {
                out.write("id \(program.programID)\n")
            }
            let lookups = namespace.namespacePrograms.filter { $0.attachType == AttachType.skLookup }
            if !lookups.isEmpty {
                out.write("\nsk_lookup:\n")
                for program in lookups { out.write("id \(program.programID)\n") }
            }
            out.write("\nnetfilter:\n")
            if ns.isCurrent {
                for link in snapshot.netfilter {
                    out.write("\t" + (NetfilterNames.family(link.protocolFamily) ?? "pf: \(link.protocolFamily)"))
                    if let hook = NetfilterNames.hook(link.hook, family: link.protocolFamily) {
                        out.write(" \(hook)")
                    } else {
                        out.write(", hook \(link.hook),")
                    }
                    out.write(" prio \(link.priority)")
                    if link.flags != 0 { out.write(" flags 0x\(String(link.flags, radix: 16))") }
                    out.write(" prog_id \(link.programID)\n")
                }
            }
            if !namespace.actions.isEmpty {
                out.write("\nactions:\n")
                for action in namespace.actions {
                    out.write("bpf index \(action.index) \(safe(action.programName)) id \(action.programID)\n")
                }
            }
        }
    }
}

import BPFKit
import CNetlink
import Glibc

/// tc filters that run BPF programs: the device's qdiscs (RTM_GETQDISC),
/// then a filter dump (RTM_GETTFILTER) per attach point, as bpftool asks.
enum TCFilters {
    struct Qdisc {
        var ifindex: UInt32
        var handle: UInt32
        var kind: String
    }

    /// TC_H_MAKE and the clsact parents (pkt_sched.h's macros).
    static func make(_ major: UInt32, _ minor: UInt32) -> UInt32 { (major & 0xFFFF_0000) | (minor & 0x0000_FFFF) }
    static let clsactIngress = make(UInt32(BPFNAV_TC_H_CLSACT), UInt32(BPFNAV_TC_H_MIN_INGRESS))
    static let clsactEgress = make(UInt32(BPFNAV_TC_H_CLSACT), UInt32(BPFNAV_TC_H_MIN_EGRESS))

    /// Every device's qdiscs, in the kernel's order.
    static func qdiscs(_ socket: RouteSocket) throws(BPFError) -> [Qdisc] {
        var request = tcmsg()
        request.tcm_family = UInt8(AF_UNSPEC)
        var found: [Qdisc] = []
        try socket.dump("qdiscs (RTM_GETQDISC)", type: Int32(RTM_GETQDISC), request: request, maxAttribute: Int32(BPFNAV_TCA_MAX)) { message in
            let info = message.fixed(tcmsg.self)
            found.append(Qdisc(ifindex: UInt32(bitPattern: info.tcm_ifindex), handle: info.tcm_handle,
                               kind: Attribute.string(message[TCA_KIND]) ?? "unknown"))
        }
        return found
    }

    /// A device's classes (RTM_GETTCLASS, asked per device: the kernel
    /// dumps one device's classes at a time), as `Qdisc`s: their classid
    /// and the kind of the qdisc they belong to ("htb").
    static func classes(_ socket: RouteSocket, of device: NetDevice) throws(BPFError) -> [Qdisc] {
        var request = tcmsg()
        request.tcm_family = UInt8(AF_UNSPEC)
        request.tcm_ifindex = Int32(bitPattern: device.ifindex)
        var found: [Qdisc] = []
        try socket.dump("classes of \(device.name) (RTM_GETTCLASS)", type: Int32(RTM_GETTCLASS), request: request,
                        maxAttribute: Int32(BPFNAV_TCA_MAX)) { message in
            let info = message.fixed(tcmsg.self)
            guard UInt32(bitPattern: info.tcm_ifindex) == device.ifindex else { return }
            found.append(Qdisc(ifindex: device.ifindex, handle: info.tcm_handle,
                               kind: Attribute.string(message[TCA_KIND]) ?? "unknown"))
        }
        return found
    }

    /// Where to ask for a device's filters, with bpftool's kind for each:
    /// clsact's two directions, an ingress qdisc, every other qdisc by its
    /// handle and every class by its classid (each named by its kind, as
    /// bpftool does), once each.
    static func attachPoints(of device: NetDevice, qdiscs: [Qdisc], classes: [Qdisc] = []) -> [(parent: UInt32, kind: String)] {
        var points: [(parent: UInt32, kind: String)] = []
        // Classes first, as bpftool lists them.
        for qdisc in classes + qdiscs where qdisc.ifindex == device.ifindex {
            switch qdisc.kind {
            case "clsact": points += [(clsactIngress, "clsact/ingress"), (clsactEgress, "clsact/egress")]
            case _ where qdisc.handle == 0: continue
            case _ where points.contains { $0.parent == qdisc.handle }: continue
            default: points.append((qdisc.handle, qdisc.kind))
            }
        }
        return points
    }

    /// The filters of `device` that run BPF programs: bpf classifiers, and
    /// filters of any kind with a bpf action.
    static func dump(_ socket: RouteSocket, device: NetDevice, qdiscs: [Qdisc]) throws(BPFError) -> [TCFilter] {
        var filters: [TCFilter] = []
        // Classes only where a classful qdisc is: most devices have none.
        let classful = qdiscs.contains { $0.ifindex == device.ifindex && !["clsact", "ingress", "noqueue", "pfifo_fast", "fq_codel", "noop"].contains($0.kind) }
        let classes = classful ? try Self.classes(socket, of: device) : []
        for point in attachPoints(of: device, qdiscs: qdiscs, classes: classes) {
            var request = tcmsg()
            request.tcm_family = UInt8(AF_UNSPEC)
            request.tcm_ifindex = Int32(bitPattern: device.ifindex)
            request.tcm_parent = point.parent
            try socket.dump("tc filters of \(device.name) \(point.kind) (RTM_GETTFILTER)", type: Int32(RTM_GETTFILTER),
                            request: request, maxAttribute: Int32(BPFNAV_TCA_MAX)) { message in
                if let filter = filter(message, device: device, attachPoint: point.kind, parent: point.parent) {
                    filters.append(filter)
                }
            }
        }
        return filters
    }

    /// The action list attribute of each classifier that has one.
    static let actionList: [String: (attribute: Int32, max: Int32)] = [
        "bpf": (Int32(TCA_BPF_ACT), Int32(BPFNAV_TCA_BPF_MAX)),
        "matchall": (Int32(TCA_MATCHALL_ACT), Int32(BPFNAV_TCA_MATCHALL_MAX)),
        "flower": (Int32(TCA_FLOWER_ACT), Int32(BPFNAV_TCA_FLOWER_MAX)),
        "u32": (Int32(TCA_U32_ACT), Int32(BPFNAV_TCA_U32_MAX)),
        "basic": (Int32(TCA_BASIC_ACT), Int32(BPFNAV_TCA_BASIC_MAX)),
    ]

    static func filter(_ message: RouteSocket.Message, device: NetDevice, attachPoint: String, parent: UInt32) -> TCFilter? {
        let info = message.fixed(tcmsg.self)
        // The first message of each priority and protocol is the classifier
        // itself, without options: no filter.
        guard let kind = Attribute.string(message[TCA_KIND]), let options = message[TCA_OPTIONS],
              let list = actionList[kind], let table = Attribute.nested(options, max: list.max) else { return nil }
        let actions = TCActions.bpfActions(in: table[Int(list.attribute)])
        var filter = TCFilter(
            device: device, attachPoint: attachPoint, parent: parent,
            priority: UInt16(truncatingIfNeeded: info.tcm_info >> 16),
            proto: UInt16(bigEndian: UInt16(truncatingIfNeeded: info.tcm_info & 0xFFFF)),
            handle: info.tcm_handle, chain: Attribute.u32(message[TCA_CHAIN]), kind: kind,
            programID: nil, programName: nil, directAction: false, tag: nil, actions: actions)
        if kind == "bpf" {
            filter.programID = Attribute.u32(table[Int(TCA_BPF_ID)])
            filter.programName = Attribute.string(table[Int(TCA_BPF_NAME)])
            filter.directAction = (Attribute.u32(table[Int(TCA_BPF_FLAGS)]) ?? 0) & UInt32(TCA_BPF_FLAG_ACT_DIRECT) != 0
            filter.tag = table[Int(TCA_BPF_TAG)].map { Attribute.bytes($0).map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined() }
        }
        return filter.programID != nil || !filter.actions.isEmpty ? filter : nil
    }
}

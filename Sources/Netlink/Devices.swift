import BPFKit
import CNetlink
import Glibc

/// RTM_GETLINK: the namespace's devices and their XDP programs (IFLA_XDP).
enum Devices {
    static func dump(_ socket: RouteSocket) throws(BPFError) -> (devices: [NetDevice], xdp: [XDPAttachment]) {
        var devices: [NetDevice] = []
        var xdp: [XDPAttachment] = []
        var request = ifinfomsg()
        request.ifi_family = UInt8(AF_UNSPEC)
        try socket.dump("devices (RTM_GETLINK)", type: Int32(RTM_GETLINK), request: request, maxAttribute: Int32(BPFNAV_IFLA_MAX)) { message in
            let info = message.fixed(ifinfomsg.self)
            guard info.ifi_index > 0 else { return }
            let kind = Attribute.nested(message[IFLA_LINKINFO], max: BPFNAV_IFLA_INFO_MAX).flatMap { Attribute.string($0[Int(IFLA_INFO_KIND)]) }
            let device = NetDevice(ifindex: UInt32(info.ifi_index), name: Attribute.string(message[IFLA_IFNAME]) ?? "", kind: kind)
            devices.append(device)
            xdp += attachments(of: device, message[IFLA_XDP])
        }
        return (devices.sorted { $0.ifindex < $1.ifindex }, xdp)
    }

    /// IFLA_XDP's programs, one per mode: with one mode attached the kernel
    /// gives IFLA_XDP_PROG_ID and the mode in IFLA_XDP_ATTACHED; with
    /// several (XDP_ATTACHED_MULTI), one id attribute per mode.
    static func attachments(of device: NetDevice, _ attribute: UnsafeMutablePointer<nlattr>?) -> [XDPAttachment] {
        guard let table = Attribute.nested(attribute, max: BPFNAV_IFLA_XDP_MAX),
              let attached = Attribute.u8(table[Int(IFLA_XDP_ATTACHED)]) else { return [] }
        func one(_ mode: XDPMode, _ type: some BinaryInteger) -> [XDPAttachment] {
            guard let id = Attribute.u32(table[Int(type)]), id != 0 else { return [] }
            return [XDPAttachment(device: device, mode: mode, programID: id)]
        }
        switch Int(attached) {
        case Int(XDP_ATTACHED_DRV): return one(.driver, IFLA_XDP_PROG_ID)
        case Int(XDP_ATTACHED_SKB): return one(.generic, IFLA_XDP_PROG_ID)
        case Int(XDP_ATTACHED_HW): return one(.offload, IFLA_XDP_PROG_ID)
        case Int(XDP_ATTACHED_MULTI):
            return one(.generic, IFLA_XDP_SKB_PROG_ID) + one(.driver, IFLA_XDP_DRV_PROG_ID) + one(.offload, IFLA_XDP_HW_PROG_ID)
        default: return []
        }
    }
}

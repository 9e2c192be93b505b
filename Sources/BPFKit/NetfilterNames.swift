import CLibBPF

/// Names of a netfilter link's protocol family and hook, as bpftool prints
/// them (`ip input`), from <linux/netfilter.h> and <linux/netfilter_arp.h>.
public enum NetfilterNames {
    /// `NFPROTO_*`: "inet", "ip", "arp", "netdev", "bridge", "ip6"; nil for others.
    public static func family(_ pf: UInt32) -> String? {
        switch Int(pf) {
        case NFPROTO_INET: "inet"
        case NFPROTO_IPV4: "ip"
        case NFPROTO_ARP: "arp"
        case NFPROTO_NETDEV: "netdev"
        case NFPROTO_BRIDGE: "bridge"
        case NFPROTO_IPV6: "ip6"
        default: nil
        }
    }

    /// The hook's name in family `pf`: `NF_INET_*` for ip, ip6, inet and
    /// bridge (which shares their numbers), `NF_ARP_*` for arp; nil for
    /// others (netdev hooks, as bpftool, are numbers).
    public static func hook(_ hook: UInt32, family pf: UInt32) -> String? {
        switch Int(pf) {
        case NFPROTO_BRIDGE, NFPROTO_IPV4, NFPROTO_IPV6, NFPROTO_INET:
            switch hook {
            case NF_INET_PRE_ROUTING.rawValue: "prerouting"
            case NF_INET_LOCAL_IN.rawValue: "input"
            case NF_INET_FORWARD.rawValue: "forward"
            case NF_INET_LOCAL_OUT.rawValue: "output"
            case NF_INET_POST_ROUTING.rawValue: "postrouting"
            default: nil
            }
        case NFPROTO_ARP:
            switch Int32(bitPattern: hook) {
            case NF_ARP_IN: "input"
            case NF_ARP_OUT: "output"
            default: nil
            }
        default: nil
        }
    }
}

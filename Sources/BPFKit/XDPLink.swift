import CLibBPF
import Glibc

/// An XDP program attached to a device through a BPF link
/// (`bpf_link_create` with `BPF_XDP`, 5.9+).
public enum XDPLink {
    /// Attaches `programFD` (an XDP program) to the device `ifindex` of the
    /// calling thread's network namespace: an ifindex means nothing in any
    /// other, so a caller attaching in another namespace calls this on a
    /// thread that has entered it. The link is the caller's; the program
    /// stays attached while the link (or a pin of it) lives, in the driver's
    /// mode where the device has one (veth does), else generic.
    public static func attach(programFD: Int32, ifindex: Int32, device: String) throws(BPFError) -> OwnedFD {
        let link = try check("attach XDP program to", device, hint: { code in
            switch code {
            case EBUSY, EEXIST: "the device has an XDP program already (ip link set dev \(device) xdp off removes one attached through netlink)"
            case EINVAL: "this kernel has no XDP links (5.9+)"
            case EPERM: "attaching XDP needs CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN)"
            default: nil
            }
        }) { bpf_link_create(programFD, ifindex, BPF_XDP, nil) }
        return OwnedFD(adopting: link)
    }
}

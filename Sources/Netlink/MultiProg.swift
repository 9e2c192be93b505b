import BPFKit
import Glibc

/// BPF_PROG_QUERY at the namespace's attach points: tcx and netkit on its
/// devices (an ifindex, resolved in the caller's namespace, so the caller
/// is inside it), and flow dissector and sk_lookup on the namespace itself
/// (its fd). A kernel without the attach type refuses the query; that is
/// "nothing attached", not an error.
enum MultiProg {
    /// The errnos of a kernel that does not know the attach type (tcx and
    /// netkit before 6.6, sk_lookup before 5.9) or the device's kind.
    static let unsupported: Set<Int32> = [EINVAL, EOPNOTSUPP, ENOTSUPP, ENODEV]

    static func device(_ device: NetDevice) throws(BPFError) -> [MultiProgAttachment] {
        var types = [AttachType.tcxIngress, AttachType.tcxEgress]
        if device.kind == "netkit" { types += [AttachType.netkitPrimary, AttachType.netkitPeer] }
        var found: [MultiProgAttachment] = []
        for type in types {
            let result: ProgQuery
            do {
                result = try ProgQuery.query(target: Int32(bitPattern: device.ifindex), attachType: type)
            } catch {
                if unsupported.contains(error.errno) { continue }
                throw error
            }
            for (position, entry) in result.entries.enumerated() {
                found.append(MultiProgAttachment(device: device, attachType: type, programID: entry.programID,
                                                 linkID: entry.linkID, position: position, revision: result.revision))
            }
        }
        return found
    }

    static func namespace(fd: Int32) throws(BPFError) -> [NamespaceProgram] {
        var found: [NamespaceProgram] = []
        for type in [AttachType.flowDissector, AttachType.skLookup] {
            let result: ProgQuery
            do {
                result = try ProgQuery.query(target: fd, attachType: type)
            } catch {
                if unsupported.contains(error.errno) { continue }
                throw error
            }
            found += result.entries.map { NamespaceProgram(attachType: type, programID: $0.programID, linkID: $0.linkID) }
        }
        return found
    }
}

/// `ENOTSUPP` (524): the kernel's own "not supported", which glibc does
/// not name.
let ENOTSUPP: Int32 = 524

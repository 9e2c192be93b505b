import BPFKit

extension NetfilterLink {
    /// Every netfilter link, in bpftool's order (family, hook, priority,
    /// flags). Links that go away while listed are left out; a kernel
    /// that refuses the listing gives none.
    static func all() -> [NetfilterLink] {
        guard let ids = try? BPFObjectKind.link.ids() else { return [] }
        let links: [NetfilterLink] = ids.compactMap { id in
            guard let info = try? LinkInfo(id: id),
                  case .netfilter(let family, let hook, let priority, let flags) = info.details else { return nil }
            return NetfilterLink(linkID: id, programID: info.programID, protocolFamily: family, hook: hook,
                                 priority: priority, flags: flags)
        }
        return links.sorted {
            ($0.protocolFamily, $0.hook, $0.priority, $0.flags, $0.linkID) < ($1.protocolFamily, $1.hook, $1.priority, $1.flags, $1.linkID)
        }
    }
}

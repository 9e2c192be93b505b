import BPFKit
import Glibc

/// One iterator pin bpfnav is asked to create.
public struct PinSpec: Equatable, Sendable {
    public var kind: IterKind
    public var params: IterParams
    /// The file name in the pin directory.
    public var name: String

    public init(kind: IterKind, params: IterParams, name: String? = nil) {
        self.kind = kind
        self.params = params
        self.name = name ?? PinName.default(kind: kind, params: params)
    }
}

public enum PinName {
    /// `tasks`, `files-pid-1234`, `vmas-tid-77`: bpffs names cannot contain
    /// '.', so parameters are joined with '-'.
    public static func `default`(kind: IterKind, params: IterParams) -> String {
        switch params {
        case .all, .mapFD: kind.pinPrefix
        case .pid(let pid): "\(kind.pinPrefix)-pid-\(pid)"
        case .tid(let tid): "\(kind.pinPrefix)-tid-\(tid)"
        }
    }

    /// Rejects names bpffs would refuse or that would escape the directory.
    public static func validate(_ name: String) throws(BPFError) {
        let problem: String? =
            if name.isEmpty { "a pin name cannot be empty" }
            else if name.contains("/") { "a pin name cannot contain '/': use --dir for the directory" }
            else if name.contains(".") { "bpffs names cannot contain '.': use '-' instead" }
            else if !PinManifest.fits(name) { "a pin name is at most 115 bytes" }
            else if name.hasPrefix("bpfnav-") || name.hasPrefix("progs-") || name == IterPins.demoName
                || IterPins.isDemoTemporary(name) { "'\(name)' is a name bpfnav keeps for itself: choose another" }
            else if name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) { "a pin name cannot contain control characters" }
            else { nil }
        if let problem {
            throw BPFError("use pin name", "'\(name)'", errno: EINVAL, hint: problem)
        }
    }
}

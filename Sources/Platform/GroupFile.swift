import Glibc

/// /etc/group, read directly.
public enum GroupFile {
    /// A group's id from /etc/group. Not getgrnam: release builds are static,
    /// and a static glibc's NSS loads the system's modules at run time, which
    /// crashes when they do not match. Groups from a directory service (LDAP)
    /// are given by number.
    public static func id(named name: String) -> gid_t? {
        if let file = fopen("/etc/group", "r") {
            defer { fclose(file) }
            var line: UnsafeMutablePointer<CChar>?
            var capacity = 0
            defer { free(line) }
            while getline(&line, &capacity, file) > 0, let line {
                // name:password:gid:members
                let fields = String(cString: line).split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
                if fields.count >= 3, fields[0] == name, let gid = gid_t(fields[2]) { return gid }
            }
        }
        return nil
    }
}

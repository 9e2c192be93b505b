import Iterators

public extension FileRecord {
    /// lsof's TYPE column: REG, DIR, CHR, BLK, FIFO, SOCK, LNK, a_inode.
    var typeName: StaticString {
        if path.starts(with: "anon_inode:".utf8) { return "a_inode" }
        switch mode & 0o170000 {
        case 0o100000: return "REG"
        case 0o040000: return "DIR"
        case 0o020000: return "CHR"
        case 0o060000: return "BLK"
        case 0o010000: return "FIFO"
        case 0o140000: return "SOCK"
        case 0o120000: return "LNK"
        default: return "unknown"
        }
    }
}

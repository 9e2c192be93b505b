import Platform
import XCTest

final class MountinfoTests: XCTestCase {
    func testFindsEveryBPFFSInMountinfo() {
        let mountinfo = """
        22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/root rw
        23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        36 23 0:30 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:13 - bpf bpf rw,mode=700
        40 22 0:31 / /run/with\\040space\\011tab rw,relatime - bpf none rw
        41 22 0:32 / /run/tagged rw,relatime shared:20 master:3 - bpf bpf rw
        42 22 0:33 / /run/notbpf rw,relatime - tmpfs bpf rw
        43 22 0:30 / /sys/fs/bpf rw,relatime - bpf bpf rw
        garbage line
        44 22 0:34 / /run/back\\134slash rw - bpf bpf rw

        """
        let mounts = Mountinfo.bpffsMounts(mountinfo: Array(mountinfo.utf8)).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(mounts, ["/sys/fs/bpf", "/run/with space\ttab", "/run/tagged", "/run/back\\slash"])
    }

    func testMountFieldEscapes() {
        XCTAssertEqual(Mountinfo.unescapeField(Array(#"/a\040b"#.utf8)), Array("/a b".utf8))
        XCTAssertEqual(Mountinfo.unescapeField(Array(#"/end\040"#.utf8)), Array("/end ".utf8))
        // Not an escape: left as is.
        XCTAssertEqual(Mountinfo.unescapeField(Array(#"/x\09"#.utf8)), Array(#"/x\09"#.utf8))
        XCTAssertEqual(Mountinfo.unescapeField(Array(#"/x\9999"#.utf8)), Array(#"/x\9999"#.utf8))
        // Bytes that are not UTF-8 survive.
        XCTAssertEqual(Mountinfo.unescapeField(Array(#"/x\377"#.utf8)), Array("/x".utf8) + [0xff])
    }
}

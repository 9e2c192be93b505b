// bpfnav-serve: `bpfnav serve`'s HTTP endpoint. Being built (issue #15).
import Glibc
import NIOCore
import NIOPosix
import NIOHTTP1
import Exporter
import BPFNavCLI

_ = write(2, "bpfnav-serve: not built yet\n", 28)
exit(1)

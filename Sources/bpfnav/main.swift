import BPFKit
import BPFNavCLI
import Glibc

// A reader that goes away (`bpfnav files --ndjson | head -1`) must end a dump
// quietly: EPIPE instead of a fatal SIGPIPE.
signal(SIGPIPE, SIG_IGN)
Faults.prepare()
exit(CLI.run(Array(CommandLine.arguments.dropFirst())))

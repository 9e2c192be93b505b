// bpfnav-serve: `bpfnav serve`'s HTTP endpoint, its own executable so that
// bpfnav's start-up carries no HTTP stack. It parses the same command line
// as `bpfnav serve` (one parser, one help text): the hook runs the server.
import BPFNavCLI
import Glibc

ServeCommand.server = { options in Server.run(options) }
exit(CLI.run(["serve"] + CommandLine.arguments.dropFirst()))

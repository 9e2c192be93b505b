// ObjectModel is bpfnav's model of BPF objects and their relations: the
// programs, maps and links the kernel has loaded (`Objects`, with
// `ProgramEntry`, `MapEntry`, `LinkEntry`), where each is pinned (`PinWalk`,
// `PinIndex`), which processes hold them (`Holders`), map contents as typed
// values (`MapDump`), a program's instructions and metadata, run-time
// statistics (`RunStats`) and the demo. The command line and the browser
// both read the system through it. What does not belong here: bpf(2) and
// libbpf calls (BPFKit), text formats (Formatting, Encoding), the browser's
// pages (BrowserModel) and command-line words (BPFNavCLI).

// ObjectModel is bpfnav's model of BPF objects and their relations: the
// programs, maps and links the kernel has loaded (`Objects`, with
// `ProgramEntry`, `MapEntry`, `LinkEntry`), where each is pinned (`PinWalk`,
// `PinIndex`, with `PinEntry`), which processes hold them (`Holders`), the
// processes themselves (`TaskEntry`), map contents as typed values
// (`MapDump`), a program's instructions and metadata, run-time statistics
// (`RunStats`) and the demo. The command line and the browser both read the
// system through it. Each kind has one file holding its type and its
// presentation (`Program.swift`, `Map.swift`, `Link.swift`, `Pin.swift`,
// `Task.swift`): the columns, detail fields and JSON fields (bpftool's names)
// that the CLI table, the CLI JSON and the browser all render
// (`Presentation.swift`), so a field is added in one model line and one
// presentation line. What does not belong here: bpf(2) and libbpf calls
// (BPFKit), text formats (Formatting, Encoding), the browser's pages
// (BrowserModel) and command-line words (BPFNavCLI).

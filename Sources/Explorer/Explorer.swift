// Explorer is the model the command line and the browser share: snapshots
// of the kernel's programs, maps and links with where they are pinned and
// which processes hold them (`Objects`, `Holders`, `PinWalk`), map contents
// and BTF formatting (`MapDump`, `BTFFormatter`), instruction printing
// (`Xlated`), link summaries, run-time statistics, the demo, the browser's
// model and its live source (`Browser*`, `LiveBrowserSource`), and the
// byte-level encoders (`Output`, `Escape`, `TerminalFilter`).
// It mixes more concerns than a module should: coming restructuring steps
// splits it into a model of objects, formatting, platform readers (procfs,
// mountinfo, tracefs) and the browser's model, with the CLI encoders moved
// next to the CLI. What does not belong here even now: bpf(2) and libbpf
// calls (BPFKit: only BPFKit imports CLibBPF, as LayeringTests checks).

// Encoding holds the byte-level writers everything bpfnav prints goes
// through: `Output` (a buffered writer on a file descriptor, with integer and
// octal appends that allocate nothing), `Escape` (JSON strings and
// terminal-safe text from bytes that need not be UTF-8) and `TerminalFilter`
// (a stream filter for `bpfnav cat`). The command line writes every row with
// them, and the browser escapes names and documents with `Escape`. Release
// builds compile this module without dynamic exclusivity checks (see
// Package.swift): the buffer is on every row's hot path. What does not belong
// here: what a row says (the presentations in ObjectModel, the commands in
// BPFNavCLI) and anything that reads the kernel.

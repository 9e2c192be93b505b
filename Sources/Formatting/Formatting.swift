// Formatting turns kernel data into text: BTF-typed values (`BTFFormatter`,
// `BTFValue`), translated instructions (`Xlated`), link summaries
// (`LinkSummary`) and the browser's numbers, sizes, times and hex
// (`BrowserFormat`). Its functions are pure: they take BPFKit's decoded
// structures and return strings or values, so they are tested without
// privileges and fuzzed (fuzz/). What does not belong here: fetching
// anything from the kernel (BPFKit, ObjectModel), and which fields a
// command or page shows (ObjectModel's presentations, BPFNavCLI, TUI).

// Platform reads the text files of a Linux system that bpfnav needs besides
// bpf(2): /proc/self/mountinfo (`Mountinfo`: where bpffs, tracefs and debugfs
// are), tracefs event formats (`TracepointFormat`), /etc/group and /etc/passwd
// (`GroupFile`, `UserNames`: read directly, since a static glibc's NSS cannot
// be trusted), a process's CPU time, RSS and arguments (`ProcessStat`), whole small
// files and paths as exact bytes (`FileBytes`), and the one signal flag the
// dumps and the browser share (`SignalFlag`). It depends on nothing of
// bpfnav's. What does not belong here: bpf(2) and libbpf (BPFKit), BPF
// iterator programs (Iterators), and what any of it means to the user.

#ifndef BPFNAV_CTEST_SUPPORT_H
#define BPFNAV_CTEST_SUPPORT_H

/*
 * What the integration tests need from the kernel and Swift cannot call:
 * perf_event_open(2) (no glibc wrapper; syscall() is variadic).
 */

/* A uprobe (or uretprobe) perf event on `path` at file offset `offset`, for
 * process `pid` (-1: every process), through the uprobe PMU whose type is in
 * /sys/bus/event_source/devices/uprobe/type. Returns the fd, or -errno. */
int ctest_uprobe_perf_event(int pmu_type, int retprobe_bit, int retprobe,
			    const char *path, unsigned long long offset, int pid);

#endif

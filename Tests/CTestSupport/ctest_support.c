#include "ctest_support.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

int ctest_uprobe_perf_event(int pmu_type, int retprobe_bit, int retprobe,
			    const char *path, unsigned long long offset, int pid)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = pmu_type;
	attr.config = retprobe ? 1ULL << retprobe_bit : 0;
	attr.config1 = (unsigned long long)(unsigned long)path;
	attr.config2 = offset;
	long fd = syscall(SYS_perf_event_open, &attr, pid, pid == -1 ? 0 : -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

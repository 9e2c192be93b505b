// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A uprobe program for LinkInfoTests: attached through a perf event with a
 * cookie to a file nothing runs, so that the link's info can be read back.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int bpfnav_uprobe_fx(void *ctx)
{
	return 0;
}

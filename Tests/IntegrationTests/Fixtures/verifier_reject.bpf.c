// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A program the verifier refuses, for VerifierRejectionTests: it dereferences
 * a map lookup's result without checking it for NULL ("R0 invalid mem access
 * 'map_value_or_null'" on every kernel bpfnav supports). Before that, a long
 * run of instructions makes the verifier's log far longer than one 4 KiB
 * message, so a cut log shows. A hash map: newer verifiers know that an
 * array lookup with a constant key in range cannot fail.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

volatile __u64 sink;

SEC("iter/task")
int bpfnav_rejected_fx(void *ctx)
{
	__u32 key = 0;
	__u64 *value;

#pragma clang loop unroll(full)
	for (int i = 0; i < 200; i++)
		sink += i;
	value = bpf_map_lookup_elem(&counts, &key);
	/* No NULL check: this is what the verifier refuses. */
	return *value ? 1 : 0;
}

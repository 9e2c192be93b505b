// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A struct_ops map for MapDumpTests: a tcp_congestion_ops with the three
 * operations the kernel requires, each doing nothing useful. libbpf matches
 * members by name against vmlinux BTF, so only the members used are
 * declared. Registered only while the test holds it.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct sock;

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	char name[16];
};

/* struct_ops programs take their arguments as an array of u64. */
SEC("struct_ops/bpfnav_ssthresh")
__u32 bpfnav_ssthresh(unsigned long long *ctx)
{
	return 2;
}

SEC("struct_ops/bpfnav_cong_avoid")
void bpfnav_cong_avoid(unsigned long long *ctx)
{
}

SEC("struct_ops/bpfnav_undo_cwnd")
__u32 bpfnav_undo_cwnd(unsigned long long *ctx)
{
	return 2;
}

SEC(".struct_ops")
struct tcp_congestion_ops bpfnav_cc = {
	.ssthresh = (void *)bpfnav_ssthresh,
	.cong_avoid = (void *)bpfnav_cong_avoid,
	.undo_cwnd = (void *)bpfnav_undo_cwnd,
	.name = "bpfnav_cc",
};

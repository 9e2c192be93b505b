// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpfnav demo, its network part: two programs that let every packet through
 * and count what they saw, so that `bpfnav net` has attachments that are not
 * tracepoints to show. `bpfnav demo` makes a network namespace of its own
 * (bpfnav-demo) with a veth pair, demo0 and demo1, no addresses:
 *
 *   bpfnav_demo_xdp   XDP on demo0, through a BPF link pinned as demo/xdp
 *   bpfnav_demo_tc    tc clsact ingress of demo1, a direct-action bpf filter
 *   bpfnav_demo_pkt   array: packets and bytes, one element per program
 *
 * The devices come up with IPv6 link-local addresses only (the kernel's own),
 * so what there is to count is the neighbour discovery between the two ends;
 * nothing leaves the namespace.
 *
 * A separate object from demo.bpf.c: where network namespaces or veth are
 * missing the demo skips this part and loads none of it.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include "compat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define DEMO_MAP_TYPE_ARRAY	2
#define XDP_PASS		2	/* enum xdp_action, uapi */
#define TC_ACT_OK		0	/* linux/pkt_cls.h */

/* The contexts' first fields (uapi, fixed): all these programs read. */
struct xdp_md {
	__u32 data;
	__u32 data_end;
};

struct __sk_buff {
	__u32 len;
};

/* Which program counted: the array's index (its key is a __u32, as the
 * kernel requires of an array's BTF). */
enum bpfnav_demo_hook {
	BPFNAV_DEMO_XDP = 0,
	BPFNAV_DEMO_TC_INGRESS = 1,
};

struct bpfnav_demo_packets {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, DEMO_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct bpfnav_demo_packets);
} bpfnav_demo_pkt SEC(".maps");

static __always_inline void count(__u32 hook, __u64 bytes)
{
	struct bpfnav_demo_packets *seen = bpf_map_lookup_elem(&bpfnav_demo_pkt, &hook);

	if (seen) {
		atomic_add(&seen->packets, 1);
		atomic_add(&seen->bytes, bytes);
	}
}

SEC("xdp")
int bpfnav_demo_xdp(struct xdp_md *ctx)
{
	count(BPFNAV_DEMO_XDP, ctx->data_end - ctx->data);
	return XDP_PASS;
}

SEC("tc")
int bpfnav_demo_tc(struct __sk_buff *skb)
{
	count(BPFNAV_DEMO_TC_INGRESS, skb->len);
	return TC_ACT_OK;
}

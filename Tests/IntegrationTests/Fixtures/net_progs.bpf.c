// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Programs for NetAttachmentTests: a tc classifier (also run as a tc
 * action and through tcx) and an XDP program, each passing every packet.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tc")
int bpfnav_net_tc(void *skb)
{
	return 0; /* TC_ACT_OK */
}

SEC("action")
int bpfnav_net_act(void *skb)
{
	return 0; /* TC_ACT_OK */
}

SEC("xdp")
int bpfnav_net_xdp(void *ctx)
{
	return 2; /* XDP_PASS */
}

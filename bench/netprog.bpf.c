// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/run's net case: the smallest XDP and tc programs there are (they
 * pass every packet), attached in the bench's namespaces so that
 * `bpfnav net` and `bpftool net` have attachments to list. Built with
 * clang -target bpf; no headers.
 */
#define SEC(name) __attribute__((section(name), used))

SEC("xdp") int bench_xdp(void *ctx) { return 2; /* XDP_PASS */ }
SEC("tc") int bench_tc(void *ctx) { return 0; /* TC_ACT_OK */ }

char LICENSE[] SEC("license") = "Dual BSD/GPL";

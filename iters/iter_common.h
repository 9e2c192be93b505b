/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers every text iterator program uses. Include after kernel_types.h and
 * <bpf/bpf_helpers.h>.
 */
#ifndef BPFNAV_ITER_COMMON_H
#define BPFNAV_ITER_COMMON_H

#ifndef BPF_ANY
#define BPF_ANY 0
#endif

/* Constant text without a printf: no format parsing, no argument array. */
#define SEQ_PUTS(seq, str)                                                    \
	({                                                                    \
		static const char ___s[] = str;                               \
		bpf_seq_write(seq, ___s, sizeof(___s) - 1);                   \
	})

/*
 * Read sessions (one per open of a pin or bpf_iter_create fd) that printed
 * their header already. seq_num alone cannot tell: the kernel only counts an
 * object once a *next* one exists, so with exactly one object both its call
 * and the final NULL call see seq_num == 0. An LRU map keyed by session id
 * keeps concurrent readers apart.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} bpfnav_headers SEC(".maps");

/* Prints str once per session, before any row; also when there are none. */
static __always_inline void seq_header_once(struct bpf_iter_meta *meta,
					    struct seq_file *seq,
					    const char *str, __u32 len)
{
	__u64 session;
	__u8 one = 1;

	if (meta->seq_num != 0)
		return;
	session = meta->session_id;
	if (bpf_map_lookup_elem(&bpfnav_headers, &session))
		return;
	bpf_map_update_elem(&bpfnav_headers, &session, &one, BPF_ANY);
	bpf_seq_write(seq, str, len);
}

#define SEQ_HEADER(meta, seq, str)                                            \
	({                                                                    \
		static const char ___h[] = str;                               \
		seq_header_once(meta, seq, ___h, sizeof(___h) - 1);           \
	})

#endif /* BPFNAV_ITER_COMMON_H */

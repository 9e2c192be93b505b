// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A task iterator whose third row is larger than the kernel's seq_file
 * buffer, so that reading it ends in E2BIG: the fault bpfnav must report
 * with the rows read before it.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static const char row[] = "small row\n";
static const char chunk[256] = { [0 ... 254] = 'x', [255] = '\n' };

SEC("iter/task")
int big_rows(struct bpf_iter__task *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct seq_file *seq;
	int i;

	if (!meta || !ctx->task)
		return 0;
	seq = meta->seq;
	if (meta->seq_num != 2) {
		bpf_seq_write(seq, row, sizeof(row) - 1);
		return 0;
	}
	/* 256 x 256 bytes: far beyond one object's share of the buffer. */
	for (i = 0; i < 256; i++)
		bpf_seq_write(seq, chunk, sizeof(chunk));
	return 0;
}

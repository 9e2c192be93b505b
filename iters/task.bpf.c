// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* iter/task: one row/record per thread (all threads, or a pid/tid filter). */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bpfnav_records.h"
#include "iter_common.h"
#include "knobs.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";


/* include/linux/sched.h bits that task_state_index() looks at. */
#define TASK_REPORT		0x7f
#define TASK_UNINTERRUPTIBLE	0x02
#define TASK_IDLE		0x402
#define TASK_RTLOCK_WAIT	0x1000
#define TASK_FROZEN		0x8000

static __always_inline void collect_task(struct task_struct *task,
					 struct bpfnav_task_rec *r)
{
	struct cred *cred = task->cred;

	REC_START(r, BPFNAV_REC_TASK);
	r->hdr.size = sizeof(*r);
	r->pid = task->tgid;
	r->tid = task->pid;
	r->ppid = task->real_parent->tgid;
	if (cred) {
		r->uid = cred->euid.val;
		r->ruid = cred->uid.val;
		r->gid = cred->egid.val;
	}
	if (bpf_core_field_exists(task->__state))
		r->state = task->__state;
	else
		r->state = BPF_CORE_READ((struct task_struct___pre514 *)task, state);
	r->state |= (__u32)task->exit_state;
	r->flags = task->flags;
	r->start_time = task->start_boottime;
	__builtin_memcpy(r->comm, task->comm, sizeof(r->comm));
}

/*
 * The letter ps shows, computed like the kernel's __task_state_index() so it
 * agrees with /proc/PID/stat. The kernel tests the idle/rtlock/frozen bits on
 * __state alone; exit_state only ever holds 0x10/0x20, so testing the OR is
 * the same.
 */
static __always_inline char state_letter(__u32 raw)
{
	__u32 st = raw & TASK_REPORT;

	if ((raw & TASK_IDLE) == TASK_IDLE)
		return 'I';
	if (raw & (TASK_RTLOCK_WAIT | TASK_FROZEN))
		st = TASK_UNINTERRUPTIBLE;
	if (st & 0x40)
		return 'P';
	if (st & 0x20)
		return 'Z';
	if (st & 0x10)
		return 'X';
	if (st & 0x08)
		return 't';
	if (st & 0x04)
		return 'T';
	if (st & 0x02)
		return 'D';
	if (st & 0x01)
		return 'S';
	return 'R';
}

SEC("iter/task")
int bpfnav_task_txt(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct bpfnav_task_rec r;
	struct seq_file *seq;
	char state[2];

	seq = SEQ_WITH_HEADER(ctx->meta, "    PID     TID    PPID    UID S COMM\n");
	if (!seq || !task || !task_wanted(task))
		return 0;

	collect_task(task, &r);
	/* %s, not %c: bpf_seq_printf() takes %c from 5.13 on. */
	state[0] = state_letter(r.state);
	state[1] = 0;
	BPF_SEQ_PRINTF(seq, "%7d %7d %7d %6u %s ", r.pid, r.tid, r.ppid,
		       r.uid, state);
	/* Any process sets its own comm: escaped (iter_common.h). */
	seq_write_name(seq, r.comm);
	SEQ_PUTS(seq, "\n");
	return 0;
}

SEC("iter/task")
int bpfnav_task_rec(struct bpf_iter__task *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct task_struct *task = ctx->task;
	struct bpfnav_task_rec r;
	struct seq_file *seq;

	if (!meta || !task || !task_wanted(task))
		return 0;
	seq = meta->seq;
	if (!seq)
		return 0;

	collect_task(task, &r);
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpfnav demo: a program of bpfnav's own that keeps a fresh machine's BPF
 * lively. It runs on every context switch (raw tracepoint sched_switch) and
 * counts into BTF-typed maps that the browser and `bpfnav map dump` format:
 *
 *   bpfnav_demo_cnt   hash   comm -> switches, last pid/tid/cpu, last state
 *   bpfnav_demo_log   array  ring of the last DEMO_LOG_SLOTS switches
 *   bpfnav_demo_cpu   percpu_array  switches, preemptions, idle entries per CPU
 *   bpfnav_demo_tot   array  totals, one element
 *
 * Every map is named explicitly, bpfnav_demo_*, which is how bpfnav knows
 * them as its own; global variables would live in a map libbpf names after
 * the object, cut to "bpfnav_d.bss".
 *
 * A raw tracepoint rather than SEC("tracepoint/..."): libbpf attaches those
 * through a tracepoint id read from tracefs, which containers (these
 * machines among them) often do not mount. BPF_RAW_TRACEPOINT_OPEN needs
 * only the tracepoint's name and gives a link that can be pinned.
 *
 * Not an iterator: iter_common.h is not included.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "compat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifndef BPF_NOEXIST
#define BPF_NOEXIST 1
#endif
/* enum bpf_map_type values kernel_types.h does not list (uapi, fixed). */
#define DEMO_MAP_TYPE_HASH	1
#define DEMO_MAP_TYPE_ARRAY	2

#define DEMO_COMMS	1024
#define DEMO_LOG_SLOTS	64
#define DEMO_COMM_LEN	16

/* What the task being switched out was doing (prev_state, include/linux/sched.h). */
enum bpfnav_demo_state {
	BPFNAV_DEMO_YIELDED = 0,	/* runnable, gave up the CPU itself */
	BPFNAV_DEMO_PREEMPTED = 1,	/* runnable, the scheduler took the CPU */
	BPFNAV_DEMO_SLEEPING = 2,	/* TASK_INTERRUPTIBLE */
	BPFNAV_DEMO_DISK_SLEEP = 3,	/* TASK_UNINTERRUPTIBLE */
	BPFNAV_DEMO_IDLE = 4,		/* TASK_IDLE: uninterruptible, not counted as load */
	BPFNAV_DEMO_STOPPED = 5,	/* __TASK_STOPPED, __TASK_TRACED */
	BPFNAV_DEMO_EXITING = 6,	/* EXIT_DEAD, EXIT_ZOMBIE, TASK_DEAD */
	BPFNAV_DEMO_OTHER = 7,
};

struct bpfnav_demo_comm {
	char comm[DEMO_COMM_LEN];
};

struct bpfnav_demo_count {
	__u64 events;		/* times a task with this comm was switched out */
	__u64 preempted;	/* of those, involuntarily */
	__u64 last_ns;		/* bpf_ktime_get_ns() of the latest */
	__u32 last_pid;		/* its process (tgid) */
	__u32 last_tid;
	__u32 last_cpu;
	enum bpfnav_demo_state last_state;
};

struct bpfnav_demo_event {
	__u64 seq;		/* totals.events when it was written */
	__u64 time_ns;
	__u32 cpu;
	__u32 prev_tid;
	__u32 next_tid;
	enum bpfnav_demo_state prev_state;
	char prev_comm[DEMO_COMM_LEN];
	char next_comm[DEMO_COMM_LEN];
};

struct bpfnav_demo_cpu_stats {
	__u64 switches;
	__u64 preemptions;
	__u64 idle;		/* switches to the idle task */
};

struct bpfnav_demo_totals {
	__u64 events;		/* every switch since the program was attached */
	__u64 dropped;		/* switches not counted by comm: the hash was full */
	__u64 first_ns;
};

struct {
	__uint(type, DEMO_MAP_TYPE_HASH);
	__uint(max_entries, DEMO_COMMS);
	__type(key, struct bpfnav_demo_comm);
	__type(value, struct bpfnav_demo_count);
} bpfnav_demo_cnt SEC(".maps");

struct {
	__uint(type, DEMO_MAP_TYPE_ARRAY);
	__uint(max_entries, DEMO_LOG_SLOTS);
	__type(key, __u32);
	__type(value, struct bpfnav_demo_event);
} bpfnav_demo_log SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfnav_demo_cpu_stats);
} bpfnav_demo_cpu SEC(".maps");

struct {
	__uint(type, DEMO_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpfnav_demo_totals);
} bpfnav_demo_tot SEC(".maps");

/* prev_state bits, include/linux/sched.h. */
#define TASK_INTERRUPTIBLE	0x0001
#define TASK_UNINTERRUPTIBLE	0x0002
#define __TASK_STOPPED		0x0004
#define __TASK_TRACED		0x0008
#define EXIT_DEAD		0x0010
#define EXIT_ZOMBIE		0x0020
#define TASK_DEAD		0x0080
#define TASK_IDLE		0x0402

static __always_inline enum bpfnav_demo_state classify(__u64 preempt, __u64 state)
{
	if (preempt)
		return BPFNAV_DEMO_PREEMPTED;
	if (state == 0)
		return BPFNAV_DEMO_YIELDED;
	if ((state & TASK_IDLE) == TASK_IDLE)
		return BPFNAV_DEMO_IDLE;
	if (state & TASK_INTERRUPTIBLE)
		return BPFNAV_DEMO_SLEEPING;
	if (state & TASK_UNINTERRUPTIBLE)
		return BPFNAV_DEMO_DISK_SLEEP;
	if (state & (__TASK_STOPPED | __TASK_TRACED))
		return BPFNAV_DEMO_STOPPED;
	if (state & (EXIT_DEAD | EXIT_ZOMBIE | TASK_DEAD))
		return BPFNAV_DEMO_EXITING;
	return BPFNAV_DEMO_OTHER;
}

/*
 * The state prev is leaving the CPU in. sched_switch passes it as a fourth
 * argument from 5.18 only, and the kernel refuses to attach a program that
 * reads past the tracepoint's arguments (EINVAL), so it comes from the task
 * itself, as the tracepoint did before 5.18: __state, "long state" before
 * 5.14.
 */
static __always_inline __u64 prev_state(struct task_struct *prev)
{
	if (bpf_core_field_exists(prev->__state))
		return BPF_CORE_READ(prev, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)prev, state);
}

/*
 * sched_switch(bool preempt, struct task_struct *prev,
 *              struct task_struct *next[, unsigned int prev_state])
 * Raw tracepoint arguments are the tracepoint's, one __u64 each; prev is
 * still current here.
 */
SEC("raw_tp/sched_switch")
int bpfnav_demo_sw(__u64 *ctx)
{
	struct task_struct *prev = (struct task_struct *)ctx[1];
	struct task_struct *next = (struct task_struct *)ctx[2];
	enum bpfnav_demo_state state = classify(ctx[0], prev_state(prev));
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 now = bpf_ktime_get_ns();
	__u32 cpu = bpf_get_smp_processor_id();
	struct bpfnav_demo_count *count, fresh = {};
	struct bpfnav_demo_cpu_stats *stats;
	struct bpfnav_demo_totals *totals;
	struct bpfnav_demo_event *event;
	struct bpfnav_demo_comm key = {};
	__u32 zero = 0, slot, next_tid;
	__u64 seq;

	totals = bpf_map_lookup_elem(&bpfnav_demo_tot, &zero);
	if (!totals)
		return 0;
	/*
	 * Not seq = __sync_fetch_and_add(): an add that returns the old value
	 * is an instruction kernels before 5.12 refuse. Two CPUs may read the
	 * same number here and share a log slot; the count stays exact.
	 */
	seq = totals->events;
	atomic_add(&totals->events, 1);
	if (seq == 0)
		totals->first_ns = now;
	next_tid = BPF_CORE_READ(next, pid);

	stats = bpf_map_lookup_elem(&bpfnav_demo_cpu, &zero);
	if (stats) {
		stats->switches++;
		if (state == BPFNAV_DEMO_PREEMPTED)
			stats->preemptions++;
		if (next_tid == 0)
			stats->idle++;
	}

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	count = bpf_map_lookup_elem(&bpfnav_demo_cnt, &key);
	if (!count) {
		bpf_map_update_elem(&bpfnav_demo_cnt, &key, &fresh, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&bpfnav_demo_cnt, &key);
	}
	if (count) {
		atomic_add(&count->events, 1);
		if (state == BPFNAV_DEMO_PREEMPTED)
			atomic_add(&count->preempted, 1);
		count->last_ns = now;
		count->last_pid = pid_tgid >> 32;
		count->last_tid = (__u32)pid_tgid;
		count->last_cpu = cpu;
		count->last_state = state;
	} else {
		atomic_add(&totals->dropped, 1);
	}

	slot = seq % DEMO_LOG_SLOTS;
	event = bpf_map_lookup_elem(&bpfnav_demo_log, &slot);
	if (event) {
		event->seq = seq;
		event->time_ns = now;
		event->cpu = cpu;
		event->prev_tid = (__u32)pid_tgid;
		event->next_tid = next_tid;
		event->prev_state = state;
		__builtin_memcpy(event->prev_comm, key.comm, sizeof(key.comm));
		/* A shorter name must not leave the slot's old tail after its NUL. */
		__builtin_memset(event->next_comm, 0, sizeof(event->next_comm));
		BPF_CORE_READ_STR_INTO(&event->next_comm, next, comm);
	}
	return 0;
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The load-time switches (struct bpfnav_knobs in bpfnav_records.h). bpfnav
 * sets them before load (Sources/Iterators/Catalog.swift); the defaults are
 * what the newest kernels take. Include after bpfnav_records.h.
 */
#ifndef BPFNAV_KNOBS_H
#define BPFNAV_KNOBS_H

const volatile struct bpfnav_knobs bpfnav_knobs SEC(".rodata.knobs") = {
	.vma_d_path = 1,
	.file_d_path = 1,
};

/*
 * The pid/tid filter of kernels before 6.1. task: that thread (filter_tid),
 * or every thread of the group (filter_tgid).
 */
static __always_inline int task_wanted(struct task_struct *task)
{
	if (bpfnav_knobs.filter_tid)
		return task->pid == bpfnav_knobs.filter_tid;
	if (bpfnav_knobs.filter_tgid)
		return task->tgid == bpfnav_knobs.filter_tgid;
	return 1;
}

/*
 * task_file, task_vma: these walks visit a fd table or address space shared
 * by a group once, under its leader, so a thread's is found through its
 * group (bpfnav sets filter_tgid for a tid too).
 */
static __always_inline int group_wanted(struct task_struct *task)
{
	return !bpfnav_knobs.filter_tgid ||
	       task->tgid == bpfnav_knobs.filter_tgid;
}

/*
 * A thread sharing its leader's fd table (task_file) or address space
 * (task_vma). The kernel's walks skip these themselves, except the
 * per-process walk of 6.1 (BPF_TASK_ITER_TGID), which visits every thread:
 * without this check a process's files or mappings would come once per
 * thread.
 */
static __always_inline int shares_files(struct task_struct *task)
{
	return task->pid != task->tgid &&
	       task->files == task->group_leader->files;
}

static __always_inline int shares_mm(struct task_struct *task)
{
	return task->pid != task->tgid &&
	       task->mm == task->group_leader->mm;
}

#endif /* BPFNAV_KNOBS_H */

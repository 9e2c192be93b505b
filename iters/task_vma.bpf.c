// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* iter/task_vma: one row/record per mapping, like /proc/PID/maps. */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bpfnav_records.h"
#include "iter_common.h"
#include "knobs.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";


#define VM_READ		0x01
#define VM_WRITE	0x02
#define VM_EXEC		0x04
#define VM_MAYSHARE	0x80
/* vm_pgoff is in pages; /proc/PID/maps shows bytes. x86 and most arches. */
#define PAGE_SHIFT	12

/* The record and its path (SCRATCH_MAP in iter_common.h). */
struct vma_scratch {
	__u64 takers;
	/*
	 * The path in path[] belongs to this file of the previous object of
	 * this session. Consecutive mappings of one file (a library's text,
	 * data and bss) are common; they reuse the path instead of calling
	 * bpf_d_path() again, which was most of this program's cost. The
	 * session, the object number and the file and inode pointers must all
	 * match: another reader on this CPU, a redone object after a full
	 * buffer, or a freed and reused struct file each miss the cache.
	 */
	__u64 last_session;
	__u64 last_seq;
	__u64 last_file;
	__u64 last_inode;
	__s32 last_err;
	__u32 last_len;
	struct bpfnav_vma_rec rec;
	PATH_SCRATCH;
};

SCRATCH_MAP(bpfnav_vscratch, struct vma_scratch);

/*
 * The names /proc/PID/maps gives file-less mappings, in its order (vdso is
 * decided before heap and stack there too). [vvar], [vsyscall], [anon:...]
 * and the like are not reproduced.
 */
static __always_inline __u8 vma_special(struct vm_area_struct *vma,
					__u64 start, __u64 end)
{
	struct mm_struct *mm = vma->vm_mm;

	if (!mm)
		return BPFNAV_VMA_NONE;
	if (bpf_core_field_exists(mm->context.vdso) &&
	    (__u64)mm->context.vdso == start)
		return BPFNAV_VMA_VDSO;
	if (start <= mm->brk &&
	    end >= mm->start_brk)
		return BPFNAV_VMA_HEAP;
	if (start <= mm->start_stack &&
	    end >= mm->start_stack)
		return BPFNAV_VMA_STACK;
	return BPFNAV_VMA_NONE;
}

#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#define FUSE_SUPER_MAGIC	0x65735546

/*
 * The dentry the user opened when the VMA's file is a backing file (a file
 * on overlayfs, or a FUSE passthrough file, mapped through the real one
 * below it, 6.8+): /proc/PID/maps shows that one's inode, device and path.
 * NULL for any other file.
 *
 * struct backing_file (fs/file_table.c) is { struct file file; struct path
 * user_path; }, but kernels before 6.6 have no such type and libbpf cannot
 * resolve one that is missing without CAP_SYS_ADMIN (it then searches the
 * modules' BTF): the user path is read right after struct file, whose size
 * CO-RE knows. A file counts as backing only when f_mode has the flag
 * (knobs.backing_mode, by version) and that path leads to an overlayfs or
 * FUSE dentry; anything else is read as an ordinary file.
 */
static __always_inline struct dentry *user_dentry(struct file *file)
{
	struct dentry *dentry = 0;
	struct super_block *sb;
	unsigned long magic = 0;
	unsigned int mode = 0;
	char *user_path;

	if (!bpfnav_knobs.backing_mode)
		return 0;
	bpf_probe_read_kernel(&mode, sizeof(mode), &file->f_mode);
	if (!(mode & bpfnav_knobs.backing_mode))
		return 0;
	user_path = (char *)file + bpf_core_type_size(struct file);
	if (bpf_probe_read_kernel(&dentry, sizeof(dentry),
				  user_path + bpf_core_field_offset(struct path, dentry)) || !dentry)
		return 0;
	sb = BPF_CORE_READ(dentry, d_sb);
	if (!sb || bpf_probe_read_kernel(&magic, sizeof(magic), &sb->s_magic))
		return 0;
	if (magic != OVERLAYFS_SUPER_MAGIC && magic != FUSE_SUPER_MAGIC)
		return 0;
	return dentry;
}

/*
 * Fills *r, and the path into path[] when there is a buffer (NULL when the
 * scratch slot is busy: a file mapping then says -EBUSY instead of a path).
 * Returns the record size including the padded path.
 */
static __always_inline __u32 collect_vma(struct bpf_iter_meta *meta,
					 struct task_struct *task,
					 struct vm_area_struct *vma,
					 struct bpfnav_vma_rec *r,
					 struct vma_scratch *s)
{
	char *path = s ? s->path : 0;
	/*
	 * A direct load, not a probe read: bpf_d_path() wants a BTF pointer.
	 * Some kernels (6.18.44) mark it untrusted and refuse bpf_d_path() on
	 * it; bpfnav then loads this with vma_d_path off.
	 */
	struct file *file = vma->vm_file;
	__u32 len = 0;
	long ret;

	REC_START(r, BPFNAV_REC_VMA);
	r->pid = task->tgid;
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	r->vm_flags = vma->vm_flags;

	if (!file) {
		r->special = vma_special(vma, r->start, r->end);
	} else {
		struct dentry *user = user_dentry(file);

		r->pgoff = (__u64)vma->vm_pgoff << PAGE_SHIFT;
		if (user) {
			r->inode = BPF_CORE_READ(user, d_inode, i_ino);
			r->dev = BPF_CORE_READ(user, d_inode, i_sb, s_dev);
		} else {
			r->inode = file->f_inode->i_ino;
			r->dev = file->f_inode->i_sb->s_dev;
		}
		if (!s) {
			r->path_err = -EBUSY;
		} else if (s->last_session == meta->session_id &&
			   s->last_seq + 1 == meta->seq_num &&
			   s->last_file == (__u64)file &&
			   s->last_inode == (__u64)file->f_inode) {
			len = s->last_len & (BPFNAV_PATH_MAX - 1);
			r->path_err = s->last_err;
		} else {
			if (bpfnav_knobs.vma_d_path && !user)
				ret = bpf_d_path(&file->f_path, path, BPFNAV_PATH_MAX);
			else if (user)
				/* The real file's path is not the one the user
				 * opened: the name, completed from map_files. */
				ret = bpf_probe_read_kernel_str(path, BPFNAV_PATH_MAX,
					BPF_CORE_READ(user, d_name.name));
			else
				/* Counts the NUL, as bpf_d_path() does. */
				ret = bpf_probe_read_kernel_str(path, BPFNAV_PATH_MAX,
					BPF_CORE_READ(file, f_path.dentry, d_name.name));
			len = path_fetched(ret, path, &r->path_err);
		}
		if (!bpfnav_knobs.vma_d_path || user)
			r->path_source = BPFNAV_PATH_NAME;
	}
	if (s) {
		s->last_session = meta->session_id;
		s->last_seq = meta->seq_num;
		s->last_file = (__u64)file;
		s->last_inode = file ? (__u64)file->f_inode : 0;
		s->last_err = r->path_err;
		s->last_len = len;
	}
	r->path_len = len;
	r->hdr.size = REC_SIZE_WITH_PATH(r, len);
	return r->hdr.size;
}

SEC("iter/task_vma")
int bpfnav_vma_txt(struct bpf_iter__task_vma *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct bpfnav_vma_rec busy_rec, *r = &busy_rec;
	struct vma_scratch *s;
	struct seq_file *seq;
	char perms[5];
	__u64 dev;

	seq = SEQ_WITH_HEADER(meta, "    PID START-END                         PERM   OFFSET DEV   INODE      PATH\n");
	if (!seq || !task || !vma || !group_wanted(task) || shares_mm(task))
		return 0;

	s = scratch_take(&bpfnav_vscratch);
	if (s) {
		r = &s->rec;
		collect_vma(meta, task, vma, r, s);
	} else {
		collect_vma(meta, task, vma, r, 0);
	}
	perms[0] = r->vm_flags & VM_READ ? 'r' : '-';
	perms[1] = r->vm_flags & VM_WRITE ? 'w' : '-';
	perms[2] = r->vm_flags & VM_EXEC ? 'x' : '-';
	perms[3] = r->vm_flags & VM_MAYSHARE ? 's' : 'p';
	perms[4] = 0;
	dev = r->dev;
	BPF_SEQ_PRINTF(seq, "%7u %016llx-%016llx %s %08llx %02x:%02x ", r->pid,
		       r->start, r->end, perms, r->pgoff, dev >> 20,
		       dev & 0xfffff);

	/* No trailing blanks on unnamed rows, as in /proc/PID/maps. */
	if (r->path_err) {
		BPF_SEQ_PRINTF(seq, "%-10llu ?(%d)\n", r->inode, r->path_err);
	} else if (r->path_len && s) {
		BPF_SEQ_PRINTF(seq, "%-10llu ", r->inode);
		SEQ_WRITE_PATH(seq, s, r);
		SEQ_PUTS(seq, "\n");
	} else if (r->special == BPFNAV_VMA_HEAP) {
		BPF_SEQ_PRINTF(seq, "%-10llu [heap]\n", r->inode);
	} else if (r->special == BPFNAV_VMA_STACK) {
		BPF_SEQ_PRINTF(seq, "%-10llu [stack]\n", r->inode);
	} else if (r->special == BPFNAV_VMA_VDSO) {
		BPF_SEQ_PRINTF(seq, "%-10llu [vdso]\n", r->inode);
	} else {
		BPF_SEQ_PRINTF(seq, "%llu\n", r->inode);
	}
	if (s)
		slot_give(&s->takers);
	return 0;
}

SEC("iter/task_vma")
int bpfnav_vma_rec(struct bpf_iter__task_vma *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;
	struct bpfnav_vma_rec busy_rec;
	struct vma_scratch *s;
	struct seq_file *seq;
	__u32 size;

	if (!meta || !task || !vma || !group_wanted(task) || shares_mm(task))
		return 0;
	seq = meta->seq;
	if (!seq)
		return 0;

	s = scratch_take(&bpfnav_vscratch);
	if (!s) {
		collect_vma(meta, task, vma, &busy_rec, 0);
		bpf_seq_write(seq, &busy_rec, sizeof(busy_rec));
		return 0;
	}
	size = collect_vma(meta, task, vma, &s->rec, s);
	bpf_seq_write(seq, &s->rec, size);
	slot_give(&s->takers);
	return 0;
}

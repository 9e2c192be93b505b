// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* iter/task_file: one row/record per open fd of each process. */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bpfnav_records.h"
#include "iter_common.h"
#include "knobs.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";


#define O_CLOEXEC		02000000
#define ANON_INODE_FS_MAGIC	0x09041934

/* The record and its path (SCRATCH_MAP in iter_common.h). */
struct file_scratch {
	__u64 takers;
	struct bpfnav_file_rec rec;
	PATH_SCRATCH;
};

SCRATCH_MAP(bpfnav_fscratch, struct file_scratch);

/* Compares a NUL-padded 16-byte name with a literal of at most 15 chars. */
static __always_inline int name_is(const char *name, const char *lit)
{
	for (int i = 0; i < 16; i++) {
		if (name[i] != lit[i])
			return 0;
		if (!lit[i])
			return 1;
	}
	return 0;
}

/*
 * BPF objects are anon-inode files whose dentry carries the name passed to
 * anon_inode_getfd()/anon_inode_getfile() (kernel/bpf/syscall.c, kernel/bpf/btf.c). The fs magic
 * check keeps a regular file called "bpf-map" from matching.
 */
static __always_inline void classify_bpf_obj(struct file *file,
					     struct bpfnav_file_rec *r)
{
	const unsigned char *dname;
	void *priv;
	char name[16] = {};

	if (file->f_inode->i_sb->s_magic != ANON_INODE_FS_MAGIC)
		return;
	priv = file->private_data;
	if (!priv)
		return;
	dname = file->f_path.dentry->d_name.name;
	if (bpf_probe_read_kernel_str(name, sizeof(name), dname) < 0)
		return;

	if (name_is(name, "bpf-map")) {
		r->obj_kind = BPFNAV_OBJ_MAP;
		r->obj_id = BPF_CORE_READ((struct bpf_map *)priv, id);
	} else if (name_is(name, "bpf-prog")) {
		r->obj_kind = BPFNAV_OBJ_PROG;
		r->obj_id = BPF_CORE_READ((struct bpf_prog *)priv, aux, id);
	} else if (name_is(name, "bpf_link") || name_is(name, "bpf-link")) {
		/* bpf_link_prime() names the file "bpf_link", while
		 * bpf_link_new_fd() (BPF_OBJ_GET, GET_FD_BY_ID) says "bpf-link". */
		r->obj_kind = BPFNAV_OBJ_LINK;
		r->obj_id = BPF_CORE_READ((struct bpf_link *)priv, id);
	} else if (name_is(name, "btf")) {
		r->obj_kind = BPFNAV_OBJ_BTF;
		r->obj_id = BPF_CORE_READ((struct btf *)priv, id);
	}
}

/*
 * Fills *r, and the path into path[] when there is a buffer (NULL when the
 * scratch slot is busy: the record then says -EBUSY instead of a path).
 * Returns the record size including the padded path. f_flags gets O_CLOEXEC
 * from the fd table as /proc/PID/fdinfo does.
 */
static __always_inline __u32 collect_file(struct task_struct *task, __u32 fd,
					  struct file *file,
					  struct bpfnav_file_rec *r,
					  char *path)
{
	unsigned long *cloexec;
	unsigned long word = 0;
	__u32 len = 0;
	long ret;

	REC_START(r, BPFNAV_REC_FILE);
	r->pid = task->tgid;
	r->fd = fd;
	r->f_flags = file->f_flags;
	cloexec = task->files->fdt->close_on_exec;
	if (cloexec &&
	    !bpf_probe_read_kernel(&word, sizeof(word), cloexec + fd / 64) &&
	    (word >> (fd % 64)) & 1)
		r->f_flags |= O_CLOEXEC;
	r->mode = file->f_inode->i_mode;
	r->dev = file->f_inode->i_sb->s_dev;
	r->pos = file->f_pos;
	r->inode = file->f_inode->i_ino;
	classify_bpf_obj(file, r);

	if (!path) {
		r->path_err = -EBUSY;
	} else {
		if (bpfnav_knobs.file_d_path) {
			ret = bpf_d_path(&file->f_path, path, BPFNAV_PATH_MAX);
		} else {
			/* Counts the NUL, as bpf_d_path() does. */
			ret = bpf_probe_read_kernel_str(path, BPFNAV_PATH_MAX,
				BPF_CORE_READ(file, f_path.dentry, d_name.name));
			r->path_source = BPFNAV_PATH_NAME;
		}
		len = path_fetched(ret, path, &r->path_err);
	}
	r->path_len = len;
	r->hdr.size = REC_SIZE_WITH_PATH(r, len);
	return r->hdr.size;
}

/* Octal like fdinfo's "0%o", with bpf_seq_printf() lacking %o. */
static __always_inline void fmt_octal(char out[12], __u32 v)
{
	int i, first = 10;

	for (i = 10; i >= 0; i--) {
		out[i] = '0' + (v & 7);
		if (v & 7)
			first = i;
		v >>= 3;
	}
	out[11] = 0;
	/* Keep one leading zero before the first non-zero digit. */
	for (i = 0; i < 10; i++)
		if (i < first - 1)
			out[i] = ' ';
}

SEC("iter/task_file")
int bpfnav_file_txt(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct bpfnav_file_rec busy_rec, *r = &busy_rec;
	struct file_scratch *s;
	struct seq_file *seq;
	char oct[12];
	int start;

	seq = SEQ_WITH_HEADER(ctx->meta, "    PID    FD    FLAGS        POS      INODE PATH\n");
	if (!seq || !task || !file || !group_wanted(task) || shares_files(task))
		return 0;

	s = scratch_take(&bpfnav_fscratch);
	if (s) {
		r = &s->rec;
		collect_file(task, ctx->fd, file, r, s->path);
	} else {
		collect_file(task, ctx->fd, file, r, 0);
	}
	fmt_octal(oct, r->f_flags);
	/* Right-align in 8 columns; longer values (O_PATH) just widen. */
	start = 3;
	if (oct[2] != ' ')
		start = 2;
	if (oct[1] != ' ')
		start = 1;
	if (oct[0] != ' ')
		start = 0;
	BPF_SEQ_PRINTF(seq, "%7u %5u %s %10lld %10llu ", r->pid, r->fd,
		       oct + start, r->pos, r->inode);
	if (s && !r->path_err)
		SEQ_WRITE_PATH(seq, s, r);
	else
		BPF_SEQ_PRINTF(seq, "?(%d)", r->path_err);
	SEQ_PUTS(seq, "\n");
	if (s)
		slot_give(&s->takers);
	return 0;
}

SEC("iter/task_file")
int bpfnav_file_rec(struct bpf_iter__task_file *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct bpfnav_file_rec busy_rec;
	struct file_scratch *s;
	struct seq_file *seq;
	__u32 size;

	if (!meta || !task || !file || !group_wanted(task) || shares_files(task))
		return 0;
	seq = meta->seq;
	if (!seq)
		return 0;

	s = scratch_take(&bpfnav_fscratch);
	if (!s) {
		collect_file(task, ctx->fd, file, &busy_rec, 0);
		bpf_seq_write(seq, &busy_rec, sizeof(busy_rec));
		return 0;
	}
	size = collect_file(task, ctx->fd, file, &s->rec, s->path);
	bpf_seq_write(seq, &s->rec, size);
	slot_give(&s->takers);
	return 0;
}

/*
 * Only the fds that are BPF objects, without paths: which processes hold
 * which program, map, link or BTF (bpftool's "pids"). No bpf_d_path() and no
 * record for ordinary files, so this pass costs a fraction of a full dump.
 */
SEC("iter/task_file")
int bpfnav_file_bpf(struct bpf_iter__task_file *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct bpfnav_file_rec r;
	struct seq_file *seq;

	if (!meta || !task || !file || !group_wanted(task) || shares_files(task))
		return 0;
	seq = meta->seq;
	if (!seq)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	classify_bpf_obj(file, &r);
	if (r.obj_kind == BPFNAV_OBJ_NONE)
		return 0;
	r.hdr.size = sizeof(r);
	r.hdr.kind = BPFNAV_REC_FILE;
	r.hdr.version = BPFNAV_REC_VERSION;
	r.pid = task->tgid;
	r.fd = ctx->fd;
	r.f_flags = file->f_flags;
	r.inode = file->f_inode->i_ino;
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}

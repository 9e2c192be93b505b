/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Binary record layouts written by the *records* iterator programs with
 * bpf_seq_write() and decoded by the Swift side (Sources/Iterators).
 *
 * This header is the only definition of these layouts: the iters/NAME.bpf.c
 * programs include it, and the Swift decoders import it through the
 * CIterRecords shim, so the two sides cannot drift. Every struct has explicit padding and its size is
 * checked with _Static_assert here and again in Swift.
 *
 * Every record starts with struct bpfnav_rec_hdr. hdr.size is the whole
 * record in bytes, a multiple of 8; records with a path carry path_len bytes
 * of path (no NUL) right after the fixed part, then zero to seven bytes of
 * padding. A reader checks hdr.kind and hdr.size before it trusts anything
 * else, so a short or corrupt stream is an error rather than a misread.
 */
#ifndef BPFNAV_RECORDS_H
#define BPFNAV_RECORDS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define BPFNAV_REC_VERSION 1
#define BPFNAV_COMM_LEN 16
#define BPFNAV_OBJ_NAME_LEN 16
/* Longest path a record carries; bpf_d_path() reports ENAMETOOLONG past it. */
#define BPFNAV_PATH_MAX 4096

enum bpfnav_rec_kind {
	BPFNAV_REC_TASK = 1,
	BPFNAV_REC_FILE = 2,
	BPFNAV_REC_VMA = 3,
	BPFNAV_REC_MAP = 4,
};

/* What kind of BPF object an open file is, when it is one (task_file). */
enum bpfnav_bpf_obj {
	BPFNAV_OBJ_NONE = 0,
	BPFNAV_OBJ_PROG = 1,
	BPFNAV_OBJ_MAP = 2,
	BPFNAV_OBJ_LINK = 3,
	BPFNAV_OBJ_BTF = 4,
};

/* Where a task_file or task_vma record's path came from. */
enum bpfnav_path_source {
	/* bpf_d_path(): the whole path (also: no file, or path_err set). */
	BPFNAV_PATH_D_PATH = 0,
	/* The file's dentry name only: the kernel refused bpf_d_path() (in
	 * iterators before 5.11; on a VMA's file on some 6.18 builds). The
	 * reader completes it (/proc/PID/fd, /proc/PID/map_files). */
	BPFNAV_PATH_NAME = 1,
};

/* Mappings /proc/PID/maps names although no file backs them (task_vma). */
enum bpfnav_vma_special {
	BPFNAV_VMA_NONE = 0,
	BPFNAV_VMA_HEAP = 1,
	BPFNAV_VMA_STACK = 2,
	BPFNAV_VMA_VDSO = 3,
};

struct bpfnav_rec_hdr {
	__u16 size;    /* whole record, bytes, multiple of 8 */
	__u8 kind;     /* enum bpfnav_rec_kind */
	__u8 version;  /* BPFNAV_REC_VERSION */
};

struct bpfnav_task_rec {
	struct bpfnav_rec_hdr hdr;
	__u32 pid;        /* tgid */
	__u32 tid;        /* task->pid */
	__u32 ppid;       /* real_parent->tgid */
	__u32 uid;        /* effective uid, as ps -o uid */
	__u32 ruid;       /* real uid */
	__u32 gid;        /* effective gid */
	__u32 state;      /* __state | exit_state, raw */
	__u32 flags;      /* PF_* */
	__u32 _pad0;
	__u64 start_time; /* start_boottime, ns since boot */
	char comm[BPFNAV_COMM_LEN];
};

struct bpfnav_file_rec {
	struct bpfnav_rec_hdr hdr;
	__u32 pid;        /* tgid of the fd table's owner */
	__u32 fd;
	__u32 f_flags;    /* file->f_flags (O_*), as fdinfo "flags:" */
	__u32 mode;       /* inode i_mode */
	__u32 dev;        /* i_sb->s_dev, kernel encoding (major << 20 | minor) */
	__u64 pos;        /* f_pos */
	__u64 inode;      /* i_ino */
	__s32 path_err;   /* 0, or -errno from bpf_d_path() */
	__u16 path_len;   /* bytes of path after this struct */
	__u8 obj_kind;    /* enum bpfnav_bpf_obj */
	__u8 path_source; /* enum bpfnav_path_source */
	__u32 obj_id;     /* id of the BPF object when obj_kind != NONE */
	__u32 _pad1;
	/* char path[path_len] follows */
};

struct bpfnav_vma_rec {
	struct bpfnav_rec_hdr hdr;
	__u32 pid;        /* tgid owning the address space */
	__u64 start;
	__u64 end;
	__u64 pgoff;      /* bytes (vm_pgoff << PAGE_SHIFT); 0 without a file */
	__u64 inode;      /* 0 without a file */
	__u64 vm_flags;   /* VM_* */
	__u32 dev;        /* kernel encoding; 0 without a file */
	__s32 path_err;   /* 0, or -errno from bpf_d_path() */
	__u16 path_len;   /* bytes of path after this struct; 0 without a file */
	__u8 special;     /* enum bpfnav_vma_special */
	__u8 path_source; /* enum bpfnav_path_source */
	__u8 _pad0[4];
	/* char path[path_len] follows */
};

struct bpfnav_map_rec {
	struct bpfnav_rec_hdr hdr;
	__u32 id;
	__u32 type;       /* enum bpf_map_type */
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u64 flags;      /* map_flags */
	char name[BPFNAV_OBJ_NAME_LEN];
};

/*
 * Switches set before load, one struct in each object's ".rodata.knobs"
 * section (iters/knobs.h). libbpf freezes the section's map, so the verifier
 * reads each knob as a constant and never looks at code a knob turns off:
 * that is how one source serves kernels that refuse some of it.
 */
struct bpfnav_knobs {
	/* Kernels without pid/tid iterator link parameters (before 6.1): the
	 * program skips tasks itself. 0 = no filter. For a tid, filter_tgid is
	 * its thread group (task_file and task_vma find it through that). */
	__u32 filter_tgid;
	__u32 filter_tid;
	/* bpf_d_path() on a VMA's file; off where the verifier refuses it
	 * (a pointer it does not trust): the record then carries the name. */
	__u8 vma_d_path;
	/* bpf_d_path() on an open file; off where iterators may not call it
	 * (before 5.11): the record then carries the name. */
	__u8 file_d_path;
	__u8 _pad[2];
	/* The bits FMODE_BACKING may be on this kernel (it moved from bit 25
	 * to 24), 0 before 6.8: a VMA's file with one set, whose user path is
	 * on overlayfs or FUSE, is a backing file, shown as /proc shows it. */
	__u32 backing_mode;
};

_Static_assert(sizeof(struct bpfnav_rec_hdr) == 4, "bpfnav_rec_hdr layout");
_Static_assert(sizeof(struct bpfnav_task_rec) == 64, "bpfnav_task_rec layout");
_Static_assert(sizeof(struct bpfnav_file_rec) == 56, "bpfnav_file_rec layout");
_Static_assert(sizeof(struct bpfnav_vma_rec) == 64, "bpfnav_vma_rec layout");
_Static_assert(sizeof(struct bpfnav_map_rec) == 48, "bpfnav_map_rec layout");
_Static_assert(sizeof(struct bpfnav_knobs) == 16, "bpfnav_knobs layout");

#endif /* BPFNAV_RECORDS_H */

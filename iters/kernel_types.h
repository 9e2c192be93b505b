/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hand-written CO-RE view of the kernel types the iterator programs read.
 *
 * Only the fields actually used are declared. preserve_access_index makes
 * every access a CO-RE relocation that libbpf resolves against the running
 * kernel's BTF by name, so field order and offsets here are irrelevant and
 * fields that moved into anonymous unions/structs upstream (vm_flags,
 * vm_start, f_path, d_name, brk...) are still found. Enum-typed fields must be
 * declared with an enum of the same name: libbpf will not match an int local
 * field against an enum kernel field.
 *
 * Include this before <bpf/bpf_helpers.h>, <bpf/bpf_core_read.h> and
 * "bpfnav_records.h"; it replaces vmlinux.h/linux/types.h for BPF builds.
 */
#ifndef BPFNAV_KERNEL_TYPES_H
#define BPFNAV_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef signed char __s8;
typedef unsigned short __u16;
typedef signed short __s16;
typedef unsigned int __u32;
typedef signed int __s32;
typedef unsigned long long __u64;
typedef signed long long __s64;
/* bpf_helper_defs.h prototypes use these. */
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

/* Only the enumerators the programs name; the kernel's list is longer. */
enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC = 0,
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
#endif

struct seq_file;

typedef struct {
	__u32 val;
} kuid_t;

typedef struct {
	__u32 val;
} kgid_t;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
};

struct fdtable {
	unsigned long *close_on_exec;
};

struct files_struct {
	struct fdtable *fdt;
};

/* x86 layout; other arches lack vdso here, hence bpf_core_field_exists(). */
typedef struct {
	void *vdso;
} mm_context_t;

struct mm_struct {
	unsigned long start_brk;
	unsigned long brk;
	unsigned long start_stack;
	mm_context_t context;
};

struct task_struct {
	unsigned int __state;
	unsigned int flags;
	int exit_state;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	/*
	 * Not const as in the kernel: BPF_CORE_READ() through a const pointer
	 * declares const temporaries, which clang 21 -Wall rejects.
	 */
	struct cred *cred;
	struct mm_struct *mm;
	struct files_struct *files;
	__u64 start_boottime;
	char comm[16];
};

/* Before 5.14 (commit 2f064a59a11f), __state was "long state". */
struct task_struct___pre514 {
	long state;
};

struct super_block {
	__u32 s_dev;
	unsigned long s_magic;
};

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	struct super_block *i_sb;
};

struct qstr {
	const unsigned char *name;
};

struct dentry {
	struct qstr d_name;
	struct inode *d_inode;
	struct super_block *d_sb;
};

struct path {
	struct dentry *dentry;
};

struct file {
	unsigned int f_mode;
	void *private_data;
	struct inode *f_inode;
	unsigned int f_flags;
	struct path f_path;
	long long f_pos;
};

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
	unsigned long vm_pgoff;
	struct file *vm_file;
};

struct bpf_map {
	enum bpf_map_type map_type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	__u32 id;
	char name[16];
};

struct bpf_prog_aux {
	__u32 id;
};

struct bpf_prog {
	struct bpf_prog_aux *aux;
};

struct bpf_link {
	__u32 id;
};

struct btf {
	__u32 id;
};

/* Iterator program contexts (the kernel wraps each member in a union). */
struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

struct bpf_iter__task_vma {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
};

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif /* BPFNAV_KERNEL_TYPES_H */

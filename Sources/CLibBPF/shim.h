#ifndef BPFNAV_CLIBBPF_SHIM_H
#define BPFNAV_CLIBBPF_SHIM_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/*
 * Helpers for what Swift cannot write directly. libbpf's option structs are
 * meant to be built with LIBBPF_OPTS(), which sets .sz and zeroes the rest;
 * Swift cannot expand that macro, so each use gets a small function here.
 * All of them return what libbpf returns: >= 0, or -errno.
 */

/* Attach an iterator program with its link parameters (BPF_LINK_CREATE with
 * BPF_TRACE_ITER). Only one of pid/tid/map_fd may be non-zero; all zero means
 * "every object of the target". */
static inline int bpfnav_iter_link_create(int prog_fd, __u32 pid, __u32 tid, __u32 map_fd)
{
	union bpf_iter_link_info info;
	memset(&info, 0, sizeof(info));
	__u32 info_len = 0;
	if (pid) {
		info.task.pid = pid;
		info_len = sizeof(info);
	} else if (tid) {
		info.task.tid = tid;
		info_len = sizeof(info);
	} else if (map_fd) {
		info.map.map_fd = map_fd;
		info_len = sizeof(info);
	}
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	if (info_len) {
		opts.iter_info = &info;
		opts.iter_info_len = info_len;
	}
	return bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, &opts);
}

/* Iterator link parameters, as BPF_OBJ_GET_INFO_BY_FD reports them. Swift
 * imports the nested anonymous unions of struct bpf_link_info awkwardly. */
struct bpfnav_iter_link_info {
	__u32 link_id;
	__u32 prog_id;
	__u32 link_type;
	__u32 map_id;
	__u32 pid;
	__u32 tid;
	char target[64];
};

static inline int bpfnav_iter_link_info_get(int link_fd, struct bpfnav_iter_link_info *out)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	memset(out, 0, sizeof(*out));
	info.iter.target_name = (__u64)(unsigned long)out->target;
	info.iter.target_name_len = sizeof(out->target);
	int err = bpf_obj_get_info_by_fd(link_fd, &info, &len);
	if (err)
		return err;
	out->link_id = info.id;
	out->prog_id = info.prog_id;
	out->link_type = info.type;
	if (info.type != BPF_LINK_TYPE_ITER) {
		out->target[0] = '\0';
		return 0;
	}
	out->map_id = info.iter.map.map_id;
	out->pid = info.iter.task.pid;
	out->tid = info.iter.task.tid;
	return 0;
}

/* statfs(2)'s f_type for path, or -errno. Swift's Glibc module does not
 * export statfs. */
static inline long long bpfnav_fs_magic(const char *path)
{
	struct statfs st;
	if (statfs(path, &st) != 0)
		return -errno;
	return (long long)st.f_type;
}

/* renameat2(2) relative to directory fds with its flags (RENAME_NOREPLACE,
 * RENAME_EXCHANGE), or -errno. glibc declares it only under _GNU_SOURCE,
 * which Swift's Glibc module does not set. */
static inline int bpfnav_renameat(int fromdir, const char *from, int todir, const char *to, unsigned int flags)
{
	if (syscall(SYS_renameat2, fromdir, from, todir, to, flags) != 0)
		return -errno;
	return 0;
}

/* The file system magic of the file behind fd, or -errno. */
static inline long long bpfnav_fd_fs_magic(int fd)
{
	struct statfs st;
	if (fstatfs(fd, &st) != 0)
		return -errno;
	return (long long)st.f_type;
}

/* One libbpf message, formatted whole: a malloc'd string the caller frees,
 * or NULL. libbpf hands the verifier's entire log to its print callback as
 * one "%s" (often far over 4 KiB); formatting into a fixed buffer cut it off
 * before the line that says why the program was refused. vsnprintf measures
 * on a va_copy first, because a va_list can only be walked once. */
static inline char *bpfnav_vformat(const char *format, va_list args)
{
	va_list measure;
	va_copy(measure, args);
	int n = vsnprintf(NULL, 0, format, measure);
	va_end(measure);
	if (n < 0)
		return NULL;
	char *text = malloc((size_t)n + 1);
	if (!text)
		return NULL;
	vsnprintf(text, (size_t)n + 1, format, args);
	return text;
}

/* Loads a socket filter of six instructions that exchanges a stack slot
 * atomically (BPF_ATOMIC | BPF_XCHG, which fetches the old value) and
 * returns its fd, or -errno. Kernels before 5.12 refuse it: "BPF_STX uses
 * reserved fields". The caller closes the fd at once; it is a probe. */
static inline int bpfnav_probe_atomic_fetch(void)
{
	const struct bpf_insn insns[] = {
		/* *(u64 *)(r10 - 8) = 0 */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 0 },
		{ .code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .src_reg = BPF_REG_1, .off = -8 },
		/* r1 = xchg((u64 *)(r10 - 8), 1) */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_10, .src_reg = BPF_REG_1,
		  .off = -8, .imm = BPF_XCHG },
		/* return 0 */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bpfnav_probe", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), NULL);
}

#endif

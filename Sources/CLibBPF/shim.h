#ifndef BPFNAV_CLIBBPF_SHIM_H
#define BPFNAV_CLIBBPF_SHIM_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

/*
 * The kernel's BPF ABI comes from a current kernel's uapi headers, which
 * Sources/CLibBPF/fetch-uapi extracts from the newest Debian suite's
 * linux-libc-dev (./dev run, ./dev test and ./dev setup call it). They are
 * included before libbpf's headers, which include Debian 12's 6.1
 * <linux/bpf.h>: the include guards are the same, so the first one wins and
 * every struct, enum and constant below is the newer kernel's.
 */
#if !__has_include("uapi/linux/bpf.h") || !__has_include("uapi/linux/bpf_common.h")
#error "bpfnav needs a current kernel's uapi BPF headers in Sources/CLibBPF/uapi/: run ./dev setup (or Sources/CLibBPF/fetch-uapi)"
#endif
#include "uapi/linux/bpf_common.h"
#include "uapi/linux/bpf.h"

/* An older header (Debian 12's is 6.1) lacks the link, map, program and
 * attach types and the bpf_link_info members bpfnav names: say so first. */
#define BPFNAV_UAPI_TOO_OLD "Sources/CLibBPF/uapi/linux/bpf.h is older than Linux 6.18: run Sources/CLibBPF/fetch-uapi --refresh"
#ifndef MAX_BPF_LINK_TYPE /* a macro in newer headers; in 6.1 an enum constant, and no __MAX_BPF_MAP_TYPE */
#error "Sources/CLibBPF/uapi/linux/bpf.h is older than Linux 6.18: run Sources/CLibBPF/fetch-uapi --refresh"
#endif
_Static_assert(MAX_BPF_LINK_TYPE >= 15, BPFNAV_UAPI_TOO_OLD);      /* up to BPF_LINK_TYPE_SOCKMAP */
_Static_assert(__MAX_BPF_MAP_TYPE >= 34, BPFNAV_UAPI_TOO_OLD);     /* up to BPF_MAP_TYPE_ARENA */
_Static_assert(__MAX_BPF_PROG_TYPE >= 33, BPFNAV_UAPI_TOO_OLD);    /* up to BPF_PROG_TYPE_NETFILTER */
_Static_assert(MAX_BPF_ATTACH_TYPE >= 58, BPFNAV_UAPI_TOO_OLD);    /* up to BPF_TRACE_UPROBE_SESSION */

/*
 * Where the bpf_link_info members end that a kernel may not return even for
 * a link type it has (they came later than the type): Swift reads one only if
 * the info_len the kernel returned covers it. Swift cannot take the offset
 * of a union member (MemoryLayout.offset(of:) is nil for them): offsetof can.
 */
#define BPFNAV_LINK_INFO_END(member) \
	(offsetof(struct bpf_link_info, member) + sizeof(((struct bpf_link_info *)0)->member))
enum bpfnav_link_info_end {
	BPFNAV_LINK_KPROBE_MULTI_MISSED_END = BPFNAV_LINK_INFO_END(kprobe_multi.missed),
	BPFNAV_LINK_KPROBE_MISSED_END = BPFNAV_LINK_INFO_END(perf_event.kprobe.missed),
	BPFNAV_LINK_KPROBE_COOKIE_END = BPFNAV_LINK_INFO_END(perf_event.kprobe.cookie),
	BPFNAV_LINK_UPROBE_COOKIE_END = BPFNAV_LINK_INFO_END(perf_event.uprobe.cookie),
	BPFNAV_LINK_UPROBE_REF_CTR_OFFSET_END = BPFNAV_LINK_INFO_END(perf_event.uprobe.ref_ctr_offset),
	BPFNAV_LINK_TRACEPOINT_COOKIE_END = BPFNAV_LINK_INFO_END(perf_event.tracepoint.cookie),
	BPFNAV_LINK_EVENT_COOKIE_END = BPFNAV_LINK_INFO_END(perf_event.event.cookie),
	/* Past a 5.10 kernel's 32-byte bpf_link_info: nil there. */
	BPFNAV_LINK_RAW_TRACEPOINT_COOKIE_END = BPFNAV_LINK_INFO_END(raw_tracepoint.cookie),
	BPFNAV_LINK_TRACING_COOKIE_END = BPFNAV_LINK_INFO_END(tracing.cookie),
};

/* The kernel's ABI does not move: a header whose layout differs is not one. */
_Static_assert(offsetof(struct bpf_link_info, raw_tracepoint.tp_name) == 16, "bpf_link_info layout");
_Static_assert(offsetof(struct bpf_link_info, iter.task.pid) == 36, "bpf_link_info layout");
_Static_assert(offsetof(struct bpf_link_info, uprobe_multi.pid) == 60, "bpf_link_info layout");
_Static_assert(BPFNAV_LINK_KPROBE_COOKIE_END == 64, "bpf_link_info layout");
_Static_assert(BPFNAV_LINK_RAW_TRACEPOINT_COOKIE_END == 40, "bpf_link_info layout");
_Static_assert(BPFNAV_LINK_TRACING_COOKIE_END == 40, "bpf_link_info layout");
_Static_assert(sizeof(struct bpf_link_info) >= BPFNAV_LINK_KPROBE_COOKIE_END, "bpf_link_info layout");
/* A perf_event link's name goes to one place whatever its kind (LinkInfo.swift). */
_Static_assert(offsetof(struct bpf_link_info, perf_event.uprobe.file_name) ==
	       offsetof(struct bpf_link_info, perf_event.kprobe.func_name), "perf_event name pointers differ");
_Static_assert(offsetof(struct bpf_link_info, perf_event.tracepoint.tp_name) ==
	       offsetof(struct bpf_link_info, perf_event.kprobe.func_name), "perf_event name pointers differ");
_Static_assert(offsetof(struct bpf_link_info, perf_event.uprobe.name_len) ==
	       offsetof(struct bpf_link_info, perf_event.kprobe.name_len), "perf_event name lengths differ");
_Static_assert(offsetof(struct bpf_link_info, perf_event.tracepoint.name_len) ==
	       offsetof(struct bpf_link_info, perf_event.kprobe.name_len), "perf_event name lengths differ");

#include <linux/magic.h>
#include <linux/perf_event.h>
#include <linux/btf.h>
/* linux/netfilter.h (for the NFPROTO_ and NF_INET_ names) wants in_addr and
 * in6_addr: glibc's, which Swift's Glibc module already has, not linux/in.h's
 * and linux/in6.h's, which would define them a second way. */
#include <netinet/in.h>
#define _LINUX_IN_H
#define _LINUX_IN6_H
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
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

/* BPF_PROG_QUERY, whole: what runs at one attach point (a cgroup fd, a netns
 * fd, or an ifindex for tcx and netkit), with each program's flags and link
 * where the kernel gives them (6.6+: link_ids and the revision). Returns >= 0
 * or -errno. `with_links` = 0 asks only what every kernel since 4.15 knows:
 * older kernels refuse a non-zero field past those they have (EINVAL/E2BIG),
 * so the caller retries that way. On return *count is how many there are,
 * even when more than the arrays hold (ENOSPC then). */
#define BPFNAV_ATTR_END(member) (offsetof(union bpf_attr, member) + sizeof(((union bpf_attr *)0)->member))
static inline int bpfnav_prog_query(int target, enum bpf_attach_type type, __u32 query_flags, int with_links,
				    __u32 *attach_flags, __u32 *prog_ids, __u32 *prog_attach_flags,
				    __u32 *link_ids, __u32 *link_attach_flags, __u32 *count, __u64 *revision)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (__u32)target;
	attr.query.attach_type = type;
	attr.query.query_flags = query_flags;
	attr.query.prog_ids = (__u64)(unsigned long)prog_ids;
	attr.query.prog_cnt = *count;
	size_t size = BPFNAV_ATTR_END(query.prog_cnt);
	if (with_links) {
		attr.query.prog_attach_flags = (__u64)(unsigned long)prog_attach_flags;
		attr.query.link_ids = (__u64)(unsigned long)link_ids;
		attr.query.link_attach_flags = (__u64)(unsigned long)link_attach_flags;
		size = BPFNAV_ATTR_END(query.revision);
	}
	long ret = syscall(SYS_bpf, BPF_PROG_QUERY, &attr, size);
	int saved = errno;
	*count = attr.query.prog_cnt;
	*attach_flags = attr.query.attach_flags;
	*revision = with_links ? attr.query.revision : 0;
	return ret < 0 ? -saved : 0;
}

#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What keeps one source loadable from Linux 5.10 on: instructions and
 * bounds every supported verifier accepts. Include after kernel_types.h.
 */
#ifndef BPFNAV_COMPAT_H
#define BPFNAV_COMPAT_H

#include "bpfnav_records.h"

/*
 * *p += v, atomically, without fetching the old value. clang's
 * __sync_fetch_and_add() becomes an atomic_fetch_add at -mcpu=v3 even when
 * the result is unused, and kernels before 5.12 refuse every atomic but the
 * plain add ("BPF_STX uses reserved fields", checked on all instructions,
 * reachable or not). This is that plain add (BPF_XADD), which all take.
 */
static __always_inline void atomic_add(__u64 *p, __u64 v)
{
	asm volatile("lock *(u64 *)(%0 + 0) += %1" : : "r"(p), "r"(v) : "memory");
}

/*
 * Takes a per-CPU scratch slot. An iterator program runs with migration,
 * not preemption, disabled: a second reader on the same CPU could reuse the
 * slot while the first is preempted, so whoever finds it taken gives up
 * instead of clobbering. Without an exchange (5.12+), the slot counts its
 * takers with atomic adds: a taker that does not see itself alone backs
 * out. Two that race may both back out (a row says EBUSY); two never both
 * keep it. Only slot_give() may release: a plain store of 0 would lose a
 * concurrent taker's count.
 */
static __always_inline int slot_take(__u64 *takers)
{
	atomic_add(takers, 1);
	if (*(volatile __u64 *)takers == 1)
		return 1;
	atomic_add(takers, -1);
	return 0;
}

static __always_inline void slot_give(__u64 *takers)
{
	atomic_add(takers, -1);
}

/*
 * A path length masked into [0, BPFNAV_PATH_MAX), for the verifier. After a
 * range check the compiler knows the mask changes nothing and drops it, but
 * verifiers before 6.13 do not bound bpf_d_path()'s return: 6.1 and 6.12
 * then refuse the write after the path ("R6 unbounded memory access").
 */
static __always_inline __u32 path_len_bound(__u64 len)
{
	asm volatile("%0 &= %1" : "+r"(len) : "i"(BPFNAV_PATH_MAX - 1));
	return len;
}

#endif /* BPFNAV_COMPAT_H */

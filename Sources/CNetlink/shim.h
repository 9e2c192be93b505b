#ifndef BPFNAV_CNETLINK_SHIM_H
#define BPFNAV_CNETLINK_SHIM_H

/*
 * rtnetlink through libnl (libnl-3 for sockets, messages and attributes,
 * libnl-route-3 for its route message types), linked statically in release
 * builds like libbpf. The message and attribute layouts are the kernel's
 * uapi: <linux/rtnetlink.h>, <linux/if_link.h> (IFLA_XDP), <linux/pkt_sched.h>
 * and <linux/pkt_cls.h> (tc), <linux/tc_act/tc_bpf.h> (act_bpf).
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#define _LINUX_IN_H
#define _LINUX_IN6_H
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/socket.h>
#include <netlink/route/rtnl.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_bpf.h>
#include <sched.h>

/* setns(2) is a GNU extension in <sched.h>: declared here so that Swift
 * sees it without _GNU_SOURCE. */
extern int setns(int fd, int nstype);
#ifndef CLONE_NEWNET
#define CLONE_NEWNET 0x40000000
#endif

/* The attribute tables' sizes: the headers define them as expressions
 * (__IFLA_MAX - 1), which Swift does not import. */
enum {
    BPFNAV_IFLA_MAX = IFLA_MAX,
    BPFNAV_IFLA_INFO_MAX = IFLA_INFO_MAX,
    BPFNAV_IFLA_XDP_MAX = IFLA_XDP_MAX,
    BPFNAV_TCA_MAX = TCA_MAX,
    BPFNAV_TCA_ROOT_MAX = TCA_ROOT_MAX,
    BPFNAV_TCA_ACT_MAX = TCA_ACT_MAX,
    BPFNAV_TCA_ACT_MAX_PRIO = TCA_ACT_MAX_PRIO,
    BPFNAV_TCA_ACT_BPF_MAX = TCA_ACT_BPF_MAX,
    BPFNAV_TCA_BPF_MAX = TCA_BPF_MAX,
    BPFNAV_TCA_MATCHALL_MAX = TCA_MATCHALL_MAX,
    BPFNAV_TCA_FLOWER_MAX = TCA_FLOWER_MAX,
    BPFNAV_TCA_U32_MAX = TCA_U32_MAX,
    BPFNAV_TCA_BASIC_MAX = TCA_BASIC_MAX,
    BPFNAV_TC_H_CLSACT = TC_H_CLSACT,
    BPFNAV_TC_H_MIN_INGRESS = TC_H_MIN_INGRESS,
    BPFNAV_TC_H_MIN_EGRESS = TC_H_MIN_EGRESS,
};

/*
 * bpfnav demo's network (Sources/Netlink/DemoNetwork.swift): a named network
 * namespace made as `ip netns add` makes one, a veth pair in it through
 * libnl-route, and a clsact qdisc with a bpf filter. glibc declares
 * unshare(), setns() and gettid() only with _GNU_SOURCE, which the headers
 * above were included without: the system calls themselves, with the uapi's
 * CLONE_NEWNET.
 */
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/sched.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

static inline int bpfnav_unshare_net(void) { return (int)syscall(SYS_unshare, CLONE_NEWNET); }
static inline int bpfnav_setns_net(int fd) { return (int)syscall(SYS_setns, fd, CLONE_NEWNET); }
static inline int bpfnav_gettid(void) { return (int)syscall(SYS_gettid); }

static inline int bpfnav_nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *err, void *arg)
{
	(void)who;
	*(int *)arg = err->error < 0 ? -err->error : err->error;
	return NL_STOP;
}

static inline int bpfnav_nl_on_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_STOP;
}

/*
 * Sends `msg` (libnl adds NLM_F_ACK) and waits for the kernel's answer:
 * 0 when it acknowledged, the kernel's errno (positive) when it refused, a
 * libnl error (negative, -NLE_*; nl_geterror names it) when libnl failed.
 * libnl's own nl_wait_for_ack() turns the kernel's errno into an NLE_ code,
 * which loses it.
 */
static inline int bpfnav_nl_request(struct nl_sock *sk, struct nl_msg *msg)
{
	int kernel = 0, err;
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return -NLE_NOMEM;
	nl_cb_err(cb, NL_CB_CUSTOM, bpfnav_nl_on_error, &kernel);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, bpfnav_nl_on_ack, NULL);
	err = nl_send_auto(sk, msg);
	if (err >= 0)
		err = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	if (kernel)
		return kernel;
	return err < 0 ? err : 0;
}

#endif

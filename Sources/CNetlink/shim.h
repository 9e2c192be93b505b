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

#endif

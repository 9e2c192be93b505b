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

#endif

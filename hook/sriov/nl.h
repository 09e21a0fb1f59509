/* nl.h - the SR-IOV backend's netlink plumbing (libnl-3): sockets that
 * keep the kernel's own error, request/reply exchanges, and cleanup
 * helpers for libnl's objects.  Used by the VF settings (vf_config.c) and
 * the namespace moves (netns.c), the only libnl users.
 *
 * libnl turns the kernel's errno into its own -NLE_* codes and drops the
 * extended-ack text: EEXIST and ENODEV would arrive as "Object exists" /
 * "Object not found".  A socket from vp_nl_open() keeps both, for the last
 * failed request, in a struct vp_nl_status.
 */
#ifndef VP_NL_H
#define VP_NL_H

#include "err.h"

struct nl_addr;
struct nl_msg;
struct nl_sock;
struct rtnl_link;

struct vp_nl_status {
	int kerrno;	/* errno of the last NLMSG_ERROR, 0 if none */
	char kmsg[160]; /* its NLMSGERR_ATTR_MSG, "" if none */
};

/* A NETLINK_ROUTE socket in the network namespace current at the call,
 * reporting into *st (which must outlive it). */
int vp_nl_open(struct nl_sock **out, struct vp_nl_status *st,
	       struct vp_err *err);
/* Reset *st before a request. */
void vp_nl_status_clear(struct vp_nl_status *st);
/* Fill err from a failed libnl call: "<fmt>: strerror(kerrno) (kmsg)" when
 * the kernel refused (errnum = kerrno), "<fmt>: nl_geterror(nlrc)" when
 * libnl itself failed (errnum 0).  Returns -1. */
int vp_nl_fail(struct vp_err *err, int nlrc, const struct vp_nl_status *st,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Send `msg` and wait for the kernel's ack.  Returns 0 or libnl's -NLE_*
 * (then vp_nl_fail). */
int vp_nl_exchange(struct nl_sock *sk, struct vp_nl_status *st,
		   struct nl_msg *msg);
/* Send a request that has replies: each goes to `valid`, then the ack is
 * taken too (or the next request on the socket would read it as its
 * answer).  Returns the number of replies, or libnl's -NLE_*. */
int vp_nl_query(struct nl_sock *sk, struct vp_nl_status *st, struct nl_msg *msg,
		int (*valid)(struct nl_msg *, void *), void *arg);

/* __attribute__((cleanup)) for libnl's objects (NULL is fine). */
void vp_nl_sock_freep(struct nl_sock **sk);
void vp_nl_msg_freep(struct nl_msg **msg);
void vp_nl_addr_putp(struct nl_addr **a);
void vp_rtnl_link_putp(struct rtnl_link **l);
#define _cleanup_nl_sock_ __attribute__((cleanup(vp_nl_sock_freep)))
#define _cleanup_nl_msg_ __attribute__((cleanup(vp_nl_msg_freep)))
#define _cleanup_nl_addr_ __attribute__((cleanup(vp_nl_addr_putp)))
#define _cleanup_rtnl_link_ __attribute__((cleanup(vp_rtnl_link_putp)))

#endif

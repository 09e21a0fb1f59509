/* nl.c - netlink sockets with the kernel's errno and extended ack, request
 * exchanges and libnl cleanup helpers (see nl.h). */
#include "nl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "cleanup.h"
#include "validate.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

void vp_nl_sock_freep(struct nl_sock **sk)
{
	if (*sk != NULL)
		nl_socket_free(*sk);
}

void vp_nl_msg_freep(struct nl_msg **msg)
{
	if (*msg != NULL)
		nlmsg_free(*msg);
}

void vp_nl_addr_putp(struct nl_addr **a)
{
	if (*a != NULL)
		nl_addr_put(*a);
}

void vp_rtnl_link_putp(struct rtnl_link **l)
{
	if (*l != NULL)
		rtnl_link_put(*l);
}

void vp_nl_status_clear(struct vp_nl_status *st)
{
	st->kerrno = 0;
	st->kmsg[0] = '\0';
}

/* libnl hands us the nlmsgerr inside the NLMSG_ERROR message; the extended
 * ack attributes follow the (possibly capped) echo of our request. */
static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct vp_nl_status *st = arg;
	const struct nlmsghdr *h =
	    (const struct nlmsghdr *)(const void *)((const char *)e -
						    NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off, echo = 0;

	(void)nla;
	st->kerrno = -e->error;
	st->kmsg[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
		echo = e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e) + echo);
	if (off >= h->nlmsg_len)
		return NL_STOP;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)(void *)((char *)(uintptr_t)h + off),
		      (int)(h->nlmsg_len - off), NULL) == 0 &&
	    tb[NLMSGERR_ATTR_MSG] != NULL) {
		char raw[sizeof(st->kmsg)];
		nla_strlcpy(raw, tb[NLMSGERR_ATTR_MSG], sizeof(raw));
		vp_printable(raw, st->kmsg, sizeof(st->kmsg));
	}
	return NL_STOP;
}

int vp_nl_open(struct nl_sock **out, struct vp_nl_status *st,
	       struct vp_err *err)
{
	_cleanup_nl_sock_ struct nl_sock *sk = nl_socket_alloc();
	int one = 1, rc;

	if (sk == NULL)
		return vp_err_set(err, ENOMEM, "netlink socket");
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0)
		return vp_err_set(err, 0, "netlink socket: %s",
				  nl_geterror(rc));
	/* Best effort: kernels without extended acks still give the errno. */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK,
			 &one, sizeof(one));
	/* A PF with many VFs answers with more than one page. */
	nl_socket_enable_msg_peek(sk);
	vp_nl_status_clear(st);
	rc = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, err_cb, st);
	if (rc < 0)
		return vp_err_set(err, 0, "netlink socket: %s",
				  nl_geterror(rc));
	*out = vp_steal_ptr(&sk);
	return 0;
}

int vp_nl_fail(struct vp_err *err, int nlrc, const struct vp_nl_status *st,
	       const char *fmt, ...)
{
	char what[VP_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (st == NULL || st->kerrno == 0)
		return vp_err_set(err, nlrc == -NLE_NOMEM ? ENOMEM : 0,
				  "%s: %s", what, nl_geterror(nlrc));
	vp_err_set(err, st->kerrno, "%s", what);
	if (st->kmsg[0] != '\0' && err != NULL) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", st->kmsg);
	}
	return -1;
}

int vp_nl_exchange(struct nl_sock *sk, struct vp_nl_status *st,
		   struct nl_msg *msg)
{
	int rc;

	vp_nl_status_clear(st);
	rc = nl_send_auto(sk, msg);
	if (rc >= 0)
		rc = nl_wait_for_ack(sk);
	return rc < 0 ? rc : 0;
}

struct query {
	int (*valid)(struct nl_msg *, void *);
	void *arg;
	int n;
};

static int query_cb(struct nl_msg *msg, void *arg)
{
	struct query *q = arg;

	q->n++;
	return q->valid(msg, q->arg);
}

int vp_nl_query(struct nl_sock *sk, struct vp_nl_status *st, struct nl_msg *msg,
		int (*valid)(struct nl_msg *, void *), void *arg)
{
	struct query q = {.valid = valid, .arg = arg, .n = 0};
	int rc;

	vp_nl_status_clear(st);
	rc = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, query_cb, &q);
	if (rc == 0)
		rc = nl_send_auto(sk, msg);
	if (rc >= 0)
		rc = nl_recvmsgs_default(sk);
	/* nl_send_auto asked for an ack; it follows the replies */
	if (rc >= 0 && q.n > 0)
		rc = nl_wait_for_ack(sk);
	/* q dies here: replies to a later request are not ours */
	(void)nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, NULL, NULL);
	return rc < 0 ? rc : q.n;
}

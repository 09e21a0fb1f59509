/* netns.c - moving a netdev into a container's network namespace and back
 * through a private temporary namespace (see netns.h).
 *
 * Every step runs in the namespace that holds the link, with a netlink
 * socket opened after entering it (a socket stays bound to the namespace it
 * was created in).  The process always returns to the namespace it started
 * in: the host fd saved first is setns()'d back by a cleanup handler, even
 * on error paths.  The temporary namespace lives only as long as its fd; a
 * link must never be left in it (a veth would die with it), so every
 * failure after the link entered it moves the link home first.
 */
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "cleanup.h"
#include "nl.h"
#include "validate.h"

/* kernel headers older than 5.16 */
#ifndef IFLA_PARENT_DEV_NAME
#define IFLA_PARENT_DEV_NAME 56
#endif

/* IFF_UP without <net/if.h>, which clashes with libnl's <linux/if.h> */
#ifndef IFF_UP
#define IFF_UP 0x1
#endif

/* One move in progress: the namespaces involved and a socket in the one
 * the process is currently in. */
struct mv {
	int host_fd; /* where the process started; returned to */
	int cont_fd; /* the container's netns, -1 if gone */
	int tmp_fd;  /* the temporary netns, -1 until made */
	int pid;
	char cont[48];	 /* "the container (pid 1234)" */
	char parent[64]; /* the device of the link link_find found last */
	struct nl_sock *sk;
	struct vp_nl_status st;
};

static void mv_release(struct mv *m)
{
	if (m->sk != NULL)
		nl_socket_free(m->sk); /* a socket pins its namespace */
	if (m->host_fd >= 0) {
		/* Going on in another namespace would configure its links as
		 * the host's; setns to an fd we hold can only fail if the
		 * kernel is out of memory. */
		if (setns(m->host_fd, CLONE_NEWNET) < 0)
			abort();
		close(m->host_fd);
	}
	/* the last reference: the temporary namespace is destroyed */
	vp_closep(&m->tmp_fd);
	vp_closep(&m->cont_fd);
}

#define _cleanup_mv_ __attribute__((cleanup(mv_release)))

/* vp_err_set without the strerror suffix, for messages that already say
 * what happened, keeping errnum for the caller to test. */
static int fail_as(struct vp_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_as(struct vp_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->errnum = errnum;
	return -1;
}

static int mv_init(struct mv *m, const struct vp_netns_target *t,
		   struct vp_err *err)
{
	memset(m, 0, sizeof(*m));
	m->host_fd = m->cont_fd = m->tmp_fd = -1;
	m->pid = t->pid;
	snprintf(m->cont, sizeof(m->cont), "the container (pid %d)", t->pid);
	m->host_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (m->host_fd < 0)
		return vp_err_set(err, errno, "open `/proc/self/ns/net`");
	return 0;
}

static int mv_enter(struct mv *m, int fd, const char *where, struct vp_err *err)
{
	if (m->sk != NULL) {
		nl_socket_free(m->sk);
		m->sk = NULL;
	}
	if (setns(fd, CLONE_NEWNET) < 0)
		return vp_err_set(err, errno, "enter %s", where);
	if (vp_nl_open(&m->sk, &m->st, err) < 0)
		return vp_err_wrap(err, "in %s", where);
	return 0;
}

static int same_file(int a, int b, bool *same, struct vp_err *err)
{
	struct stat sa, sb;

	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
		return vp_err_set(err, errno, "fstat a network namespace");
	*same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return 0;
}

/* st_dev of nsfs, where every namespace file lives: /proc/<pid>/ns/net
 * and a namespace bind-mounted to /run/netns/<name> alike. */
static int nsfs_dev(dev_t *dev, struct vp_err *err)
{
	static dev_t cached;
	static bool known;
	struct stat st;

	if (!known) {
		if (stat("/proc/self/ns/net", &st) < 0)
			return vp_err_set(err, errno,
					  "stat `/proc/self/ns/net`");
		cached = st.st_dev;
		known = true;
	}
	*dev = cached;
	return 0;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISLNK(mode))
		return "a symbolic link";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a regular file";
}

/* fd is a namespace file (nsfs): its stat in *st.  `shown` names it. */
static int ns_fstat(int fd, const char *shown, struct stat *st,
		    struct vp_err *err)
{
	dev_t dev = 0;

	if (nsfs_dev(&dev, err) < 0)
		return -1;
	if (fstat(fd, st) < 0)
		return vp_err_set(err, errno, "fstat `%s`", shown);
	if (st->st_dev != dev || !S_ISREG(st->st_mode))
		return fail_as(err, EINVAL, "`%s` is %s, not a namespace",
			       shown, file_kind(st->st_mode));
	return 0;
}

int vp_netns_open(const char *path, bool follow, int *fd,
		  unsigned long long *ino, struct vp_err *err)
{
	_cleanup_close_ int pfd = -1;
	_cleanup_close_ int nfd = -1;
	char shown[VP_PRINTABLE_MAX], self[64];
	struct stat st, st2;

	*fd = -1;
	vp_printable(path, shown, sizeof(shown));
	/* O_PATH opens nothing: a FIFO can not block us, a device's open
	 * never runs.  Only a namespace is then opened for real, through
	 * that fd, so the file checked is the file opened. */
	pfd = open(path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (pfd < 0)
		return vp_err_set(err, errno, "open `%s`", shown);
	if (ns_fstat(pfd, shown, &st, err) < 0)
		return -1;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	nfd = open(self, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (nfd < 0)
		return vp_err_set(err, errno, "open `%s`", shown);
	if (ns_fstat(nfd, shown, &st2, err) < 0)
		return -1;
	if (st2.st_ino != st.st_ino)
		return fail_as(err, EINVAL, "`%s` changed while opened", shown);
	*ino = (unsigned long long)st.st_ino;
	*fd = vp_steal_fd(&nfd);
	return 0;
}

int vp_netns_open_pid(const char *proc_root, int pid, int *fd,
		      unsigned long long *ino, struct vp_err *err)
{
	char path[4096];

	*fd = -1;
	if (pid <= 0)
		return fail_as(err, EINVAL, "pid %d invalid", pid);
	snprintf(path, sizeof(path), "%s/%d/ns/net",
		 proc_root != NULL ? proc_root : "/proc", pid);
	return vp_netns_open(path, true, fd, ino, err);
}

/* An open namespace file whose inode is `ino`, else -1. */
static int open_if_ns(const char *path, bool follow, unsigned long long ino)
{
	unsigned long long got;
	struct vp_err ignored;
	int fd;

	if (vp_netns_open(path, follow, &fd, &got, &ignored) < 0)
		return -1;
	if (got == ino)
		return fd;
	close(fd);
	return -1;
}

/* A file pinning the namespace with inode `ino`: t->path, else any file
 * under /run/netns (ip netns, podman, CNI), else any process still in it.
 * -1 when none.  Each goes through vp_netns_open: a FIFO or a device put
 * there by a container is skipped, never waited on or opened. */
static int open_pinned(const struct vp_netns_target *t)
{
	const char *root = t->proc_root != NULL ? t->proc_root : "/proc";
	char path[4096];
	DIR *d;
	struct dirent *de;
	int fd = -1;

	if (t->ino == 0)
		return -1;
	if (t->path != NULL && vp_valid_abs_path(t->path)) {
		fd = open_if_ns(t->path, false, t->ino);
		if (fd >= 0)
			return fd;
	}
	d = opendir("/run/netns");
	while (d != NULL && fd < 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		fd = open_if_ns(path, false, t->ino);
	}
	if (d != NULL)
		closedir(d);
	if (fd >= 0)
		return fd;
	/* last: any process still in it (a sidecar, an nsenter) */
	d = opendir(root);
	while (d != NULL && fd < 0 && (de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/net", root, de->d_name);
		/* stat() opens nothing; it spares opening every process's */
		if (stat(path, &st) < 0 ||
		    (unsigned long long)st.st_ino != t->ino)
			continue;
		fd = open_if_ns(path, true, t->ino);
	}
	if (d != NULL)
		closedir(d);
	return fd;
}

static int check_target(const struct vp_netns_target *t, struct vp_err *err)
{
	if (t->pid <= 0)
		return fail_as(err, EINVAL, "pid %d invalid", t->pid);
	if (t->proc_root != NULL && !vp_valid_abs_path(t->proc_root))
		return fail_as(err, EINVAL, "proc root invalid");
	return 0;
}

/* The container's namespace: t->fd when given (prestart opened it once,
 * so the link goes to that very namespace), else <proc_root>/<pid>/ns/net
 * (target already checked).  A namespace whose inode is not t->ino (when
 * set) is not the container's any more: errnum ESRCH.  A pid in our own
 * namespace would make every later step act on the host: refused with
 * errnum EINVAL. */
static int open_container(struct mv *m, const struct vp_netns_target *t,
			  struct vp_err *err)
{
	unsigned long long ino;
	bool same = false;
	struct stat st;

	if (t->fd >= 0) {
		m->cont_fd = fcntl(t->fd, F_DUPFD_CLOEXEC, 3);
		if (m->cont_fd < 0)
			return vp_err_set(err, errno,
					  "the container's namespace fd");
		if (ns_fstat(m->cont_fd, "the container's namespace fd", &st,
			     err) < 0)
			return -1;
		ino = (unsigned long long)st.st_ino;
	} else if (vp_netns_open_pid(t->proc_root, t->pid, &m->cont_fd, &ino,
				     err) < 0) {
		return -1;
	}
	if (same_file(m->cont_fd, m->host_fd, &same, err) < 0)
		return -1;
	if (same)
		return fail_as(err, EINVAL,
			       "pid %d is in the host's network namespace",
			       t->pid);
	if (t->ino != 0 && ino != t->ino)
		return fail_as(err, ESRCH,
			       "pid %d is no longer in the container's "
			       "namespace",
			       t->pid);
	return 0;
}

/* A fresh namespace holding only lo; the process comes back to the host. */
static int make_tmp(struct mv *m, struct vp_err *err)
{
	if (unshare(CLONE_NEWNET) < 0)
		return vp_err_set(err, errno, "create a temporary namespace");
	m->tmp_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int saved = errno;
	if (setns(m->host_fd, CLONE_NEWNET) < 0)
		abort(); /* see mv_release */
	if (m->tmp_fd < 0)
		return vp_err_set(err, saved, "open the temporary namespace");
	return 0;
}

/* ---- links in the current namespace ------------------------------------ */

static void link_fill(struct rtnl_link *l, struct vp_link *out)
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	const char *name = rtnl_link_get_name(l);

	memset(out, 0, sizeof(*out));
	snprintf(out->ifname, sizeof(out->ifname), "%s",
		 name != NULL ? name : "");
	out->ifindex = rtnl_link_get_ifindex(l);
	if (a != NULL && nl_addr_get_len(a) == 6)
		memcpy(out->mac, nl_addr_get_binary_addr(a), 6);
	out->mtu = rtnl_link_get_mtu(l);
	out->up = (rtnl_link_get_flags(l) & IFF_UP) != 0;
}

/* What one RTM_GETLINK answered: the link, and the name of the device it
 * sits on (a PCI address for a VF; empty for a virtual device, or a kernel
 * older than 5.16 that does not say). */
struct got_link {
	struct rtnl_link *l;
	char parent[64];
};

static void store_link(struct nl_object *obj, void *arg)
{
	struct rtnl_link **out = arg;

	if (*out == NULL) {
		nl_object_get(obj);
		*out = (struct rtnl_link *)(void *)obj;
	}
}

static int get_valid_cb(struct nl_msg *msg, void *arg)
{
	struct got_link *g = arg;
	struct nlattr *a;
	bool first = g->l == NULL;

	nl_msg_parse(msg, store_link, &g->l);
	/* libnl does not parse it: read the attribute itself */
	a = nlmsg_find_attr(nlmsg_hdr(msg), sizeof(struct ifinfomsg),
			    IFLA_PARENT_DEV_NAME);
	if (first && g->l != NULL && a != NULL)
		nla_strlcpy(g->parent, a, sizeof(g->parent));
	return NL_OK;
}

/* rtnl_link_get_kernel() without nl_pickup(), which replaces the socket's
 * error callback and with it the kernel's errno. */
static int get_link(struct nl_sock *sk, struct vp_nl_status *st, int ifindex,
		    const char *name, struct got_link *out)
{
	_cleanup_nl_msg_ struct nl_msg *msg = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rtnl_link_build_get_request(ifindex, name, &msg);
	if (rc == 0)
		rc = vp_nl_query(sk, st, msg, get_valid_cb, out);
	if (rc < 0)
		return rc;
	return out->l != NULL ? 0 : -NLE_OBJ_NOTFOUND;
}

static void got_link_put(struct got_link *g)
{
	if (g->l != NULL)
		rtnl_link_put(g->l);
	g->l = NULL;
}

#define _cleanup_got_link_ __attribute__((cleanup(got_link_put)))

/* By name (ifindex 0) or by ifindex (name NULL).  The kernel resolves a
 * name through altnames too, so out->ifname may differ from `name`.  The
 * device the link sits on goes to m->parent. */
static int link_find(struct mv *m, const char *name, int ifindex,
		     struct vp_link *out, struct vp_err *err)
{
	_cleanup_got_link_ struct got_link g = {0};
	int rc;

	m->parent[0] = '\0';
	rc = get_link(m->sk, &m->st, ifindex, name, &g);
	if (rc < 0) {
		if (name != NULL)
			return vp_nl_fail(err, rc, &m->st, "find `%s`", name);
		return vp_nl_fail(err, rc, &m->st, "find ifindex %d", ifindex);
	}
	link_fill(g.l, out);
	snprintf(m->parent, sizeof(m->parent), "%s", g.parent);
	return 0;
}

/* One RTM_NEWLINK/SETLINK change of link `ifindex`; `step` names it in
 * the error. */
static int link_change(struct mv *m, int ifindex, struct rtnl_link *changes,
		       const char *step, struct vp_err *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *orig = rtnl_link_alloc();
	int rc;

	if (orig == NULL)
		return vp_err_set(err, ENOMEM, "%s", step);
	rtnl_link_set_ifindex(orig, ifindex);
	vp_nl_status_clear(&m->st);
	rc = rtnl_link_change(m->sk, orig, changes, 0);
	if (rc < 0)
		return vp_nl_fail(err, rc, &m->st, "%s", step);
	return 0;
}

static int link_move(struct mv *m, int ifindex, int ns_fd, const char *where,
		     struct vp_err *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *c = rtnl_link_alloc();
	char step[96];

	snprintf(step, sizeof(step), "move to %s", where);
	if (c == NULL)
		return vp_err_set(err, ENOMEM, "%s", step);
	rtnl_link_set_ns_fd(c, ns_fd);
	return link_change(m, ifindex, c, step, err);
}

static int link_rename(struct mv *m, int ifindex, const char *name,
		       struct vp_err *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *c = rtnl_link_alloc();
	char step[48];

	snprintf(step, sizeof(step), "rename to `%s`", name);
	if (c == NULL)
		return vp_err_set(err, ENOMEM, "%s", step);
	rtnl_link_set_name(c, name);
	return link_change(m, ifindex, c, step, err);
}

static int link_set_mac(struct mv *m, int ifindex, const uint8_t mac[6],
			struct vp_err *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *c = rtnl_link_alloc();
	_cleanup_nl_addr_ struct nl_addr *a = nl_addr_build(AF_LLC, mac, 6);
	char step[48], text[18];

	vp_mac_format(mac, text);
	snprintf(step, sizeof(step), "set MAC %s", text);
	if (c == NULL || a == NULL)
		return vp_err_set(err, ENOMEM, "%s", step);
	rtnl_link_set_addr(c, a);
	return link_change(m, ifindex, c, step, err);
}

static int link_set_mtu(struct mv *m, int ifindex, unsigned mtu,
			struct vp_err *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *c = rtnl_link_alloc();
	char step[32];

	snprintf(step, sizeof(step), "set MTU %u", mtu);
	if (c == NULL)
		return vp_err_set(err, ENOMEM, "%s", step);
	rtnl_link_set_mtu(c, mtu);
	return link_change(m, ifindex, c, step, err);
}

static int link_set_up(struct mv *m, int ifindex, bool up, struct vp_err *err)
{
	_cleanup_rtnl_link_ struct rtnl_link *c = rtnl_link_alloc();

	if (c == NULL)
		return vp_err_set(err, ENOMEM, "set link state");
	if (up)
		rtnl_link_set_flags(c, IFF_UP);
	else
		rtnl_link_unset_flags(c, IFF_UP);
	return link_change(m, ifindex, c, up ? "bring up" : "bring down", err);
}

/* MAC (unless all-zero: a link without one) and MTU (unless 0). */
static int link_set_addr_mtu(struct mv *m, int ifindex, const uint8_t *mac,
			     unsigned mtu, struct vp_err *err)
{
	if (mac != NULL && !vp_mac_is_zero(mac) &&
	    link_set_mac(m, ifindex, mac, err) < 0)
		return -1;
	if (mtu != 0 && link_set_mtu(m, ifindex, mtu, err) < 0)
		return -1;
	return 0;
}

int vp_link_get(const char *ifname, struct vp_link *out, struct vp_err *err)
{
	_cleanup_got_link_ struct got_link g = {0};
	struct nl_sock *sk = NULL;
	struct vp_nl_status st;
	int rc;

	if (!vp_valid_ifname(ifname))
		return fail_as(err, EINVAL, "interface name invalid");
	if (vp_nl_open(&sk, &st, err) < 0)
		return -1;
	rc = get_link(sk, &st, 0, ifname, &g);
	nl_socket_free(sk);
	if (rc < 0)
		return vp_nl_fail(err, rc, &st, "link `%s`", ifname);
	link_fill(g.l, out);
	return 0;
}

/* ---- the way home ---------------------------------------------------------
 */

/* Keep the first error; note a later one after it. */
static void note_also(struct vp_err *err, const struct vp_err *later)
{
	size_t n;

	if (err == NULL)
		return;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, "; also: %s", later->msg);
}

/* The link `tmp_ifindex` is in the temporary namespace and the process in
 * it: give back the original name, MAC and MTU, move it to the host, and
 * restore its up state.  Best effort: every step is tried (the link must
 * not stay here), the first error is reported.  When the original name is
 * taken in the host the link goes there as "vpr<ifindex>" and the error
 * (errnum EEXIST) says so: findable, never lost with the namespace. */
static int home_from_tmp(struct mv *m, int tmp_ifindex,
			 const struct vp_link *orig, struct vp_err *err)
{
	struct vp_err e2;
	struct vp_link cur;
	const char *name = orig->ifname;
	char lost[16];
	int rc = 0;

	if (link_find(m, NULL, tmp_ifindex, &cur, err) < 0)
		return vp_err_wrap(err, "in the temporary namespace");
	if (strcmp(cur.ifname, orig->ifname) != 0 &&
	    link_rename(m, tmp_ifindex, orig->ifname, err) < 0) {
		rc = -1;
		name = cur.ifname;
	}
	if (link_set_addr_mtu(m, tmp_ifindex, orig->mac, orig->mtu,
			      rc < 0 ? &e2 : err) < 0) {
		if (rc < 0)
			note_also(err, &e2);
		rc = -1;
	}
	if (link_move(m, tmp_ifindex, m->host_fd, "the host", &e2) < 0) {
		if (e2.errnum != EEXIST) {
			if (rc < 0)
				note_also(err, &e2);
			else
				*err = e2;
			return -1;
		}
		snprintf(lost, sizeof(lost), "vpr%d", tmp_ifindex);
		if (link_rename(m, tmp_ifindex, lost, &e2) < 0 ||
		    link_move(m, tmp_ifindex, m->host_fd, "the host", &e2) <
			0) {
			fail_as(err, e2.errnum,
				"name `%s` is taken in the host, and so is "
				"`%s`: the link is lost with the temporary "
				"namespace",
				name, lost);
			return -1;
		}
		if (mv_enter(m, m->host_fd, "the host", &e2) == 0 &&
		    link_find(m, lost, 0, &cur, &e2) == 0)
			tmp_ifindex = cur.ifindex;
		return fail_as(err, EEXIST,
			       "name `%s` is taken in the host; the link is "
			       "left in the host as `%s` (ifindex %d)",
			       name, lost, tmp_ifindex);
	}
	if (mv_enter(m, m->host_fd, "the host", rc < 0 ? &e2 : err) < 0 ||
	    link_find(m, name, 0, &cur, rc < 0 ? &e2 : err) < 0 ||
	    (orig->up && !cur.up &&
	     link_set_up(m, cur.ifindex, true, rc < 0 ? &e2 : err) < 0)) {
		if (rc < 0)
			note_also(err, &e2);
		return -1;
	}
	return rc;
}

/* The link is already in the host (a physical device the kernel returned
 * when the container's namespace died, or an earlier partial move out):
 * restore it in place.  A taken name leaves it under its current one. */
static int restore_in_host(struct mv *m, const struct vp_link *cur,
			   const struct vp_link *orig, struct vp_err *err)
{
	if (strcmp(cur->ifname, orig->ifname) != 0) {
		/* the kernel renames only links that are down */
		if (cur->up && link_set_up(m, cur->ifindex, false, err) < 0)
			return -1;
		if (link_rename(m, cur->ifindex, orig->ifname, err) < 0) {
			if (err->errnum == EEXIST)
				return fail_as(
				    err, EEXIST,
				    "name `%s` is taken in the host; "
				    "the link stays as `%s` "
				    "(ifindex %d)",
				    orig->ifname, cur->ifname, cur->ifindex);
			return -1;
		}
	}
	if (link_set_addr_mtu(m, cur->ifindex, orig->mac, orig->mtu, err) < 0)
		return -1;
	if (orig->up && link_set_up(m, cur->ifindex, true, err) < 0)
		return -1;
	return 0;
}

/* "dev<N>": the name the kernel gives a device it returns to the host
 * from a dying namespace when its own name is taken there. */
static bool kernel_fallback_name(const char *s)
{
	if (strncmp(s, "dev", 3) != 0 || s[3] == '\0')
		return false;
	for (s += 3; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Find in the host a link that left the container's namespace without us:
 * by PCI address first (the netdev under the device in sysfs), then by
 * ifindex, accepted only under a name it could have (ours, the container's
 * or the kernel's "dev<N>") since an ifindex alone may have been reused. */
static int find_in_host(struct mv *m, const char *sysfs_root, const char *pci,
			const char *ns_ifname, const struct vp_link *orig,
			struct vp_link *out, struct vp_err *err)
{
	struct vp_err ignored;

	if (sysfs_root != NULL && pci != NULL) {
		char path[4096];
		DIR *d;
		struct dirent *de;
		int found = -1;

		if (!vp_valid_abs_path(sysfs_root) || !vp_valid_pci_addr(pci))
			return fail_as(err, EINVAL,
				       "sysfs root or PCI address invalid");
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/net",
			 sysfs_root, pci);
		d = opendir(path);
		while (d != NULL && found < 0 && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' ||
			    !vp_valid_ifname(de->d_name))
				continue;
			found = link_find(m, de->d_name, 0, out, &ignored);
		}
		if (d != NULL)
			closedir(d);
		if (found == 0)
			return 0;
	}
	if (orig->ifindex > 0 &&
	    link_find(m, NULL, orig->ifindex, out, &ignored) == 0 &&
	    (strcmp(out->ifname, orig->ifname) == 0 ||
	     strcmp(out->ifname, ns_ifname) == 0 ||
	     kernel_fallback_name(out->ifname)))
		return 0;
	return fail_as(err, ENODEV, "no such link in the host");
}

/* ---- the API ------------------------------------------------------------- */

/* EEXIST when moving into the container: say which name clashed. */
static int explain_clash(struct mv *m, const char *new_name, struct vp_err *err)
{
	struct vp_link other;
	struct vp_err ignored;

	if (mv_enter(m, m->cont_fd, m->cont, &ignored) < 0 ||
	    link_find(m, new_name, 0, &other, &ignored) < 0)
		return fail_as(err, EEXIST,
			       "one of its altnames exists in the container");
	if (strcmp(other.ifname, new_name) == 0)
		return fail_as(err, EEXIST, "name exists in the container");
	return fail_as(err, EEXIST,
		       "`%s` is an altname of `%s` in the container", new_name,
		       other.ifname);
}

int vp_netns_move_in(const struct vp_netns_target *t, const char *ifname,
		     const char *new_name, const uint8_t *mac, unsigned mtu,
		     struct vp_link *moved, struct vp_err *err)
{
	_cleanup_mv_ struct mv m = {.host_fd = -1, .cont_fd = -1, .tmp_fd = -1};
	struct vp_link orig, cur;
	struct vp_err e2;
	char what[160];
	int tmp_ifindex;

	if (!vp_valid_ifname(ifname) || !vp_valid_ifname(new_name))
		return fail_as(err, EINVAL,
			       "move into a container: interface "
			       "name invalid");
	if (mac != NULL && vp_mac_is_multicast(mac))
		return fail_as(err, EINVAL, "move `%s`: MAC is multicast",
			       ifname);
	if (check_target(t, err) < 0)
		return vp_err_wrap(err, "move `%s` into a container", ifname);
	snprintf(what, sizeof(what),
		 "move `%s` into the container (pid %d) as `%s`", ifname,
		 t->pid, new_name);
	if (mv_init(&m, t, err) < 0 || open_container(&m, t, err) < 0 ||
	    mv_enter(&m, m.host_fd, "the host", err) < 0)
		return vp_err_wrap(err, "%s", what);
	if (link_find(&m, ifname, 0, &orig, err) < 0)
		return vp_err_wrap(err, "%s: in the host", what);
	if (strcmp(orig.ifname, ifname) != 0)
		return fail_as(err, EINVAL, "%s: `%s` is an altname of `%s`",
			       what, ifname, orig.ifname);
	if (make_tmp(&m, err) < 0 ||
	    link_move(&m, orig.ifindex, m.tmp_fd, "a temporary namespace",
		      err) < 0)
		return vp_err_wrap(err, "%s", what);

	/* From here on the link is out of the host: every failure brings it
	 * home before returning. */
	if (mv_enter(&m, m.tmp_fd, "the temporary namespace", err) < 0)
		goto rollback_lost;
	if (link_find(&m, ifname, 0, &cur, err) < 0)
		goto rollback_lost;
	tmp_ifindex = cur.ifindex;
	if ((strcmp(new_name, ifname) != 0 &&
	     link_rename(&m, tmp_ifindex, new_name, err) < 0) ||
	    link_set_addr_mtu(&m, tmp_ifindex, mac, mtu, err) < 0)
		goto rollback_tmp;
	if (link_move(&m, tmp_ifindex, m.cont_fd, m.cont, err) < 0) {
		if (err->errnum == EEXIST)
			explain_clash(&m, new_name, err);
		if (mv_enter(&m, m.tmp_fd, "the temporary namespace", &e2) <
		    0) {
			note_also(err, &e2);
			goto out;
		}
		goto rollback_tmp;
	}

	if (mv_enter(&m, m.cont_fd, m.cont, err) < 0 ||
	    link_find(&m, new_name, 0, &cur, err) < 0 ||
	    link_set_up(&m, cur.ifindex, true, err) < 0 ||
	    link_find(&m, NULL, cur.ifindex, &cur, err) < 0) {
		/* rare (a driver refusing to open): back out the whole way */
		if (mv_enter(&m, m.cont_fd, m.cont, &e2) < 0 ||
		    link_find(&m, new_name, 0, &cur, &e2) < 0 ||
		    link_move(&m, cur.ifindex, m.tmp_fd,
			      "the temporary namespace", &e2) < 0 ||
		    mv_enter(&m, m.tmp_fd, "the temporary namespace", &e2) <
			0 ||
		    link_find(&m, new_name, 0, &cur, &e2) < 0) {
			note_also(err, &e2);
			goto out;
		}
		tmp_ifindex = cur.ifindex;
		goto rollback_tmp;
	}
	if (moved != NULL)
		*moved = cur;
	return 0;

rollback_tmp:
	if (home_from_tmp(&m, tmp_ifindex, &orig, &e2) < 0)
		note_also(err, &e2);
	goto out;
rollback_lost:
	/* the process could not follow the link: the kernel returns a
	 * physical device to the host when the namespace goes; a veth dies */
	note_also(err, &(struct vp_err){0, "the link stays in the temporary "
					   "namespace, which is destroyed"});
out:
	return vp_err_wrap(err, "%s", what);
}

/* The link moved in, in the container's namespace (the process is in
 * it).  By the ifindex it got there, whatever the container has renamed it
 * to since (with NET_ADMIN it can); without one (the record of a hook that
 * died before saving it) by name, taken only with orig's ifindex, so the
 * container's own link of that name is never taken.  A link that sits on
 * another device than `pci` (when the kernel says, 5.16 on) is not ours. */
static bool find_in_container(struct mv *m, const char *ns_ifname,
			      int ns_ifindex, const char *pci,
			      const struct vp_link *orig, struct vp_link *out)
{
	struct vp_err ignored;

	if (ns_ifindex > 0) {
		if (link_find(m, NULL, ns_ifindex, out, &ignored) < 0)
			return false;
	} else if (link_find(m, ns_ifname, 0, out, &ignored) < 0 ||
		   strcmp(out->ifname, ns_ifname) != 0 ||
		   (orig->ifindex > 0 && out->ifindex != orig->ifindex)) {
		return false;
	}
	return pci == NULL || m->parent[0] == '\0' ||
	       strcmp(m->parent, pci) == 0;
}

/* The link `cur` is in the container and the process too: take it home
 * through a temporary namespace. */
static int home_from_container(struct mv *m, const struct vp_link *cur,
			       const struct vp_link *orig, struct vp_err *err)
{
	struct vp_link tmp;
	struct vp_err ignored;

	if (make_tmp(m, err) < 0 ||
	    link_move(m, cur->ifindex, m->tmp_fd, "a temporary namespace",
		      err) < 0 ||
	    mv_enter(m, m->tmp_fd, "the temporary namespace", err) < 0)
		return -1;
	/* it keeps its ifindex unless lo's (1) clashes; then its name */
	if (link_find(m, NULL, cur->ifindex, &tmp, &ignored) < 0 &&
	    link_find(m, cur->ifname, 0, &tmp, err) < 0)
		return -1;
	return home_from_tmp(m, tmp.ifindex, orig, err);
}

int vp_netns_move_out(const struct vp_netns_target *t, const char *ns_ifname,
		      int ns_ifindex, const char *sysfs_root, const char *pci,
		      const struct vp_link *orig, struct vp_err *err)
{
	_cleanup_mv_ struct mv m = {.host_fd = -1, .cont_fd = -1, .tmp_fd = -1};
	struct vp_link cur;
	struct vp_err e2;
	char what[160];
	bool gone = false;

	if (!vp_valid_ifname(ns_ifname) || !vp_valid_ifname(orig->ifname))
		return fail_as(err, EINVAL,
			       "move out of a container: "
			       "interface name invalid");
	/* pid 0: the caller knows the namespace is gone (vp_vf_undo) */
	if (t->pid != 0 && check_target(t, err) < 0)
		return vp_err_wrap(err, "move `%s` out of a container",
				   ns_ifname);
	snprintf(what, sizeof(what),
		 "move `%s` out of the container (pid %d) back to `%s`",
		 ns_ifname, t->pid, orig->ifname);
	if (mv_init(&m, t, err) < 0)
		return vp_err_wrap(err, "%s", what);
	vp_err_clear(&e2);
	if (t->pid == 0 || open_container(&m, t, &e2) < 0) {
		/* the pid is gone or reused: a file may still pin the
		 * namespace (podman, CNI, ip netns) */
		vp_closep(&m.cont_fd);
		m.cont_fd = open_pinned(t);
		if (m.cont_fd < 0 && e2.errnum != 0 && e2.errnum != ENOENT &&
		    e2.errnum != ESRCH && e2.errnum != EINVAL) {
			*err = e2;
			return vp_err_wrap(err, "%s", what);
		}
		gone = m.cont_fd < 0;
	}
	if (!gone) {
		if (mv_enter(&m, m.cont_fd, m.cont, err) < 0)
			return vp_err_wrap(err, "%s", what);
		if (find_in_container(&m, ns_ifname, ns_ifindex, pci, orig,
				      &cur)) {
			if (home_from_container(&m, &cur, orig, err) < 0)
				return vp_err_wrap(err, "%s", what);
			return 0;
		}
		/* not in the container: maybe an earlier run got it out */
	}

	if (mv_enter(&m, m.host_fd, "the host", err) < 0)
		return vp_err_wrap(err, "%s", what);
	if (find_in_host(&m, sysfs_root, pci, ns_ifname, orig, &cur, err) < 0) {
		if (err->errnum != ENODEV)
			return vp_err_wrap(err, "%s", what);
		if (gone)
			return fail_as(err, ENODEV,
				       "%s: the container's network namespace "
				       "is gone and the link with it",
				       what);
		/* the namespace lives: the container may have moved the link
		 * on (into a namespace of its own); it is not free */
		return fail_as(err, EBUSY,
			       "%s: the link is neither in the container's "
			       "namespace (as ifindex %d) nor in the host",
			       what, ns_ifindex);
	}
	if (restore_in_host(&m, &cur, orig, err) < 0)
		return vp_err_wrap(err, "%s", what);
	return 0;
}

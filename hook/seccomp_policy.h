/* seccomp_policy.h - the hook's syscall filter: an allowlist (libseccomp).
 *
 * Two stacked filters.  vp_filter_install() loads the base allowlist
 * as soon as the hook knows it has work: for gc and status right after
 * argument parsing; for a hook stage once the state carries a request,
 * before the config, the request or any record is read (a container
 * without a request must not pay for compiling the filter, and the state
 * is one bounded read through a fuzzed parser).  The base filter
 * allows what any run of the hook may need (files, sysfs, records, lock,
 * netlink, network-namespace moves, running a backend command).  Once the
 * request (prestart) or the record (poststop) says what this run will
 * really do, vp_filter_restrict() stacks a second filter that takes away
 * the groups it does not need: no execve/clone without a backend command,
 * no netlink/setns/unshare without an SR-IOV device.  Filters only ever
 * add restrictions, so the second can not widen the first.  This module
 * knows syscall groups only: which groups a request or a record needs is
 * the caller's to work out (stages.c, from what each backend declares).
 *
 * A denied syscall fails with EPERM and, where the kernel supports it
 * (SECCOMP_FILTER_FLAG_LOG, Linux 4.14), is logged by the kernel (audit
 * type 1326, "syscall=N").  A backend command the hook runs inherits the
 * filters.  --no-seccomp skips both (debugging only).
 */
#ifndef VP_SECCOMP_POLICY_H
#define VP_SECCOMP_POLICY_H

#include <stdbool.h>

#include "err.h"

/* What a run needs beyond the always-allowed core. */
enum {
	VP_FILTER_EXEC = 1 << 0,    /* run a backend command (ovs-vsctl) */
	VP_FILTER_NETLINK = 1 << 1, /* rtnetlink: VF settings, link moves */
	VP_FILTER_NETNS = 1 << 2,   /* setns/unshare(CLONE_NEWNET) */
	VP_FILTER_ALL = VP_FILTER_EXEC | VP_FILTER_NETLINK | VP_FILTER_NETNS,
};

/* Load the base allowlist (every group).  Call once. */
int vp_filter_install(struct vp_err *err);

/* Stack a filter denying the groups not in `needs`.  Does nothing when no
 * base filter was installed (--no-seccomp) or nothing would be taken
 * away; may be called again later with fewer needs. */
int vp_filter_restrict(unsigned needs, struct vp_err *err);

/* Has vp_filter_install() loaded the base filter in this process? */
bool vp_filter_active(void);

#endif

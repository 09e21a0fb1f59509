/* netns.h - moving a netdev into a container's network namespace and back
 * (DESIGN §1, namespace runtimes), with libnl-3 route.
 *
 * In: the link goes host -> a private temporary namespace, where it is
 * renamed to the requested name and given its MAC and MTU (no clash with
 * names in either the host or the container), then -> the container's
 * namespace (/proc/<pid>/ns/net), where it is brought up.  A name already
 * taken in the container is an error naming it.
 * Out: the reverse, restoring the original name, MAC, MTU and up/down
 * state.  When the container's namespace is gone the kernel has already
 * returned a physical netdev to the host namespace, under its container
 * name or a kernel-chosen one: the link is then found by PCI address
 * (<sysfs_root>/bus/pci/devices/<pci>/net/) or, failing that, by ifindex
 * — never by name alone.  The hook is single-threaded: these functions
 * setns() the process and always return it to the namespace it started in.
 */
#ifndef VP_NETNS_H
#define VP_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct vp_link {
	char ifname[16];
	int ifindex;
	uint8_t mac[6];
	unsigned mtu;
	bool up;
};

/* Current state of a link in the hook's namespace. */
int vp_link_get(const char *ifname, struct vp_link *out, struct vp_err *err);

struct vp_netns_target {
	const char *proc_root;      /* "/proc" */
	int pid;                    /* a process in the container's netns */
	/* For move_out: the namespace's inode as recorded at move-in (0: not
	 * checked) - a pid whose namespace has another inode is not the
	 * container any more - and a file that may still pin it after the
	 * container's processes are gone (OCI linux.namespaces path, an `ip
	 * netns` name; NULL: none).  Files under /run/netns are searched for
	 * the inode too. */
	unsigned long long ino;
	const char *path;
};

/* Inode of <proc_root>/<pid>/ns/net, recorded to recognise the namespace
 * later. */
int vp_netns_inode(const char *proc_root, int pid, unsigned long long *ino,
		   struct vp_err *err);

/* mac may be NULL (keep), mtu 0 (keep).  On success *moved says where it
 * went (its ifindex in the container). */
int vp_netns_move_in(const struct vp_netns_target *t, const char *ifname,
		     const char *new_name, const uint8_t *mac, unsigned mtu,
		     struct vp_link *moved, struct vp_err *err);

/* Bring the link named `ns_ifname` back from the container (or find it in
 * the host by `pci`/`orig->ifindex` when the namespace is gone) and restore
 * `orig`.  A link that exists nowhere any more (a virtual device destroyed
 * with its namespace) is reported with errnum ENODEV.
 *
 * Details (all tested in tests/unit/test_netns.c):
 * - A pid that no longer exists, that now lives in the host's namespace
 *   (reused), or whose namespace is not t->ino, does not lead to the
 *   container; t->path, the files under /run/netns and any process still
 *   in it are then tried for the namespace with inode t->ino.  None found: the namespace is gone.
 * - In the container, the link named ns_ifname is ours only if its ifindex
 *   is ns_ifindex (or, when that is 0, orig->ifindex): the container's own
 *   link of that name is never taken.  A link missing from
 *   a live container is looked for in the host too, so running twice is
 *   harmless (the second run restores in place, a no-op).
 * - By ifindex, a host link is only taken for ours under a name it could
 *   have: orig->ifname, ns_ifname or the kernel's "dev<N>".
 * - Original name taken in the host meanwhile: the link is moved to the
 *   host as "vpr<ifindex>" with MAC and MTU restored, left down, and the
 *   error (errnum EEXIST) names it: "... name `vpv0` is taken in the host;
 *   the link is left in the host as `vpr7` (ifindex 7)".
 * - In the host already under another name: renamed in place; if the name
 *   is taken it stays as it is (EEXIST, named in the error).
 * vp_netns_move_in refuses a pid of the host's namespace (EINVAL); a name
 * clash in the container is errnum EEXIST with "name exists in the
 * container", "`net1` is an altname of `lo` in the container" or "one of
 * its altnames exists in the container", after the link is back in the
 * host as it was (any failure past the host rolls back the same way). */
int vp_netns_move_out(const struct vp_netns_target *t, const char *ns_ifname,
		      int ns_ifindex, const char *sysfs_root, const char *pci,
		      const struct vp_link *orig, struct vp_err *err);

#endif

/* netns.h - moving a netdev into a container's network namespace and back
 * (docs/architecture.md §8.2), with libnl-3 route.
 *
 * In: the link goes host -> a private temporary namespace, where it is
 * renamed to the requested name and given its MAC and MTU (no clash with
 * names in either the host or the container), then -> the container's
 * namespace (an fd the caller opened once from /proc/<pid>/ns/net), where
 * it is brought up.  A name already taken in the container is an error
 * naming it.
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

#include "backend.h" /* struct vp_link, as the journal keeps it */
#include "err.h"

/* Current state of a link in the hook's namespace. */
int vp_link_get(const char *ifname, struct vp_link *out, struct vp_err *err);

struct vp_netns_target {
	const char *proc_root; /* "/proc" */
	int pid;	       /* a process in the container's netns */
	/* The namespace's inode as recorded at prestart (0: not checked): a
	 * pid whose namespace has another inode is not the container any
	 * more.  For move_out also a file that may still pin it after the
	 * container's processes are gone (OCI linux.namespaces path, an `ip
	 * netns` name; NULL: none).  Files under /run/netns are searched for
	 * the inode too. */
	unsigned long long ino;
	const char *path;
	/* For move_in: the namespace, opened once by vp_netns_open_pid (its
	 * inode is `ino`); pid then only names it.  -1: open
	 * <proc_root>/<pid>/ns/net. */
	int fd;
};

/* Open a file that should be a network namespace (nsfs: /proc/<pid>/ns/net,
 * an `ip netns` bind mount, an OCI namespace path) without blocking and
 * without opening anything else: the file is first opened O_PATH (with
 * O_NOFOLLOW unless `follow`), and only an nsfs inode is then opened for
 * real (O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC).  A FIFO, a device, a
 * regular file, a directory or a symlink is refused with errnum EINVAL
 * ("`p` is a FIFO, not a namespace").  On success *fd is the namespace
 * and *ino its inode. */
int vp_netns_open(const char *path, bool follow, int *fd,
		  unsigned long long *ino, struct vp_err *err);

/* vp_netns_open of <proc_root>/<pid>/ns/net: the fd pins the namespace
 * and its inode is recorded to recognise it later. */
int vp_netns_open_pid(const char *proc_root, int pid, int *fd,
		      unsigned long long *ino, struct vp_err *err);

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
 * - Every namespace file is opened with vp_netns_open: a FIFO, device or
 *   other non-namespace file at t->path or under /run/netns is skipped.
 * - A pid that no longer exists, that now lives in the host's namespace
 *   (reused), or whose namespace is not t->ino, does not lead to the
 *   container; t->path, the files under /run/netns and any process still
 *   in it are then tried for the namespace with inode t->ino.  None found: the
 * namespace is gone.
 * - In the container, the link is found by ns_ifindex, whatever it is
 *   named now (a container with NET_ADMIN may rename it); only when
 *   ns_ifindex is 0, by the name ns_ifname with orig->ifindex, so the
 *   container's own link of that name is never taken.  A link whose
 *   kernel-reported device (IFLA_PARENT_DEV_NAME) is not `pci` is not
 *   ours.  A link missing from a live container is looked for in the host
 *   too, so running twice is harmless (the second run restores in place,
 *   a no-op); found nowhere while the namespace lives, it is errnum EBUSY
 *   (the container may have moved it on: the VF must stay claimed).
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

/* qemu_args.h - QEMU command-line fragments for the devices vnfplug adds
 * (docs/architecture.md §9).  One option per argv element; every value from a
 * request or a path has ',' doubled (vp_qemu_escape, qemu_opts.h) on top of
 * passing an allowlist; unix socket paths longer than 107 bytes are refused.
 */
#ifndef VP_QEMU_ARGS_H
#define VP_QEMU_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "argv.h"
#include "err.h"

struct vp_vhost_dev {
	unsigned index; /* ids vp-c<index>, vp-n<index> */
	const char *socket_path;
	uint8_t mac[6];
	unsigned queues; /* >= 1 */
	int vectors;	 /* -1 auto (2q+2 when queues>1), >= 0 explicit */
};

/* Appends -chardev socket,...,server=on,wait=off / -netdev
 * type=vhost-user,... / -device virtio-net-pci,... to out. */
int vp_qemu_vhost_user_args(const struct vp_vhost_dev *d, struct vp_argv *out,
			    struct vp_err *err);

/* Appends -device vfio-pci,host=<pci> (a VF already bound to vfio-pci). */
int vp_qemu_vfio_args(const char *pci, struct vp_argv *out, struct vp_err *err);

#endif

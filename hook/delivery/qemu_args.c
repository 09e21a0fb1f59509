/* qemu_args.c - QEMU options for the devices vnfplug adds
 * (docs/architecture.md §9).
 *
 * Values are allowlisted first (so nothing surprising gets this far) and
 * comma-escaped anyway: QEMU splits option strings on ',' and a value
 * holding one could otherwise smuggle in another property.
 */
#include "qemu_args.h"

#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "qemu_opts.h"
#include "validate.h"

/* a PCI MSI-X table has at most 2048 entries */
#define VP_QEMU_MAX_VECTORS 2048

static int check_vhost_dev(const struct vp_vhost_dev *d, struct vp_err *err)
{
	if (d->socket_path == NULL)
		return vp_err_set(err, 0, "no socket path");
	if (vp_socket_path_check(d->socket_path, err) < 0)
		return -1;
	if (d->queues < 1 || d->queues > VP_MAX_QUEUES_LIMIT)
		return vp_err_set(err, 0, "queues must be 1..%d, got %u",
				  VP_MAX_QUEUES_LIMIT, d->queues);
	if (d->vectors < -1 || d->vectors > VP_QEMU_MAX_VECTORS)
		return vp_err_set(err, 0,
				  "vectors must be -1 (auto) or 0..%d, got %d",
				  VP_QEMU_MAX_VECTORS, d->vectors);
	if (vp_mac_is_zero(d->mac) || vp_mac_is_multicast(d->mac))
		return vp_err_set(err, 0,
				  "MAC address must be unicast and non-zero");
	return 0;
}

int vp_qemu_vhost_user_args(const struct vp_vhost_dev *d, struct vp_argv *out,
			    struct vp_err *err)
{
	_cleanup_free_ char *path = NULL;
	size_t n0 = out->n;
	char mac[18], queues[32] = "", mq[64] = "";
	int vectors = d->vectors;

	if (check_vhost_dev(d, err) < 0)
		return vp_err_wrap(err, "vhost-user device %u", d->index);
	path = vp_qemu_escape(d->socket_path);
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "vhost-user device %u",
				  d->index);
	vp_mac_format(d->mac, mac);

	/* Multiqueue needs mq=on on the device and one vector per queue
	 * direction plus config and control; a single queue needs neither. */
	if (d->queues > 1) {
		snprintf(queues, sizeof(queues), ",queues=%u", d->queues);
		strcpy(mq, ",mq=on");
		if (vectors == -1)
			vectors = (int)(2 * d->queues + 2);
	}
	if (vectors >= 0)
		snprintf(mq + strlen(mq), sizeof(mq) - strlen(mq),
			 ",vectors=%d", vectors);

	if (vp_argv_push(out, "-chardev", err) < 0 ||
	    vp_argv_pushf(out, err,
			  "socket,id=vp-c%u,path=%s,server=on,wait=off",
			  d->index, path) < 0 ||
	    vp_argv_push(out, "-netdev", err) < 0 ||
	    vp_argv_pushf(out, err,
			  "type=vhost-user,id=vp-n%u,chardev=vp-c%u,"
			  "vhostforce=on%s",
			  d->index, d->index, queues) < 0 ||
	    vp_argv_push(out, "-device", err) < 0 ||
	    vp_argv_pushf(out, err, "virtio-net-pci,netdev=vp-n%u,mac=%s%s",
			  d->index, mac, mq) < 0) {
		vp_argv_truncate(out, n0);
		return vp_err_wrap(err, "vhost-user device %u", d->index);
	}
	return 0;
}

int vp_qemu_vfio_args(const char *pci, struct vp_argv *out, struct vp_err *err)
{
	size_t n0 = out->n;

	/* a PCI address has no comma; the allowlist is the whole defence */
	if (!vp_valid_pci_addr(pci))
		return vp_err_set(err, 0, "`%s` is not a PCI address", pci);
	if (vp_argv_push(out, "-device", err) < 0 ||
	    vp_argv_pushf(out, err, "vfio-pci,host=%s", pci) < 0) {
		vp_argv_truncate(out, n0);
		return -1;
	}
	return 0;
}

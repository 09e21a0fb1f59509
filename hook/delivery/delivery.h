/* delivery.h - how the guest receives what the backends created on the
 * host (struct vp_guest_dev, backend.h).
 *
 * A delivery path takes the devices of one prestart, in the order the
 * backends' table gives them.  Today there is one: cold-plug
 * (coldplug.c), QEMU arguments in the sandbox's device list, which the
 * shim adds to QEMU's command line when the VM starts.  A path that
 * reaches a running VM (QMP hot-plug) is a second entry in the table in
 * delivery.c, chosen by the stages; the netns move of a namespace
 * container is the SR-IOV backend's own (backend.h).
 *
 * A path journals what it makes like a backend does, and owns those
 * resource kinds: release and gc find its undo and describe by kind.
 */
#ifndef VP_DELIVERY_H
#define VP_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

enum vp_delivery_path {
	VP_DELIVERY_COLDPLUG, /* the device list, read by the shim */
};

struct vp_delivery {
	const char *name; /* "coldplug" */
	enum vp_delivery_path path;
	unsigned needs; /* the filter's groups (VP_FILTER_*) its
			 * deliver and undo use */
	bool (*owns)(enum vp_res_kind kind);
	/* Before anything is created: can these devices be delivered?
	 * Errors name the request entry. */
	int (*check)(struct vp_backend_ctx *c, const struct vp_guest_dev *devs,
		     size_t n, struct vp_err *err);
	/* Under the lock, with the backends' `journal`: append what deliver
	 * will make to c->rec as pending (saved in the same write). */
	int (*journal)(struct vp_backend_ctx *c, struct vp_err *err);
	/* Once every entry is created: hand the devices over, marking what
	 * it journalled created. */
	int (*deliver)(struct vp_backend_ctx *c,
		       const struct vp_guest_dev *devs, size_t n,
		       struct vp_err *err);
	/* As a backend's (backend.h). */
	int (*undo)(struct vp_backend_ctx *c, const struct vp_resource *r,
		    struct vp_err *err);
	void (*describe)(const struct vp_record *rec,
			 const struct vp_resource *r, struct vp_desc *d);
	void (*leftovers)(const struct vp_config *cfg, const char *sandbox,
			  char *buf, size_t size);
};

extern const struct vp_delivery vp_delivery_coldplug;

/* The delivery path, or NULL. */
const struct vp_delivery *vp_delivery_for(enum vp_delivery_path path);
/* The path that owns a resource kind, or NULL (a backend's). */
const struct vp_delivery *vp_delivery_of(enum vp_res_kind kind);
/* The table, i from 0 until NULL. */
const struct vp_delivery *vp_delivery_at(size_t i);

#endif

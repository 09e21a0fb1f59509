/* coldplug.c - the cold-plug delivery path (delivery.h): the devices'
 * QEMU arguments in <run_dir>/sandboxes/<id>/devices.json, which the
 * shim appends to QEMU's command line when the VM starts.  The device
 * list is journalled pending with the backends' first resources and
 * written once every entry is created; a VM that started before it was
 * written gets nothing from it.
 */
#include "delivery.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "devlist.h"
#include "fileio.h"
#include "qemu_args.h"
#include "rundir.h"

static bool coldplug_owns(enum vp_res_kind kind)
{
	return kind == VP_RES_DEVLIST;
}

/* The devices' arguments, in the order given. */
static int build(const struct vp_guest_dev *devs, size_t n,
		 struct vp_devlist *dl, struct vp_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct vp_guest_dev *d = &devs[i];

		if (d->kind == VP_GUEST_VHOST_USER) {
			struct vp_vhost_dev v = {.index = d->index,
						 .socket_path = d->socket_path,
						 .queues = d->queues,
						 .vectors = d->vectors};

			memcpy(v.mac, d->mac, sizeof(v.mac));
			if (vp_qemu_vhost_user_args(&v, &dl->args, err) < 0)
				return vp_err_wrap(err, "%s[%u]",
						   VP_ANNOTATION_NETWORKS,
						   d->index);
			/* vhost-user needs guest RAM the vswitch can map */
			dl->shared_memory = true;
		} else if (d->kind == VP_GUEST_VFIO) {
			if (vp_qemu_vfio_args(d->pci, &dl->args, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int coldplug_check(struct vp_backend_ctx *c,
			  const struct vp_guest_dev *devs, size_t n,
			  struct vp_err *err)
{
	_cleanup_devlist_ struct vp_devlist dl = {0};

	(void)c;
	return build(devs, n, &dl, err);
}

static int coldplug_journal(struct vp_backend_ctx *c, struct vp_err *err)
{
	_cleanup_free_ char *path =
	    vp_rundir_file(c->cfg->run_dir, c->sandbox, VP_RUNDIR_DEVLIST);
	struct vp_resource d = {
	    .kind = VP_RES_DEVLIST, .state = VP_RES_PENDING, .path = path};

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "prestart");
	return vp_record_add(c->rec, &d, err) < 0 ? -1 : 0;
}

static int coldplug_deliver(struct vp_backend_ctx *c,
			    const struct vp_guest_dev *devs, size_t n,
			    struct vp_err *err)
{
	_cleanup_devlist_ struct vp_devlist dl = {0};
	struct vp_resource *r = NULL;

	for (size_t i = c->rec->n_res; i-- > 0 && r == NULL;)
		if (c->rec->res[i].kind == VP_RES_DEVLIST)
			r = &c->rec->res[i];
	if (r == NULL)
		return vp_err_set(err, EINVAL, "device list not journalled");
	if (build(devs, n, &dl, err) < 0)
		return -1;
	dl.sandbox = strdup(c->sandbox);
	if (dl.sandbox == NULL)
		return vp_err_set(err, ENOMEM, "prestart");
	vp_fault_point("before-devlist");
	if (vp_devlist_write(r->path, &dl, err) < 0)
		return -1;
	vp_fault_point("devlist-written");
	r->state = VP_RES_CREATED;
	return 0;
}

static int coldplug_undo(struct vp_backend_ctx *c, const struct vp_resource *r,
			 struct vp_err *err)
{
	(void)c;
	if (unlink(r->path) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "unlink `%s`", r->path);
	return 0;
}

static void coldplug_describe(const struct vp_record *rec,
			      const struct vp_resource *r, struct vp_desc *d)
{
	(void)rec;
	(void)r;
	snprintf(d->summary, sizeof(d->summary), "devices.json");
}

/* The socket paths and VF addresses in the device list's arguments. */
static void coldplug_leftovers(const struct vp_config *cfg, const char *sandbox,
			       char *buf, size_t size)
{
	_cleanup_free_ char *path =
	    vp_rundir_file(cfg->run_dir, sandbox, VP_RUNDIR_DEVLIST);
	_cleanup_devlist_ struct vp_devlist dl = {0};
	struct vp_err e;

	if (path == NULL || vp_devlist_load(path, &dl, &e) <= 0)
		return;
	for (size_t i = 0; i < dl.args.n; i++) {
		const char *a = dl.args.v[i], *s;

		if ((s = strstr(a, "path=")) != NULL &&
		    strncmp(a, "socket,", 7) == 0)
			vp_strappendf(buf, size, ", socket %.*s",
				      (int)strcspn(s + 5, ","), s + 5);
		else if ((s = strstr(a, "host=")) != NULL &&
			 strncmp(a, "vfio-pci,", 9) == 0)
			vp_strappendf(buf, size, ", VF %.*s",
				      (int)strcspn(s + 5, ","), s + 5);
	}
}

const struct vp_delivery vp_delivery_coldplug = {
    .name = "coldplug",
    .path = VP_DELIVERY_COLDPLUG,
    .needs = 0, /* files only */
    .owns = coldplug_owns,
    .check = coldplug_check,
    .journal = coldplug_journal,
    .deliver = coldplug_deliver,
    .undo = coldplug_undo,
    .describe = coldplug_describe,
    .leftovers = coldplug_leftovers,
};

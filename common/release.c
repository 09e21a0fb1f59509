/* release.c - undo a sandbox's resources from its record, newest first.
 *
 * Each undo is idempotent ("pending" may or may not exist; --if-exists,
 * ENOENT is success), so a release can be repeated after any crash. */
#include "hook.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "ovs.h"
#include "vf_setup.h"

static int undo_ovs_port(const struct vp_config *cfg,
			 const struct vp_resource *r, struct vp_err *err)
{
	struct vp_ovs o = { cfg->ovs_vsctl, r->ovsdb, cfg->timeout_ms };
	struct stat st;

	if (vp_ovs_del_port(&o, r->bridge, r->port, err) < 0)
		return -1;
	/* QEMU (the socket server) normally unlinks it; after a crash it
	 * stays.  Remove only a socket, never whatever else sits there. */
	if (lstat(r->socket, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    unlink(r->socket) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "unlink `%s`", r->socket);
	return 0;
}

static int undo_devlist(const struct vp_resource *r, struct vp_err *err)
{
	if (unlink(r->path) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "unlink `%s`", r->path);
	return 0;
}

/* Entries i+1 .. keep-1 are the newer ones that could not be undone. */
static bool vf_still_held(const struct vp_record *rec, size_t i, size_t keep)
{
	for (size_t k = i + 1; k < keep; k++)
		if (rec->res[k].kind != VP_RES_OVS_PORT &&
		    rec->res[k].kind != VP_RES_DEVLIST &&
		    rec->res[k].vf_pci != NULL &&
		    strcmp(rec->res[k].vf_pci, rec->res[i].vf_pci) == 0)
			return true;
	return false;
}

int vp_release(const struct vp_config *cfg, struct vp_record *rec,
	       struct vp_err *err)
{
	struct vp_err e1;
	int failed = 0;
	size_t keep = rec->n_res;

	/* newest first; failures stay in place for a later retry */
	for (size_t i = rec->n_res; i-- > 0;) {
		struct vp_resource *r = &rec->res[i];
		int rc = 0;

		vp_err_clear(&e1);
		/* a VF whose restore failed stays claimed: handing it out
		 * again would give the next container a VF still configured
		 * or still in someone's namespace */
		if (r->kind == VP_RES_VF_CLAIM && vf_still_held(rec, i, keep)) {
			vp_log_warn("VF %s stays claimed until its restore "
				    "succeeds",
				    r->vf_pci);
			continue;
		}
		switch (r->kind) {
		case VP_RES_OVS_PORT:
			rc = undo_ovs_port(cfg, r, &e1);
			break;
		case VP_RES_DEVLIST:
			rc = undo_devlist(r, &e1);
			break;
		case VP_RES_VF_CLAIM:
		case VP_RES_VF_CONFIG:
		case VP_RES_VFIO_BIND:
		case VP_RES_NETNS_MOVE:
			rc = vp_vf_undo(cfg, rec, r, &e1);
			break;
		default:
			rc = vp_err_set(&e1, ENOTSUP,
					"resource %zu: this build can not undo "
					"its kind",
					i);
			break;
		}
		if (rc < 0) {
			if (!failed)
				*err = e1;
			else
				vp_log_warn("%s", e1.msg);
			failed++;
			continue;
		}
		vp_fault_point("released-one");
		if (r->kind == VP_RES_OVS_PORT)
			vp_log_info("released port %s on bridge %s", r->port,
				    r->bridge);
		/* drop it: move it past the end and shrink */
		struct vp_resource gone = *r;
		memmove(r, r + 1, (keep - i - 1) * sizeof(*r));
		rec->res[keep - 1] = gone;
		keep--;
	}
	/* free the dropped tail */
	for (size_t i = keep; i < rec->n_res; i++)
		vp_resource_free(&rec->res[i]);
	rec->n_res = keep;
	if (failed)
		return vp_err_wrap(err, "%d resource(s) could not be released",
				   failed);
	return 0;
}

/* backend.c - the SR-IOV backend (backend.h): a VF per request entry,
 * claimed in the journal before it is touched, configured from its PF,
 * then bound to vfio-pci for a VM or moved into the network namespace of
 * a namespace container (vf_setup.c).
 *
 * The netns move is this backend's own delivery: it is journalled with
 * the VF and undone with it, so `create` does it and `deliver` reports
 * VP_GUEST_NETNS; a VF bound to vfio-pci is handed to a delivery path
 * like any other device.
 */
#include "backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vf_setup.h"

/* The VFs every sandbox claims, read once per prestart (the claims
 * index) and extended with each VF taken. */
struct claims {
	char **pcis;
	size_t n;
};

static bool sriov_owns(enum vp_res_kind kind)
{
	return kind == VP_RES_VF_CLAIM || kind == VP_RES_VF_CONFIG ||
	       kind == VP_RES_VFIO_BIND || kind == VP_RES_NETNS_MOVE;
}

/* The VF is chosen under the lock, in create: nothing to name before. */
static int sriov_plan(struct vp_backend_ctx *c, struct vp_entry *e,
		      struct vp_err *err)
{
	(void)c;
	e->plan = calloc(1, sizeof(struct vp_vf_plan));
	if (e->plan == NULL)
		return vp_err_set(err, ENOMEM, "prestart");
	return 0;
}

static int sriov_create(struct vp_backend_ctx *c, struct vp_entry *e,
			struct vp_err *err)
{
	struct claims *cl = c->scratch[VP_NET_SRIOV];

	if (cl == NULL) {
		cl = calloc(1, sizeof(*cl));
		if (cl == NULL)
			return vp_err_set(err, ENOMEM, "prestart");
		c->scratch[VP_NET_SRIOV] = cl;
		if (vp_record_claims(c->cfg->run_dir, &cl->pcis, &cl->n, err) <
		    0)
			return -1;
	}
	return vp_vf_setup(c, e, &cl->pcis, &cl->n, e->plan, err);
}

static void sriov_finish(struct vp_backend_ctx *c)
{
	struct claims *cl = c->scratch[VP_NET_SRIOV];

	if (cl == NULL)
		return;
	for (size_t i = 0; i < cl->n; i++)
		free(cl->pcis[i]);
	free(cl->pcis);
	free(cl);
}

static int sriov_deliver(const struct vp_backend_ctx *c,
			 const struct vp_entry *e, struct vp_guest_dev *dev,
			 struct vp_err *err)
{
	const struct vp_vf_plan *p = e->plan;

	(void)c;
	(void)err;
	*dev = (struct vp_guest_dev){.kind = VP_GUEST_NONE, .index = e->index};
	if (p->pci[0] == '\0')
		return 0;
	if (p->vfio) {
		dev->kind = VP_GUEST_VFIO;
		dev->pci = p->pci;
	} else {
		dev->kind = VP_GUEST_NETNS;
	}
	return 0;
}

/* Is the VF of r still held by a newer resource whose undo failed? */
static bool vf_still_held(const struct vp_backend_ctx *c,
			  const struct vp_resource *r)
{
	for (size_t k = 0; k < c->n_held; k++)
		if (sriov_owns(c->held[k].kind) && c->held[k].vf_pci != NULL &&
		    strcmp(c->held[k].vf_pci, r->vf_pci) == 0)
			return true;
	return false;
}

static int sriov_undo(struct vp_backend_ctx *c, const struct vp_resource *r,
		      struct vp_err *err)
{
	/* a VF whose restore failed stays claimed: handing it out again
	 * would give the next container a VF still configured or still in
	 * someone's namespace */
	if (r->kind == VP_RES_VF_CLAIM && vf_still_held(c, r)) {
		vp_log_warn("VF %s stays claimed until its restore succeeds",
			    r->vf_pci);
		return 1;
	}
	return vp_vf_undo(c, r, err);
}

/* The netns name a VF got in the container, from its netns-move entry. */
static const char *vf_ifname(const struct vp_record *rec, const char *vf_pci)
{
	for (size_t i = 0; i < rec->n_res; i++) {
		const struct vp_resource *r = &rec->res[i];

		if (r->kind == VP_RES_NETNS_MOVE && r->vf_pci != NULL &&
		    strcmp(r->vf_pci, vf_pci) == 0)
			return r->ns_ifname;
	}
	return NULL;
}

static const char *vf_pf(const struct vp_resource *r)
{
	if (r->pf != NULL && r->pf[0])
		return r->pf;
	if (r->pf_ifname != NULL && r->pf_ifname[0])
		return r->pf_ifname;
	return r->pf_pci ? r->pf_pci : "?";
}

/* The claim stands for the VF; its settings, binding and move are part
 * of it. */
static void sriov_describe(const struct vp_record *rec,
			   const struct vp_resource *r, struct vp_desc *d)
{
	if (r->kind != VP_RES_VF_CLAIM)
		return;
	d->type = "sriov";
	vp_desc_add(d, "vf_pci", "VF", r->vf_pci, NULL, false);
	vp_desc_add(d, "pf", "PF", vf_pf(r), NULL, false);
	/* a record's mode is checked when written, not when read back */
	vp_desc_add(d, "mode", "mode", r->mode, "?", true);
	vp_desc_add(d, "ifname", "ifname", vf_ifname(rec, r->vf_pci), NULL,
		    false);
	snprintf(d->summary, sizeof(d->summary), "VF %s (%s)", r->vf_pci,
		 r->mode ? r->mode : "?");
}

const struct vp_backend vp_backend_sriov = {
    .name = "sriov",
    .type = VP_NET_SRIOV,
    .needs = VP_FILTER_NETLINK | VP_FILTER_NETNS,
    .owns = sriov_owns,
    .plan = sriov_plan,
    .create = sriov_create,
    .deliver = sriov_deliver,
    .undo = sriov_undo,
    .describe = sriov_describe,
    .finish = sriov_finish,
};

/* vf_setup.h - what the SR-IOV backend does for an sriov network entry:
 * pick a free VF, journal it, configure it from the PF, and hand it over
 * (bound to vfio-pci for a VM, moved into the netns of a namespace
 * container); and undo each of those journal entries.  Reached only
 * through the backend's table (backend.c in this folder). */
#ifndef VP_VF_SETUP_H
#define VP_VF_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "sriov.h"

/* vfio or netns for this container (vnfplug.json(5), "mode"). */
enum vp_sriov_mode vp_vf_mode(const struct vp_sriov_net *s,
			      const struct vp_state *st, const char *proc_root);

/* What an entry got: its VF ("" until set up) and how it was handed over. */
struct vp_vf_plan {
	char pci[VP_PCI_ADDR_MAX];
	bool vfio; /* bound to vfio-pci; else moved into
		    * the container's netns */
};

/* Set up entry e (an sriov network) under the lock: the record is saved
 * with the claim before anything changes on the host.  `claims` is
 * extended with the VF taken. */
int vp_vf_setup(struct vp_backend_ctx *c, const struct vp_entry *e,
		char ***claims, size_t *n_claims, struct vp_vf_plan *out,
		struct vp_err *err);

/* Undo one VF journal entry. */
int vp_vf_undo(struct vp_backend_ctx *c, const struct vp_resource *r,
	       struct vp_err *err);

#endif

/* vf_setup.h - what prestart and poststop do for an sriov network entry:
 * pick a free VF, journal it, configure it from the PF, and hand it over
 * (vfio-pci for a VM, a netns move for a namespace container); and undo
 * each of those journal entries. */
#ifndef VP_VF_SETUP_H
#define VP_VF_SETUP_H

#include <stddef.h>

#include "argv.h"
#include "config.h"
#include "err.h"
#include "record.h"
#include "request.h"
#include "state.h"

/* vfio or netns for this container (vnfplug.json(5), "mode"). */
enum vp_sriov_mode vp_vf_mode(const struct vp_sriov_net *s,
			      const struct vp_state *st,
			      const char *proc_root);

/* Set up request entry `index` (an sriov network) under the lock: the
 * record is saved with the claim before anything changes on the host.
 * `claims` is extended with the VF taken; vfio mode appends the QEMU
 * device to `args`. */
int vp_vf_setup(const struct vp_config *cfg, const struct vp_state *st,
		const struct vp_request_item *it, unsigned index,
		struct vp_record *rec, char ***claims, size_t *n_claims,
		struct vp_argv *args, struct vp_err *err);

/* Undo one VF journal entry (release.c). */
int vp_vf_undo(const struct vp_config *cfg, const struct vp_record *rec,
	       const struct vp_resource *r, struct vp_err *err);

#endif

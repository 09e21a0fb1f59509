/* sriov.h - SR-IOV discovery through sysfs, under a root prefix.
 *
 * A PF is named in the config by netdev name (<root>/class/net/<name>/device)
 * or PCI address (<root>/bus/pci/devices/<addr>).  Its VFs are the
 * virtfn<N> links (N < sriov_numvfs); each VF's PCI address is the link's
 * basename, its netdev the entry under <vf>/net/, its driver the basename of
 * <vf>/driver, its IOMMU group the basename of <vf>/iommu_group.  Every path
 * starts at the configured sysfs root so unit tests run on fixture trees.
 */
#ifndef VP_SRIOV_H
#define VP_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VP_PCI_ADDR_MAX 16   /* "dddd:bb:dd.f" + NUL, rounded up */

struct vp_vf {
	unsigned index;               /* N of virtfnN */
	char pci[VP_PCI_ADDR_MAX];
	char netdev[16];              /* "" when it has none (vfio, nvme) */
	char driver[64];              /* "" when unbound */
	char driver_override[64];     /* "" when not set */
	int iommu_group;              /* -1 when none */
};

struct vp_pf {
	char pci[VP_PCI_ADDR_MAX];
	char name[16];                /* PF netdev, "" when it has none */
	uint16_t vendor, device;      /* of the VFs (first VF), 0 if none */
	unsigned numvfs, totalvfs;
	struct vp_vf *vfs;            /* only the VFs whose link resolved */
	size_t n_vfs;
	unsigned n_dangling;          /* virtfn links that lead nowhere */
};

/* Resolve and enumerate a PF.  Errors name the PF: "PF `ens785f0`: no such
 * network device", "PF `0000:3b:00.1`: not SR-IOV capable (no
 * sriov_numvfs)".  A PF with sriov_numvfs 0 is not an error here (n_vfs 0);
 * the allocator reports it. */
int vp_sriov_pf_load(const char *sysfs_root, const char *pf, struct vp_pf *out,
		     struct vp_err *err);
void vp_sriov_pf_free(struct vp_pf *pf);

/* Re-read one VF's netdev, driver and driver_override by PCI address
 * (<root>/bus/pci/devices/<pci>); used after moves and rebinds. */
int vp_sriov_vf_refresh(const char *sysfs_root, struct vp_vf *vf,
			struct vp_err *err);

/* For vfio: every other device in the VF's IOMMU group must be a VF
 * (has physfn), a PCI bridge (class 0x0604) or already bound to vfio-pci.
 * Otherwise: "VF 0000:3b:02.0: IOMMU group 42 also holds 0000:3b:00.0
 * (driver ixgbe), which is not on vfio-pci". */
int vp_sriov_iommu_group_check(const char *sysfs_root, const struct vp_vf *vf,
			       struct vp_err *err);

/* Why a VF can not be handed out even though no record claims it, or NULL:
 * "bound to vfio-pci by someone else", "netdev is up". */
const char *vp_sriov_vf_busy_reason(const struct vp_vf *vf);

#endif

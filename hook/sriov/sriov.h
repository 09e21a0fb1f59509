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

#define VP_PCI_ADDR_MAX 16 /* "dddd:bb:dd.f" + NUL, rounded up */

struct vp_vf {
	unsigned index; /* N of virtfnN */
	char pci[VP_PCI_ADDR_MAX];
	char netdev[16];	  /* "" when it has none (vfio, nvme) */
	char driver[64];	  /* "" when unbound */
	char driver_override[64]; /* "" when not set */
	int iommu_group;	  /* -1 when none */
	bool skipped;		  /* listed only (vp_sriov_pf_list): index
				   * and pci, nothing else, were read */
};

struct vp_pf {
	char pci[VP_PCI_ADDR_MAX];
	char name[16];		 /* PF netdev, "" when it has none */
	uint16_t vendor, device; /* of the VFs (first VF), 0 if none */
	unsigned numvfs, totalvfs;
	struct vp_vf *vfs; /* only the VFs whose link resolved */
	size_t n_vfs;
	unsigned n_dangling; /* virtfn links that lead nowhere */
};

/* Resolve and enumerate a PF.  Errors name the PF: "PF `ens785f0`: no such
 * network device", "PF `0000:3b:00.1`: not SR-IOV capable (no
 * sriov_numvfs)".  A PF with sriov_numvfs 0 is not an error here (n_vfs 0);
 * the allocator reports it.  A virtfn link that is missing or leads nowhere
 * is skipped and counted in n_dangling (the caller logs it).  A value read
 * from sysfs that fails its allowlist (a link target that is not a PCI
 * address, a netdev name that is not an interface name, a driver name with
 * other characters, a malformed number or id) fails the whole load with an
 * error naming it (printable); it is never used in a path.  *out is only
 * written on success. */
int vp_sriov_pf_load(const char *sysfs_root, const char *pf, struct vp_pf *out,
		     struct vp_err *err);
/* Only the PF and its VFs' indexes and addresses (every VF `skipped`, no
 * vendor/device): the allocator then reads VFs one by one
 * (vp_sriov_vf_refresh) until one is free. */
int vp_sriov_pf_list(const char *sysfs_root, const char *pf, struct vp_pf *out,
		     struct vp_err *err);
/* Vendor and device of one function. */
int vp_sriov_vf_ids(const char *sysfs_root, const char *pci, uint16_t *vendor,
		    uint16_t *device, struct vp_err *err);
void vp_sriov_pf_free(struct vp_pf *pf);

/* Re-read one VF's netdev, driver, driver_override and IOMMU group by PCI
 * address (<root>/bus/pci/devices/<pci>); used after moves and rebinds.
 * A VF that no longer exists: errnum ENOENT.  *vf is unchanged on error. */
int vp_sriov_vf_refresh(const char *sysfs_root, struct vp_vf *vf,
			struct vp_err *err);

/* For vfio: the group is usable by QEMU only when every other device in it
 * is one the kernel's vfio viability check accepts: a PCI bridge (class
 * 0x0604xx), a device on vfio-pci or pci-stub, or a device with no driver.
 * A VF (has physfn) is held to the same rule: another VF of the group still
 * bound to its host driver (ixgbevf) makes the group unusable, so it is
 * reported here rather than by QEMU later.  Every offender is named:
 * "VF 0000:3b:02.0: IOMMU group 42 also holds 0000:3b:00.0 (driver ixgbe),
 * which is not on vfio-pci" ("..., which are not on vfio-pci" for several).
 * A VF without a group: "VF ...: no IOMMU group (is the IOMMU enabled?)". */
int vp_sriov_iommu_group_check(const char *sysfs_root, const struct vp_vf *vf,
			       struct vp_err *err);

/* Why a VF can not be handed out even though no record claims it, or NULL.
 * The caller has already checked the records; the one rule here:
 *  - driver vfio-pci: "bound to vfio-pci outside vnfplug" (someone else's
 *    VM or DPDK application may own it).
 * Not busy: a VF with driver_override set but no driver (a stale override
 * left by a crash: vp_vfio_bind overwrites it, vp_vfio_restore clears it),
 * and a VF on any other driver (its netdev state is not read here). */
const char *vp_sriov_vf_busy_reason(const struct vp_vf *vf);

/* The driver a PCI device is bound to, by basename of
 * <root>/bus/pci/devices/<pci>/driver: "" when unbound.  A device that does
 * not exist is an error with errnum ENOENT. */
int vp_sriov_dev_driver(const char *sysfs_root, const char *pci, char *out,
			size_t size, struct vp_err *err);

/* Driver names as they may appear in paths and records:
 * [A-Za-z0-9_.-]{1,63}, not "." or "..". */
bool vp_valid_driver_name(const char *s);

#endif

/* tu_sysfs.h - fake sysfs trees for SR-IOV tests, built by
 * tests/fixtures/mksysfs.sh (the one implementation of the layout; its
 * header documents the commands and the tree), and the script's simulated
 * kernel run as a child process so vfio binds and restores complete.
 *
 *	char *root = tu_mkdtemp();
 *	tu_sysfs_pf(root, "ens785f0", "0000:3b:00.0", "ixgbe", 4, "ixgbevf",
 *40); tu_sysfs_build(root, "override %s vfio-pci", "0000:3b:10.2"); pid_t k =
 *tu_sysfs_kernel_start(root);
 *	... vp_vfio_bind(root, ...) ...
 *	tu_sysfs_kernel_stop(k);
 *
 * Failures abort the test program (a broken fixture is not a test result).
 */
#ifndef VP_TU_SYSFS_H
#define VP_TU_SYSFS_H

#include <sys/types.h>

/* Path of mksysfs.sh: $VP_MKSYSFS, else found from the test binary's
 * location (<repo>/<build dir>/tests/test_x), else relative to the cwd. */
const char *tu_sysfs_script(void);

/* Run `mksysfs.sh ROOT <args>`; args is a printf format whose result is
 * split into words by the shell (quote names with spaces yourself). */
void tu_sysfs_build(const char *root, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A PF and its VFs.  layout follows driver: "i40e" places VFs at 02.0
 * upward, anything else as ixgbe (10.0, 10.2, ...).  vf_driver NULL or "-":
 * unbound VFs without netdevs.  first_group: the PF's IOMMU group, VF n's is
 * first_group + 1 + n. */
void tu_sysfs_pf(const char *root, const char *name, const char *pci,
		 const char *driver, unsigned nvfs, const char *vf_driver,
		 int first_group);

/* malloc'ed "<root>/bus/pci/devices/<pci>/<rel>" (rel may be ""). */
char *tu_sysfs_path(const char *root, const char *pci, const char *rel);

/* Basename of <root>/bus/pci/devices/<pci>/driver into a static buffer,
 * "" when unbound. */
const char *tu_sysfs_driver(const char *root, const char *pci);

/* Start / stop the simulated kernel (`mksysfs.sh ROOT kernel`). */
pid_t tu_sysfs_kernel_start(const char *root);
void tu_sysfs_kernel_stop(pid_t pid);

#endif

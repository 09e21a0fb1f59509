/* vfio.h - moving a PCI function to vfio-pci and back through sysfs
 * (docs/architecture.md §7.3): write "vfio-pci" to <dev>/driver_override,
 * unbind the current driver, write the address to <root>/bus/pci/drivers_probe,
 * check <dev>/driver is vfio-pci.  Restore: clear driver_override, unbind
 * from vfio-pci, drivers_probe, check the original driver is back.  Each
 * step's result is polled with a bound (driver binding is asynchronous on
 * some kernels). */
#ifndef VP_VFIO_H
#define VP_VFIO_H

#include <stddef.h>

#include "err.h"

/* orig_driver receives the driver it was bound to ("" if none; "vfio-pci"
 * if it already was, and then nothing but the override is written).  Any
 * stale driver_override is overwritten.  Refused before any write: vfio-pci
 * not loaded ("<pci>: the vfio-pci driver is not loaded ..."), a device
 * that does not exist (errnum ENOENT).  Timeout: "0000:3b:02.0 did not bind
 * to vfio-pci within 200 ms (driver: ixgbevf)".  On failure the override is
 * cleared and the device re-probed, without waiting.  A write that fails:
 * "write `vfio-pci` to `<path>`: <strerror>". */
int vp_vfio_bind(const char *sysfs_root, const char *pci, char *orig_driver,
		 size_t orig_size, unsigned timeout_ms, struct vp_err *err);
/* Idempotent: a device already back on orig_driver (or unbound when
 * orig_driver is "") with no override is success, and so is a device that
 * no longer exists (nothing is left to restore).  orig_driver "" leaves
 * the device unbound (no probe that could pick a driver it never had).
 * Timeout: "<pci> did not return to ixgbevf within N ms (driver: ...)". */
int vp_vfio_restore(const char *sysfs_root, const char *pci,
		    const char *orig_driver, unsigned timeout_ms,
		    struct vp_err *err);

#endif

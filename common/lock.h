/* lock.h - the allocation lock.
 *
 * One lock file, <run_dir>/lock, held with flock(2) for every
 * load-modify-save of records and every resource creation or removal.
 * run_dir is created and checked by vp_dir_open (fileio.h), and the lock
 * must be a regular file of root's.
 * The kernel drops it when the holder dies, so a killed hook never wedges
 * the host.  Waiting is bounded: after `timeout_ms` the error is
 * "vnfplug is busy: lock `...` held by another hook for 10000 ms" (EBUSY).
 */
#ifndef VP_LOCK_H
#define VP_LOCK_H

#include "err.h"

/* Returns the locked fd (>= 0); close it to unlock. */
int vp_lock_acquire(const char *run_dir, unsigned timeout_ms,
		    struct vp_err *err);
void vp_lock_release(int fd);

#endif

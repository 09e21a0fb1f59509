/* gc.h - `vnfplug-hook gc`: release sandboxes whose poststop never ran.
 *
 * OCI poststop hooks may never run (runtime crash, SIGKILL, reboot into a
 * persistent run_dir).  gc walks <run_dir>/sandboxes and releases each
 * sandbox whose owner and VM are both gone (liveness.h), one sandbox per
 * lock hold so a prestart waiting for the lock waits for one release at
 * most.  Holding the lock means no prestart is half-way: a record gc sees
 * is complete or was left by a hook that died.  Records younger than
 * min_age are left alone: with cc-runtime the owner in the state exits
 * before QEMU (and so vm.json) exists.
 */
#ifndef VP_GC_H
#define VP_GC_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "err.h"

#define VP_GC_DEFAULT_MIN_AGE 60 /* seconds */

struct vp_gc_opts {
	bool dry_run;	   /* report, change nothing */
	long long min_age; /* seconds */
	long long now;	   /* unix seconds; 0 = time(NULL) */
	FILE *out;	   /* one line per action; NULL = none */
	bool verbose;	   /* also a line per sandbox kept */
};

struct vp_gc_result {
	unsigned kept;	   /* alive, young, or undecidable */
	unsigned released; /* undone and removed (or would be) */
	unsigned removed;  /* corrupt or record-less dirs removed */
	unsigned failed;   /* could not be released: see stderr */
};

/* Fails only when the sandbox list can not be read; a sandbox that can not
 * be released is logged, counted in res->failed and keeps what is left in
 * its record for the next run. */
int vp_gc(const struct vp_config *cfg, const struct vp_gc_opts *o,
	  struct vp_gc_result *res, struct vp_err *err);

#endif

/* release.h - undo a sandbox's resources from its record, newest first,
 * each through the backend or delivery path that owns its kind.
 *
 * Each undo is idempotent ("pending" may or may not exist; --if-exists,
 * ENOENT is success), so a release can be repeated after any crash.
 * Callers hold the run_dir lock.
 */
#ifndef VP_RELEASE_H
#define VP_RELEASE_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "record.h"

/* Undo the record's resources in reverse order.  Each one undone is
 * dropped from rec; on failure rec keeps what is left, so the caller can
 * save it for a later poststop or gc. */
int vp_release(const struct vp_config *cfg, struct vp_record *rec,
	       struct vp_err *err);

struct vp_release_opts {
	long long end; /* vp_now_ms() deadline, 0 for none: each undo
			* gets what is left (capped by timeout_ms); past
			* it the rest stays in rec and the call fails */
	char *left;    /* if set: the ports left alone because they are
			* not this sandbox's ("port X, port Y") */
	size_t left_size;
};
int vp_release_opt(const struct vp_config *cfg, struct vp_record *rec,
		   const struct vp_release_opts *opts, struct vp_err *err);

/* Release rec (opts may be NULL), then remove the sandbox's directory; if
 * something could not be released, save what is left in rec instead, for
 * a later poststop or gc (a failed save is logged: the release's error is
 * the one returned). */
int vp_release_or_save(const struct vp_config *cfg, struct vp_record *rec,
		       const struct vp_release_opts *opts, struct vp_err *err);

#endif

/* release.c - undo a sandbox's resources from its record (release.h).
 *
 * Every resource kind is one backend's (backend.h) or one delivery
 * path's (delivery.h): the undo is theirs; the order, the deadline and
 * what stays journalled are decided here. */
#include "release.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "delivery.h"
#include "log.h"

int vp_release(const struct vp_config *cfg, struct vp_record *rec,
	       struct vp_err *err)
{
	return vp_release_opt(cfg, rec, NULL, err);
}

static int undo(struct vp_backend_ctx *c, size_t i, struct vp_err *err)
{
	const struct vp_resource *r = &c->rec->res[i];
	const struct vp_backend *be = vp_backend_of(r->kind);
	const struct vp_delivery *dv = vp_delivery_of(r->kind);

	if (be != NULL)
		return be->undo(c, r, err);
	if (dv != NULL)
		return dv->undo(c, r, err);
	return vp_err_set(err, ENOTSUP,
			  "resource %zu: this build can not undo its kind", i);
}

int vp_release_opt(const struct vp_config *cfg, struct vp_record *rec,
		   const struct vp_release_opts *opts, struct vp_err *err)
{
	struct vp_backend_ctx c = {.cfg = cfg,
				   .sandbox = rec->sandbox,
				   .rec = rec,
				   .end = opts != NULL ? opts->end : 0,
				   .timeout_ms = cfg->timeout_ms};
	struct vp_err e1;
	int failed = 0;
	size_t keep = rec->n_res;

	if (opts != NULL && opts->left != NULL && opts->left_size > 0) {
		c.left = opts->left;
		c.left_size = opts->left_size;
		c.left[0] = '\0';
	}
	/* newest first; failures stay in place for a later retry */
	for (size_t i = rec->n_res; i-- > 0;) {
		struct vp_resource *r = &rec->res[i];
		int rc;

		vp_err_clear(&e1);
		/* within a deadline each undo gets what is left of it, capped
		 * by its own bound; past it the rest stays journalled */
		if (c.end != 0) {
			long long left = c.end - vp_now_ms();

			if (left <= 0) {
				vp_err_set(&e1, ETIMEDOUT,
					   "deadline passed with %zu "
					   "resource(s) still to release",
					   i + 1);
				if (!failed)
					*err = e1;
				else
					vp_log_err(VP_LOG_WARN, &e1);
				failed += (int)i + 1;
				break;
			}
			c.timeout_ms = left < cfg->timeout_ms ? (unsigned)left
							      : cfg->timeout_ms;
		}
		/* the newer ones still journalled: their undo failed */
		c.held = r + 1;
		c.n_held = keep - i - 1;
		rc = undo(&c, i, &e1);
		if (rc > 0)
			continue; /* left journalled on purpose */
		if (rc < 0) {
			if (!failed)
				*err = e1;
			else
				vp_log_err(VP_LOG_WARN, &e1);
			failed++;
			continue;
		}
		vp_fault_point("released-one");
		/* drop it: move it past the end and shrink */
		struct vp_resource gone = *r;
		memmove(r, r + 1, (keep - i - 1) * sizeof(*r));
		rec->res[keep - 1] = gone;
		keep--;
	}
	vp_backends_finish(&c);
	/* free the dropped tail */
	for (size_t i = keep; i < rec->n_res; i++)
		vp_resource_free(&rec->res[i]);
	rec->n_res = keep;
	if (failed)
		return vp_err_wrap(err, "%d resource(s) could not be released",
				   failed);
	return 0;
}

int vp_release_or_save(const struct vp_config *cfg, struct vp_record *rec,
		       const struct vp_release_opts *opts, struct vp_err *err)
{
	if (vp_release_opt(cfg, rec, opts, err) < 0) {
		struct vp_err e2;

		if (vp_record_save(cfg->run_dir, rec, &e2) < 0)
			vp_log_err(VP_LOG_ERROR, &e2);
		return -1;
	}
	return vp_record_remove(cfg->run_dir, rec->sandbox, err);
}

/* stages.h - the OCI hook's stages: prestart (createRuntime) and poststop.
 *
 * vp_hook_run() is everything vnfplug-hook's main does after parsing its
 * arguments: read the state, find the request, and set up or release the
 * sandbox's devices.  A container without a request returns at once,
 * before any config read, lock or record.
 */
#ifndef VP_STAGES_H
#define VP_STAGES_H

#include <stdbool.h>

#include "config.h"
#include "err.h"
#include "record.h"
#include "request.h"
#include "state.h"

enum vp_stage {
	VP_STAGE_PRESTART, /* also OCI createRuntime */
	VP_STAGE_POSTSTOP,
	VP_STAGE_AUTO, /* from the state's status (hooks.d) */
};

/* "prestart", "createRuntime", "poststop", "auto"; <0 for anything else. */
int vp_stage_parse(const char *s, enum vp_stage *stage);

struct vp_hook_opts {
	const char *config_path;
	enum vp_stage stage;
	int state_fd; /* where the OCI state is read from */
	bool seccomp; /* install the filter (off: --no-seccomp) */
};

int vp_hook_run(const struct vp_hook_opts *o, struct vp_err *err);

/* The stages on parsed input (exposed for tests and for gc). */
int vp_prestart(const struct vp_config *cfg, const struct vp_state *st,
		const char *sandbox, const char *annotation,
		struct vp_err *err);
int vp_poststop(const struct vp_config *cfg, const struct vp_state *st,
		const char *sandbox, struct vp_err *err);

/* The syscall filter's groups (seccomp_policy.h) a parsed request, or a
 * record's resources, need: what prestart and poststop restrict to. */
unsigned vp_stage_needs_request(const struct vp_request *req);
unsigned vp_stage_needs_record(const struct vp_record *rec);

#endif

/* state.h - the OCI state a runtime gives a hook on stdin (DESIGN §4).
 *
 * Every field is optional because runtimes differ: cc-runtime passes only
 * {"pid"}, Kata 1.x no annotations, runc/crun/podman the full state.
 * vp_state_complete() fills what is missing from the bundle's config.json
 * (opened without following symlinks) and, for cc-runtime, from the runtime's
 * /proc/<pid>/cmdline.
 */
#ifndef VP_STATE_H
#define VP_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Bound on <bundle>/config.json (large seccomp profiles make it big). */
#define VP_BUNDLE_CONFIG_MAX (4 * 1024 * 1024)

struct vp_kv {
	char *key;
	char *value;
};

struct vp_state {
	char *oci_version;
	char *id;
	char *status;
	char *bundle;
	int pid;                 /* 0 when absent */
	bool has_annotations;    /* the state carried an "annotations" object */
	struct vp_kv *annotations;
	size_t n_annotations;
};

/* Parse the state document.  Wrong types for known fields are errors
 * naming the field ("pid: must be an integer, got string"; the caller adds
 * where the state came from); JSON null counts as absent; unknown
 * top-level fields are ignored (runtimes add their own). */
int vp_state_parse(const char *buf, size_t len, struct vp_state *st,
		   struct vp_err *err);
/* Fill bundle/id from /proc/<pid>/cmdline when missing (cc-runtime), then
 * annotations from <bundle>/config.json when the state had none. */
int vp_state_complete(struct vp_state *st, const char *proc_root,
		      struct vp_err *err);
void vp_state_free(struct vp_state *st);
static inline void vp_state_freep(struct vp_state *p)
{
	vp_state_free(p);
}
#define _cleanup_state_ __attribute__((cleanup(vp_state_freep)))

/* Value of an annotation, NULL when absent. */
const char *vp_state_annotation(const struct vp_state *st, const char *key);

/* The id resources are keyed by: the first of the CRI sandbox-id
 * annotations (io.kubernetes.cri.sandbox-id, io.kubernetes.cri-o.SandboxID,
 * io.kubernetes.sandbox.id), else the container id.  Must pass
 * vp_valid_sandbox_id(). */
int vp_state_sandbox_id(const struct vp_state *st, const char **out,
			struct vp_err *err);
/* True when this container is the one whose stop ends the sandbox: it has
 * no container-type annotation, or the type is "sandbox"/"podsandbox", or
 * its id equals the sandbox id. */
bool vp_state_is_sandbox_owner(const struct vp_state *st);

/* The network namespace path of the bundle's config.json
 * (linux.namespaces, type "network"), when the runtime was given one: a
 * namespace pinned by a file outlives the container's processes.  *path is
 * NULL when there is none or it fails the path allowlist. */
int vp_state_netns_path(const struct vp_state *st, char **path,
			struct vp_err *err);

#endif

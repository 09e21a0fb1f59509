/* state.h - the OCI state on a hook's stdin (docs/architecture.md §10).
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
	int pid;	      /* 0 when absent */
	bool has_annotations; /* the state carried an "annotations" object */
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

/* Which container runtime names the sandbox.  Each runtime's annotations
 * are read as one pair, sandbox id and container type, never mixed:
 *   CRI-O       io.kubernetes.cri-o.SandboxID,
 * io.kubernetes.cri-o.ContainerType containerd  io.kubernetes.cri.sandbox-id,
 * io.kubernetes.cri.container-type Docker      io.kubernetes.sandbox.id,
 * io.kubernetes.docker.type A runtime sets its own pair on every container,
 * over any pod annotation of the same name; a pod may still add another
 * runtime's pair (CRI-O copies every pod annotation, containerd what
 * pod_annotations lets through).  So when pairs of two runtimes are present
 * they must agree. */
struct vp_sandbox_ref {
	const char *id;	     /* the sandbox id; points into the state */
	const char *key;     /* the annotation it came from, NULL: the
			      * container id */
	const char *runtime; /* "CRI-O", "containerd", "Docker"; NULL when no
			      * runtime's keys are present */
	const char *type;    /* that runtime's container type, NULL if absent */
};

/* The sandbox of the state's container: the id of the runtime's pair (see
 * above), else the container id.  Fails when the state has no container
 * id, when two runtimes' pairs disagree, or when the id fails
 * vp_valid_sandbox_id(). */
int vp_state_sandbox(const struct vp_state *st, struct vp_sandbox_ref *ref,
		     struct vp_err *err);
/* vp_state_sandbox(), the id alone. */
int vp_state_sandbox_id(const struct vp_state *st, const char **out,
			struct vp_err *err);

/* Is the state's container the owner a sandbox's record names: the same
 * container id (`owner`) and, when the state gives the recorded pid
 * `owner_pid`, still the process that had start time `owner_start`?
 * A different pid says nothing: cc-runtime and Kata give the pid of the
 * runtime's own process or thread, a new one at each stage.  Annotations
 * play no part: a plain runc or podman container writes all of its own,
 * so its sandbox id is only a grouping hint.  When false, why[size] says
 * why (untrusted text made printable). */
bool vp_state_is_owner(const struct vp_state *st, const char *proc_root,
		       const char *owner, int owner_pid,
		       unsigned long long owner_start, char *why, size_t size);

/* The network namespace path of the bundle's config.json
 * (linux.namespaces, type "network"), when the runtime was given one: a
 * namespace pinned by a file outlives the container's processes.  *path is
 * NULL when there is none or it fails the path allowlist. */
int vp_state_netns_path(const struct vp_state *st, char **path,
			struct vp_err *err);

#endif

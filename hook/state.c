/* state.c - the OCI state on a hook's stdin, completed from the bundle and
 * the runtime's command line (see state.h, docs/architecture.md §10).
 *
 * cc-runtime passes only {"pid": <runtime pid>}; the bundle and the
 * container id are then recovered from /proc/<pid>/cmdline, which has the
 * runc-style shape `cc-runtime [global flags] create --bundle B [flags] ID`.
 * Older Kata passes no annotations; they come from <bundle>/config.json,
 * opened without following a symlink.
 */
#include "state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "proc.h"
#include "validate.h"

#define CMDLINE_MAX (128 * 1024)
/* How much of a path from the runtime (the bundle) a message shows. */
#define PATH_SHOWN 160

/* Each runtime's own pair of keys (state.h). */
static const struct runtime_keys {
	const char *name;
	const char *id_key;
	const char *type_key;
} runtimes[] = {
    {"containerd", "io.kubernetes.cri.sandbox-id",
     "io.kubernetes.cri.container-type"},
    {"CRI-O", "io.kubernetes.cri-o.SandboxID",
     "io.kubernetes.cri-o.ContainerType"},
    {"Docker", "io.kubernetes.sandbox.id", "io.kubernetes.docker.type"},
};
#define N_RUNTIMES (sizeof(runtimes) / sizeof(runtimes[0]))

/* Flags of runc-style runtimes (urfave/cli) that take a value, so that
 * the value is not mistaken for the container id.  Booleans need not be
 * listed: they never consume the next argument. */
static const char *const value_flags[] = {
    "root",	    "log",	"log-format",
    "criu",	    "bundle",	"b",
    "pid-file",	    "console",	"console-socket",
    "preserve-fds", "rootless", "config",
    "kata-config",  NULL,
};

static void free_kvs(struct vp_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

/* An "annotations" object: every value must be a string.  `where`, when
 * not NULL, prefixes messages ("config.json"). */
static int parse_annotations(const struct vp_json *v, const char *where,
			     struct vp_kv **out, size_t *n_out,
			     struct vp_err *err)
{
	struct vp_kv *kv;
	char path[128], buf[VP_PRINTABLE_MAX];

	snprintf(path, sizeof(path), "%s%sannotations", where ? where : "",
		 where ? ": " : "");
	if (vp_json_expect(v, VP_JSON_OBJECT, path, err) < 0)
		return -1;
	kv = calloc(v->u.obj.n ? v->u.obj.n : 1, sizeof(*kv));
	if (kv == NULL)
		return vp_err_set(err, ENOMEM, "%s", path);
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct vp_json *val = v->u.obj.vals[i];

		if (val->type != VP_JSON_STRING) {
			vp_err_set(
			    err, 0, "%s.%s: must be a string, got %s", path,
			    vp_printable(v->u.obj.keys[i], buf, sizeof(buf)),
			    vp_json_type_name(val->type));
			free_kvs(kv, i);
			return -1;
		}
		kv[i].key = strdup(v->u.obj.keys[i]);
		kv[i].value = strdup(val->u.str.s);
		if (kv[i].key == NULL || kv[i].value == NULL) {
			free_kvs(kv, i + 1);
			return vp_err_set(err, ENOMEM, "%s", path);
		}
	}
	*out = kv;
	*n_out = v->u.obj.n;
	return 0;
}

static int parse_doc(const struct vp_json *doc, struct vp_state *st,
		     struct vp_err *err)
{
	/* JSON null counts as absent */
	const unsigned opt = VP_JSON_NULL_ABSENT;
	const struct vp_json *v;
	long long pid;
	int rc;

	if (doc->type != VP_JSON_OBJECT)
		return vp_err_set(err, 0, "must be a JSON object, got %s",
				  vp_json_type_name(doc->type));
	if (vp_json_member_strdup(doc, NULL, "ociVersion", opt,
				  &st->oci_version, err) < 0 ||
	    vp_json_member_strdup(doc, NULL, "id", opt, &st->id, err) < 0 ||
	    vp_json_member_strdup(doc, NULL, "status", opt, &st->status, err) <
		0 ||
	    vp_json_member_strdup(doc, NULL, "bundle", opt, &st->bundle, err) <
		0)
		return -1;
	rc = vp_json_member_int(doc, NULL, "pid", opt, 0, INT_MAX, &pid, err);
	if (rc < 0)
		return -1;
	if (rc > 0)
		st->pid = (int)pid;
	v = vp_json_get(doc, "annotations");
	if (v != NULL && v->type != VP_JSON_NULL) {
		if (parse_annotations(v, NULL, &st->annotations,
				      &st->n_annotations, err) < 0)
			return -1;
		st->has_annotations = true;
	}
	return 0;
}

int vp_state_parse(const char *buf, size_t len, struct vp_state *st,
		   struct vp_err *err)
{
	_cleanup_json_ struct vp_json *doc = NULL;

	memset(st, 0, sizeof(*st));
	if (vp_json_parse(buf, len, &doc, err) < 0)
		return -1;
	if (parse_doc(doc, st, err) < 0) {
		vp_state_free(st);
		return -1;
	}
	return 0;
}

static bool is_value_flag(const char *name, size_t len)
{
	for (size_t i = 0; value_flags[i] != NULL; i++) {
		if (strlen(value_flags[i]) == len &&
		    strncmp(value_flags[i], name, len) == 0)
			return true;
	}
	return false;
}

/* Walk a runc-style argv: return the --bundle/-b value and the last
 * positional argument (the container id, after the subcommand).  Pointers
 * are into argv. */
static void scan_argv(char **argv, size_t argc, const char **bundle,
		      const char **id)
{
	size_t positional = 0;
	bool only_args = false;

	*bundle = NULL;
	*id = NULL;
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq;
		size_t nlen;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			if (++positional >= 2)
				*id = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = true;
			continue;
		}
		/* Go's flag packages accept -name and --name alike */
		name = a + (a[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		nlen = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if (!is_value_flag(name, nlen))
			continue;
		{
			const char *val =
			    eq != NULL ? eq + 1
				       : (i + 1 < argc ? argv[++i] : NULL);
			bool is_bundle =
			    (nlen == 6 && strncmp(name, "bundle", 6) == 0) ||
			    (nlen == 1 && name[0] == 'b');

			if (is_bundle && val != NULL)
				*bundle = val;
		}
	}
}

/* The runtime's cwd: runc-style runtimes take the bundle relative to it
 * and default to it. */
static char *runtime_cwd(const char *proc_root, int pid, struct vp_err *err)
{
	_cleanup_free_ char *link = vp_asprintf("%s/%d/cwd", proc_root, pid);
	char target[PATH_MAX];
	ssize_t n;

	if (link == NULL) {
		vp_err_set(err, ENOMEM, "cwd of pid %d", pid);
		return NULL;
	}
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		vp_err_set(err, errno, "readlink `%s`", link);
		return NULL;
	}
	target[n] = '\0';
	if (target[0] != '/') {
		vp_err_set(err, 0, "`%s` is not an absolute path", link);
		return NULL;
	}
	return strdup(target);
}

static int complete_from_cmdline(struct vp_state *st, const char *proc_root,
				 struct vp_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **argv = NULL;
	const char *bundle, *id;
	size_t argc = 0;

	path = vp_asprintf("%s/%d/cmdline", proc_root, st->pid);
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "cmdline of pid %d", st->pid);
	if (vp_proc_cmdline(proc_root, st->pid, CMDLINE_MAX, &buf, &argv, &argc,
			    err) < 0)
		return vp_err_wrap(err, "runtime command line");
	scan_argv(argv, argc, &bundle, &id);

	if (st->id == NULL) {
		if (id == NULL)
			return vp_err_set(err, 0,
					  "runtime command line `%s` names no "
					  "container id",
					  path);
		st->id = strdup(id);
		if (st->id == NULL)
			return vp_err_set(err, ENOMEM, "%s", path);
	}
	if (st->bundle == NULL) {
		if (bundle != NULL && bundle[0] == '/') {
			st->bundle = strdup(bundle);
		} else {
			_cleanup_free_ char *cwd =
			    runtime_cwd(proc_root, st->pid, err);

			if (cwd == NULL)
				return vp_err_wrap(err, "bundle of pid %d",
						   st->pid);
			st->bundle = bundle == NULL
					 ? vp_steal_ptr(&cwd)
					 : vp_asprintf("%s/%s", cwd, bundle);
		}
		if (st->bundle == NULL)
			return vp_err_set(err, ENOMEM, "%s", path);
	}
	return 0;
}

static int complete_from_bundle(struct vp_state *st, struct vp_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct vp_json *doc = NULL;
	const struct vp_json *v;
	char shown[PATH_SHOWN];
	size_t len;

	path = vp_asprintf("%s/config.json", st->bundle);
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "bundle config");
	if (vp_read_file(path, VP_BUNDLE_CONFIG_MAX, &buf, &len, err) < 0) {
		if (err != NULL && err->errnum == ENOENT) {
			vp_err_clear(err);
			return 0; /* no config.json, no annotations */
		}
		return vp_err_wrap(err, "bundle config");
	}
	if (vp_json_parse(buf, len, &doc, err) < 0)
		return vp_err_wrap(err, "bundle config `%s`",
				   vp_printable(path, shown, sizeof(shown)));
	if (doc->type != VP_JSON_OBJECT)
		return vp_err_set(err, 0,
				  "bundle config `%s`: must be a JSON object, "
				  "got %s",
				  vp_printable(path, shown, sizeof(shown)),
				  vp_json_type_name(doc->type));
	v = vp_json_get(doc, "annotations");
	if (v == NULL || v->type == VP_JSON_NULL)
		return 0;
	if (parse_annotations(v, "config.json", &st->annotations,
			      &st->n_annotations, err) < 0)
		return vp_err_wrap(
		    err, "bundle `%s`",
		    vp_printable(st->bundle, shown, sizeof(shown)));
	return 0;
}

int vp_state_complete(struct vp_state *st, const char *proc_root,
		      struct vp_err *err)
{
	char buf[VP_PRINTABLE_MAX];

	if ((st->bundle == NULL || st->id == NULL) && st->pid > 0) {
		if (proc_root == NULL)
			proc_root = "/proc";
		if (complete_from_cmdline(st, proc_root, err) < 0)
			return vp_err_wrap(err, "OCI state lacks bundle or id");
	}
	if (st->bundle == NULL)
		return 0;
	if (st->bundle[0] != '/')
		return vp_err_set(err, 0, "bundle `%s` is not an absolute path",
				  vp_printable(st->bundle, buf, sizeof(buf)));
	if (strlen(st->bundle) + sizeof("/config.json") > PATH_MAX)
		return vp_err_set(err, 0, "bundle path is too long");
	if (!st->has_annotations && st->n_annotations == 0)
		return complete_from_bundle(st, err);
	return 0;
}

void vp_state_free(struct vp_state *st)
{
	if (st == NULL)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->status);
	free(st->bundle);
	free_kvs(st->annotations, st->n_annotations);
	memset(st, 0, sizeof(*st));
}

const char *vp_state_annotation(const struct vp_state *st, const char *key)
{
	for (size_t i = 0; i < st->n_annotations; i++) {
		if (strcmp(st->annotations[i].key, key) == 0)
			return st->annotations[i].value;
	}
	return NULL;
}

/* Docker says "podsandbox" where the CRI runtimes say "sandbox". */
static const char *type_norm(const char *type)
{
	return strcmp(type, "podsandbox") == 0 ? "sandbox" : type;
}

/* Keys of two runtimes that both give a value must give the same one. */
static int check_agree(const char *key_a, const char *a, const char *key_b,
		       const char *b, bool is_type, struct vp_err *err)
{
	char ba[VP_PRINTABLE_MAX], bb[VP_PRINTABLE_MAX];

	if (a == NULL || b == NULL)
		return 0;
	if (is_type ? strcmp(type_norm(a), type_norm(b)) == 0
		    : strcmp(a, b) == 0)
		return 0;
	return vp_err_set(err, 0,
			  "annotations of two runtimes disagree: %s is `%s`, "
			  "%s is `%s` (a pod annotation must not name "
			  "another sandbox or container type than its "
			  "runtime's)",
			  key_a, vp_printable(a, ba, sizeof(ba)), key_b,
			  vp_printable(b, bb, sizeof(bb)));
}

int vp_state_sandbox(const struct vp_state *st, struct vp_sandbox_ref *ref,
		     struct vp_err *err)
{
	const char *ids[N_RUNTIMES], *types[N_RUNTIMES];
	char buf[VP_PRINTABLE_MAX];
	int pick = -1;

	memset(ref, 0, sizeof(*ref));
	if (st->id == NULL)
		return vp_err_set(err, 0, "OCI state has no container id");
	for (size_t i = 0; i < N_RUNTIMES; i++) {
		ids[i] = vp_state_annotation(st, runtimes[i].id_key);
		types[i] = vp_state_annotation(st, runtimes[i].type_key);
		for (size_t j = 0; j < i; j++) {
			if (check_agree(runtimes[j].id_key, ids[j],
					runtimes[i].id_key, ids[i], false,
					err) < 0 ||
			    check_agree(runtimes[j].type_key, types[j],
					runtimes[i].type_key, types[i], true,
					err) < 0)
				return -1;
		}
	}
	/* they agree: take the pair that is most complete (the runtime's
	 * own sets both), a sandbox id before a type alone */
	for (size_t i = 0, best = 0; i < N_RUNTIMES; i++) {
		size_t score = (ids[i] ? 2u : 0u) + (types[i] ? 1u : 0u);

		if (score > best) {
			best = score;
			pick = (int)i;
		}
	}
	ref->id = st->id;
	if (pick >= 0) {
		ref->runtime = runtimes[pick].name;
		ref->type = types[pick];
		if (ids[pick] != NULL) {
			ref->id = ids[pick];
			ref->key = runtimes[pick].id_key;
		}
	}
	if (!vp_valid_sandbox_id(ref->id))
		return vp_err_set(err, 0,
				  "%s: `%s` is not a valid sandbox id (1-128 "
				  "of A-Z a-z 0-9 _ . -, starting with a "
				  "letter or digit)",
				  ref->key ? ref->key : "container id",
				  vp_printable(ref->id, buf, sizeof(buf)));
	return 0;
}

int vp_state_sandbox_id(const struct vp_state *st, const char **out,
			struct vp_err *err)
{
	struct vp_sandbox_ref ref;

	if (vp_state_sandbox(st, &ref, err) < 0)
		return -1;
	*out = ref.id;
	return 0;
}

bool vp_state_is_owner(const struct vp_state *st, const char *proc_root,
		       const char *owner, int owner_pid,
		       unsigned long long owner_start, char *why, size_t size)
{
	char ba[VP_PRINTABLE_MAX], bb[VP_PRINTABLE_MAX];
	unsigned long long start;
	struct vp_err e;

	if (owner == NULL) {
		snprintf(why, size, "the record names no owner container");
		return false;
	}
	if (st->id == NULL || strcmp(st->id, owner) != 0) {
		snprintf(why, size, "container %s is not %s, which set it up",
			 vp_printable(st->id, ba, sizeof(ba)),
			 vp_printable(owner, bb, sizeof(bb)));
		return false;
	}
	/* a dead pid is what a poststop normally sees; a living one with
	 * another start time is a reused pid, not the owner */
	if (st->pid > 0 && st->pid == owner_pid && owner_start != 0 &&
	    vp_proc_start_time(proc_root ? proc_root : "/proc", st->pid, &start,
			       &e) == 0 &&
	    start != owner_start) {
		snprintf(why, size,
			 "pid %d of container %s is no longer the process "
			 "that set it up",
			 st->pid, vp_printable(st->id, ba, sizeof(ba)));
		return false;
	}
	return true;
}

int vp_state_netns_path(const struct vp_state *st, char **out,
			struct vp_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct vp_json *doc = NULL;
	const struct vp_json *ns;
	char shown[PATH_SHOWN];
	size_t len;

	*out = NULL;
	if (st->bundle == NULL || st->bundle[0] != '/')
		return 0;
	path = vp_asprintf("%s/config.json", st->bundle);
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "bundle config");
	if (vp_read_file(path, VP_BUNDLE_CONFIG_MAX, &buf, &len, err) < 0) {
		if (err->errnum == ENOENT) {
			vp_err_clear(err);
			return 0;
		}
		return vp_err_wrap(err, "bundle config");
	}
	if (vp_json_parse(buf, len, &doc, err) < 0)
		return vp_err_wrap(err, "bundle config `%s`",
				   vp_printable(path, shown, sizeof(shown)));
	/* linux.namespaces: [{"type":"network","path":"/run/netns/x"}, ...] */
	ns = vp_json_get(vp_json_get(doc, "linux"), "namespaces");
	if (ns == NULL || ns->type != VP_JSON_ARRAY)
		return 0;
	for (size_t i = 0; i < ns->u.arr.n; i++) {
		const struct vp_json *e = ns->u.arr.items[i];
		const struct vp_json *t = vp_json_get(e, "type");
		const struct vp_json *p = vp_json_get(e, "path");

		if (t == NULL || t->type != VP_JSON_STRING ||
		    strcmp(t->u.str.s, "network") != 0)
			continue;
		/* only a path that passes the allowlist is ever opened */
		if (p == NULL || p->type != VP_JSON_STRING ||
		    !vp_valid_abs_path(p->u.str.s))
			return 0;
		*out = strdup(p->u.str.s);
		if (*out == NULL)
			return vp_err_set(err, ENOMEM, "bundle config");
		return 0;
	}
	return 0;
}

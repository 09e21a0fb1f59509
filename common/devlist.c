/* devlist.c - the per-sandbox device list handed from the hook to the shim
 * (devlist.h).
 *
 * The shim trusts nothing about this file beyond its owner, and checks
 * that: the file must be a regular file of root's, not writable by group or
 * others, in a directory that is root's alone, below ancestors nobody else
 * can rename (vp_read_file_trusted, fileio.h).  Even then it is read
 * strictly (unknown keys, wrong version, wrong types are errors) and its
 * arguments are limited to "-option value" pairs of the few options vnfplug
 * ever adds, so a corrupted file can not make QEMU load a different kernel
 * or run a script.
 */
#include "devlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "validate.h"

/* Options the hook may append; each takes exactly one value. */
static const char *const allowed_opts[] = {
    "-chardev", "-netdev", "-device", "-object", "-qmp", NULL,
};

static bool opt_allowed(const char *s)
{
	for (size_t i = 0; allowed_opts[i] != NULL; i++)
		if (strcmp(s, allowed_opts[i]) == 0)
			return true;
	return false;
}

/* The checks shared by reading and writing, so vnfplug never writes a list
 * the shim would refuse. */
static int check_args(char *const *args, size_t n, struct vp_err *err)
{
	if (n > VP_DEVLIST_MAX_ARGS)
		return vp_err_set(err, 0,
				  "args: %zu arguments, at most %d allowed", n,
				  VP_DEVLIST_MAX_ARGS);
	if (n % 2 != 0)
		return vp_err_set(err, 0,
				  "args: %zu arguments, expected option/value "
				  "pairs",
				  n);
	for (size_t i = 0; i < n; i += 2) {
		if (!opt_allowed(args[i]))
			return vp_err_set(err, 0,
					  "args[%zu]: option `%s` is not one "
					  "vnfplug adds",
					  i, args[i]);
		if (args[i + 1][0] == '\0')
			return vp_err_set(err, 0,
					  "args[%zu]: empty value for `%s`",
					  i + 1, args[i]);
	}
	return 0;
}

static int check_devlist(const struct vp_devlist *dl, struct vp_err *err)
{
	if (dl->sandbox == NULL || !vp_valid_sandbox_id(dl->sandbox))
		return vp_err_set(err, 0, "sandbox: invalid sandbox id");
	return check_args(dl->args.v, dl->args.n, err);
}

int vp_devlist_write(const char *path, const struct vp_devlist *dl,
		     struct vp_err *err)
{
	_cleanup_free_ char *doc = NULL;
	struct vp_jw *w;
	size_t len;
	int r;

	if (check_devlist(dl, err) < 0)
		return vp_err_wrap(err, "device list `%s`", path);
	w = vp_jw_new(true);
	if (w == NULL)
		return vp_err_set(err, ENOMEM, "device list `%s`", path);
	vp_jw_obj_open(w);
	vp_jw_key(w, "version");
	vp_jw_int(w, VP_DEVLIST_VERSION);
	vp_jw_key(w, "sandbox");
	vp_jw_str(w, dl->sandbox);
	vp_jw_key(w, "shared_memory");
	vp_jw_bool(w, dl->shared_memory);
	vp_jw_key(w, "args");
	vp_jw_arr_open(w);
	for (size_t i = 0; i < dl->args.n; i++)
		vp_jw_str(w, dl->args.v[i]);
	vp_jw_arr_close(w);
	vp_jw_obj_close(w);
	r = vp_jw_finish(w, &doc, &len, err);
	vp_jw_free(w);
	if (r < 0)
		return vp_err_wrap(err, "device list `%s`", path);
	/* Readable by a QEMU that does not run as root; it holds no secret. */
	if (vp_write_file_atomic(path, doc, len, 0644, err) < 0)
		return vp_err_wrap(err, "device list `%s`", path);
	return 0;
}

static int parse_args(const struct vp_json *root, struct vp_argv *args,
		      struct vp_err *err)
{
	const struct vp_json *j = NULL;

	if (vp_json_member_strs(root, NULL, "args", VP_JSON_REQUIRED, &j, err) <
	    0)
		return -1;
	if (j->u.arr.n > VP_DEVLIST_MAX_ARGS)
		return vp_err_set(err, 0,
				  "args: %zu arguments, at most %d allowed",
				  j->u.arr.n, VP_DEVLIST_MAX_ARGS);
	for (size_t i = 0; i < j->u.arr.n; i++) {
		if (vp_argv_push(args, j->u.arr.items[i]->u.str.s, err) < 0)
			return -1;
	}
	return check_args(args->v, args->n, err);
}

int vp_devlist_parse(const char *buf, size_t len, struct vp_devlist *dl,
		     struct vp_err *err)
{
	_cleanup_json_ struct vp_json *root = NULL;
	struct vp_devlist tmp = {0};
	static const char *const keys[] = {"version", "sandbox",
					   "shared_memory", "args", NULL};
	const unsigned req = VP_JSON_REQUIRED;
	const char *sandbox;
	long long version;

	memset(dl, 0, sizeof(*dl));
	if (vp_json_parse(buf, len, &root, err) < 0)
		return -1;
	if (root->type != VP_JSON_OBJECT)
		return vp_err_set(err, 0, "expected an object, got %s",
				  vp_json_type_name(root->type));
	if (vp_json_check_keys(root, keys, NULL, err) < 0 ||
	    vp_json_member_int(root, NULL, "version", req, VP_DEVLIST_VERSION,
			       VP_DEVLIST_VERSION, &version, err) < 0 ||
	    vp_json_member_str(root, NULL, "sandbox", req, &sandbox, err) < 0 ||
	    vp_json_member_bool(root, NULL, "shared_memory", req,
				&tmp.shared_memory, err) < 0)
		return -1;
	if (!vp_valid_sandbox_id(sandbox))
		return vp_err_set(err, 0,
				  "sandbox: expected a valid sandbox id");
	tmp.sandbox = strdup(sandbox);
	if (tmp.sandbox == NULL) {
		vp_devlist_free(&tmp);
		return vp_err_set(err, ENOMEM, "sandbox");
	}
	if (parse_args(root, &tmp.args, err) < 0) {
		vp_devlist_free(&tmp);
		return -1;
	}
	*dl = tmp;
	return 0;
}

int vp_devlist_load(const char *path, struct vp_devlist *dl, struct vp_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	memset(dl, 0, sizeof(*dl));
	if (vp_read_file_trusted(path, VP_FILE_MAX, &buf, &len, err) < 0) {
		if (err->errnum == ENOENT) {
			vp_err_clear(err);
			return 0;
		}
		return vp_err_wrap(err, "device list `%s`", path);
	}
	if (vp_devlist_parse(buf, len, dl, err) < 0)
		return vp_err_wrap(err, "device list `%s`", path);
	return 1;
}

void vp_devlist_free(struct vp_devlist *dl)
{
	if (dl == NULL)
		return;
	free(dl->sandbox);
	dl->sandbox = NULL;
	vp_argv_free(&dl->args);
	dl->shared_memory = false;
}

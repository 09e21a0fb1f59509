/* gc.c - reconcile sandbox records against the living (see gc.h).
 *
 * Per sandbox, under the lock: a corrupt record or a directory without
 * one is removed (nothing in it can be undone; the report says what may
 * have leaked); a record younger than min_age, or whose owner or VM is
 * alive or can not be checked, is kept; any other is released and its
 * directory removed (vp_release_or_save).  A failed release keeps the
 * rest in the record for the next run. */
#include "gc.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "backend.h"
#include "cleanup.h"
#include "delivery.h"
#include "fileio.h"
#include "json.h"
#include "liveness.h"
#include "lock.h"
#include "log.h"
#include "record.h"
#include "release.h"
#include "rundir.h"
#include "validate.h"

#define LINE_MAX_ 2048

static void report(const struct vp_gc_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void report(const struct vp_gc_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->out == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(o->out, fmt, ap);
	va_end(ap);
	fputc('\n', o->out);
	fflush(o->out);
}

/* "port P on bridge B, VF 0000:.. (vfio), devices.json": each resource
 * as its backend or delivery path names it. */
static void describe(const struct vp_record *rec, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < rec->n_res; i++) {
		const struct vp_resource *r = &rec->res[i];
		const struct vp_backend *be = vp_backend_of(r->kind);
		const struct vp_delivery *dv = vp_delivery_of(r->kind);
		struct vp_desc d = {0};

		if (r->state == VP_RES_NOT_CREATED)
			continue; /* the name was someone else's */
		if (be != NULL)
			be->describe(rec, r, &d);
		else if (dv != NULL)
			dv->describe(rec, r, &d);
		if (d.summary[0] == '\0')
			continue; /* a VF's settings: part of its claim */
		vp_strappendf(buf, size, "%s%s", buf[0] ? ", " : "", d.summary);
		if (r->state == VP_RES_PENDING)
			vp_strappendf(buf, size, " (pending)");
	}
	if (buf[0] == '\0')
		vp_strappendf(buf, size, "nothing");
}

/* Strings in a record that is valid JSON but failed validation. */
static void infer_from_json(const struct vp_json *root, char *buf, size_t size)
{
	static const char *const keys[] = {"port",   "bridge", "socket",
					   "vf_pci", "pf",     NULL};
	const struct vp_json *arr = vp_json_get(root, "resources");

	if (arr == NULL || arr->type != VP_JSON_ARRAY)
		return;
	for (size_t i = 0; i < arr->u.arr.n && i < 64; i++) {
		for (size_t k = 0; keys[k] != NULL; k++) {
			const struct vp_json *v =
			    vp_json_get(arr->u.arr.items[i], keys[k]);
			char p[128];

			if (v != NULL && v->type == VP_JSON_STRING)
				vp_strappendf(
				    buf, size, ", %s %s", keys[k],
				    vp_printable(v->u.str.s, p, sizeof(p)));
		}
	}
}

/* What a corrupt record's sandbox may still hold: what each backend can
 * tell from its id, the rest from whatever of the record and of what the
 * delivery paths wrote still parses. */
static void infer_leftovers(const struct vp_config *cfg, const char *id,
			    char *buf, size_t size)
{
	_cleanup_free_ char *dir = vp_rundir_sandbox(cfg->run_dir, id);
	_cleanup_free_ char *path =
	    dir ? vp_asprintf("%s/record.json", dir) : NULL;
	_cleanup_free_ char *raw = NULL;
	_cleanup_json_ struct vp_json *root = NULL;
	const struct vp_backend *be;
	const struct vp_delivery *dv;
	struct vp_err e;
	size_t len;

	buf[0] = '\0';
	for (size_t i = 0; (be = vp_backend_at(i)) != NULL; i++) {
		if (be->leftovers == NULL)
			continue;
		if (buf[0] != '\0')
			vp_strappendf(buf, size, ", ");
		be->leftovers(cfg, id, buf, size);
	}
	if (path != NULL &&
	    vp_read_file(path, VP_FILE_MAX, &raw, &len, &e) == 0 &&
	    vp_json_parse(raw, len, &root, &e) == 0)
		infer_from_json(root, buf, size);
	for (size_t i = 0; (dv = vp_delivery_at(i)) != NULL; i++)
		if (dv->leftovers != NULL)
			dv->leftovers(cfg, id, buf, size);
}

static bool transient(int errnum)
{
	return errnum == ENOMEM || errnum == EMFILE || errnum == ENFILE ||
	       errnum == EIO || errnum == EACCES || errnum == EPERM ||
	       errnum == EINTR;
}

static int remove_dir(const struct vp_config *cfg, const struct vp_gc_opts *o,
		      const char *id, struct vp_gc_result *res,
		      struct vp_err *err)
{
	if (!o->dry_run && vp_record_remove(cfg->run_dir, id, err) < 0) {
		res->failed++;
		return -1;
	}
	res->removed++;
	return 0;
}

static int gc_corrupt(const struct vp_config *cfg, const struct vp_gc_opts *o,
		      const char *id, const struct vp_err *why,
		      struct vp_gc_result *res, struct vp_err *err)
{
	char left[LINE_MAX_];

	infer_leftovers(cfg, id, left, sizeof(left));
	report(o,
	       "corrupt record for sandbox %s: %s; %s, resources may need "
	       "manual cleanup: %s",
	       id, why->msg, o->dry_run ? "would remove" : "removed", left);
	return remove_dir(cfg, o, id, res, err);
}

/* A dry run writes nothing, not even a daemonized VM's pid into vm.json. */
static int gc_liveness(const struct vp_config *cfg, const struct vp_gc_opts *o,
		       const char *id, const struct vp_record *rec,
		       struct vp_liveness *l, struct vp_err *err)
{
	struct vp_owner own =
	    rec != NULL ? vp_record_owner(rec) : (struct vp_owner){0};
	const struct vp_owner *op = rec != NULL ? &own : NULL;

	if (o->dry_run)
		return vp_sandbox_liveness_peek(cfg, id, op, l, err);
	return vp_sandbox_liveness(cfg, id, op, l, err);
}

/* A directory without record.json: a prestart that died between mkdir
 * and its first save, or a shim that wrote vm.json for a sandbox whose
 * record is gone.  Only a living VM keeps it. */
static int gc_no_record(const struct vp_config *cfg, const struct vp_gc_opts *o,
			const char *id, long long now, struct vp_gc_result *res,
			struct vp_err *err)
{
	_cleanup_free_ char *dir = vp_rundir_sandbox(cfg->run_dir, id);
	struct vp_liveness l;
	struct stat st;

	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "gc");
	if (lstat(dir, &st) < 0) {
		if (errno == ENOENT)
			return 0; /* poststop got there first */
		res->failed++;
		return vp_err_set(err, errno, "stat `%s`", dir);
	}
	if (now - st.st_mtime < o->min_age) {
		res->kept++;
		if (o->verbose || o->dry_run)
			report(o, "keep %s: no record, younger than %lld s", id,
			       o->min_age);
		return 0;
	}
	if (gc_liveness(cfg, o, id, NULL, &l, err) < 0) {
		res->failed++;
		return vp_err_wrap(err, "left alone");
	}
	if (l.alive) {
		res->kept++;
		if (o->verbose || o->dry_run)
			report(o, "keep %s: %s", id, l.why);
		return 0;
	}
	report(o, "%s %s: directory without a record (%s)",
	       o->dry_run ? "would remove" : "remove", id, l.why);
	return remove_dir(cfg, o, id, res, err);
}

/* One sandbox; the caller holds the lock. */
static int gc_one(const struct vp_config *cfg, const struct vp_gc_opts *o,
		  const char *id, long long now, struct vp_gc_result *res,
		  struct vp_err *err)
{
	_cleanup_record_ struct vp_record rec = {0};
	struct vp_liveness l;
	struct vp_err why;
	char what[LINE_MAX_], left[LINE_MAX_] = "";
	struct vp_release_opts ro = {.left = left, .left_size = sizeof(left)};
	long long age;
	int rc;

	vp_err_clear(&why);
	rc = vp_record_load(cfg->run_dir, id, &rec, &why);
	if (rc < 0 && transient(why.errnum)) {
		res->failed++;
		*err = why;
		return -1;
	}
	if (rc < 0)
		return gc_corrupt(cfg, o, id, &why, res, err);
	if (rc == 0)
		return gc_no_record(cfg, o, id, now, res, err);

	age = now - rec.created;
	if (age < o->min_age) {
		/* also a record from the future: the clock was set back */
		res->kept++;
		if (o->verbose || o->dry_run)
			report(o, "keep %s: younger than %lld s (age %lld s)",
			       id, o->min_age, age);
		return 0;
	}
	if (gc_liveness(cfg, o, id, &rec, &l, err) < 0) {
		res->failed++;
		return vp_err_wrap(err, "left alone");
	}
	if (l.alive) {
		res->kept++;
		if (o->verbose || o->dry_run)
			report(o, "keep %s: %s", id, l.why);
		return 0;
	}
	describe(&rec, what, sizeof(what));
	if (o->dry_run) {
		report(o, "would release %s: %s; %s%s", id, l.why,
		       rec.complete ? "" : "incomplete setup: ", what);
		res->released++;
		return 0;
	}
	/* what failed stays in the record for the next run */
	if (vp_release_or_save(cfg, &rec, &ro, err) < 0) {
		res->failed++;
		if (left[0] != '\0')
			report(o, "left %s alone in %s: not this sandbox's",
			       left, id);
		return -1;
	}
	report(o, "released %s: %s; %s%s", id, l.why,
	       rec.complete ? "" : "incomplete setup: ", what);
	if (left[0] != '\0')
		report(o, "left %s alone in %s: not this sandbox's", left, id);
	res->released++;
	return 0;
}

int vp_gc(const struct vp_config *cfg, const struct vp_gc_opts *o,
	  struct vp_gc_result *res, struct vp_err *err)
{
	_cleanup_strv_ char **ids = NULL;
	long long now = o->now ? o->now : (long long)time(NULL);
	size_t n;

	memset(res, 0, sizeof(*res));
	if (vp_record_list(cfg->run_dir, &ids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct vp_err e;
		int lock;

		/* one sandbox per hold: a waiting prestart waits for one
		 * release at most */
		lock = vp_lock_acquire(cfg->run_dir, cfg->lock_timeout_ms, &e);
		if (lock < 0) {
			res->failed++;
			*err = e;
			return vp_err_wrap(
			    err, "gc stopped before sandbox `%s`", ids[i]);
		}
		vp_log_set_sandbox(ids[i]);
		vp_err_clear(&e);
		if (gc_one(cfg, o, ids[i], now, res, &e) < 0)
			vp_log_err(VP_LOG_ERROR, &e);
		vp_log_set_sandbox(NULL);
		vp_lock_release(lock);
	}
	return 0;
}

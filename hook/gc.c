/* gc.c - reconcile sandbox records against the living (see gc.h).
 *
 * Per sandbox, under the lock: a corrupt record or a directory without
 * one is removed (nothing in it can be undone; the report says what may
 * have leaked); a record younger than min_age, or whose owner or VM is
 * alive or can not be checked, is kept; any other is released with
 * vp_release and its directory removed.  A failed release keeps the rest
 * in the record for the next run. */
#include "gc.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cleanup.h"
#include "devlist.h"
#include "fileio.h"
#include "stages.h"
#include "json.h"
#include "liveness.h"
#include "lock.h"
#include "log.h"
#include "ovs.h"
#include "record.h"
#include "validate.h"
#include "rundir.h"

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

/* "port P on bridge B, VF 0000:.. (vfio), devices.json" */
static void describe(const struct vp_record *rec, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < rec->n_res; i++) {
		const struct vp_resource *r = &rec->res[i];
		const char *sep = buf[0] ? ", " : "";

		switch (r->kind) {
		case VP_RES_OVS_PORT:
			if (r->state == VP_RES_NOT_CREATED)
				continue; /* the name was someone else's */
			vp_strappendf(buf, size, "%sport %s on bridge %s", sep,
			       r->port, r->bridge);
			break;
		case VP_RES_DEVLIST:
			vp_strappendf(buf, size, "%sdevices.json", sep);
			break;
		case VP_RES_VF_CLAIM:
			vp_strappendf(buf, size, "%sVF %s (%s)", sep, r->vf_pci,
			       r->mode ? r->mode : "?");
			break;
		default:
			continue; /* the VF's settings: part of its claim */
		}
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
				vp_strappendf(buf, size, ", %s %s", keys[k],
				       vp_printable(v->u.str.s, p, sizeof(p)));
		}
	}
}

/* The socket paths and VF addresses in devices.json's QEMU arguments. */
static void infer_from_devlist(const char *run_dir, const char *id, char *buf,
			       size_t size)
{
	_cleanup_free_ char *path = vp_rundir_file(run_dir, id, VP_RUNDIR_DEVLIST);
	struct vp_devlist dl = {0};
	struct vp_err e;

	if (path == NULL || vp_devlist_load(path, &dl, &e) <= 0)
		return;
	for (size_t i = 0; i < dl.args.n; i++) {
		const char *a = dl.args.v[i], *s;

		if ((s = strstr(a, "path=")) != NULL &&
		    strncmp(a, "socket,", 7) == 0)
			vp_strappendf(buf, size, ", socket %.*s",
			       (int)strcspn(s + 5, ","), s + 5);
		else if ((s = strstr(a, "host=")) != NULL &&
			 strncmp(a, "vfio-pci,", 9) == 0)
			vp_strappendf(buf, size, ", VF %.*s", (int)strcspn(s + 5, ","),
			       s + 5);
	}
	vp_devlist_free(&dl);
}

/* What a corrupt record's sandbox may still hold: its ports carry its id
 * (and the first choice of their names follows from it); the rest from
 * whatever of the record and device list still parses. */
static void infer_leftovers(const struct vp_config *cfg, const char *id,
			    char *buf, size_t size)
{
	_cleanup_free_ char *dir = vp_rundir_sandbox(cfg->run_dir, id);
	_cleanup_free_ char *path =
	    dir ? vp_asprintf("%s/record.json", dir) : NULL;
	_cleanup_free_ char *raw = NULL;
	_cleanup_json_ struct vp_json *root = NULL;
	char port[16];
	struct vp_err e;
	size_t len;

	/* the first choice of name; a taken one moves an entry to a later
	 * choice, but every port carries the tag */
	vp_ovs_port_name(id, 0, 0, port);
	port[strlen(port) - 1] = '\0';
	snprintf(buf, size,
		 "OVS ports %s<index> (or a later choice of name) with "
		 "external_ids:%s=%s on the configured bridges",
		 port, VP_OVS_KEY_SANDBOX, id);
	if (path != NULL &&
	    vp_read_file(path, VP_FILE_MAX, &raw, &len, &e) == 0 &&
	    vp_json_parse(raw, len, &root, &e) == 0)
		infer_from_json(root, buf, size);
	infer_from_devlist(cfg->run_dir, id, buf, size);
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
	struct vp_owner own = rec != NULL ? vp_record_owner(rec)
					  : (struct vp_owner){ 0 };
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
	struct vp_release_opts ro = { .left = left, .left_size = sizeof(left) };
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
	if (vp_release_opt(cfg, &rec, &ro, err) < 0) {
		struct vp_err e2;

		res->failed++;
		if (left[0] != '\0')
			report(o, "left %s alone in %s: not this sandbox's",
			       left, id);
		/* keep what failed for the next run */
		if (vp_record_save(cfg->run_dir, &rec, &e2) < 0)
			vp_log_error("sandbox %s: %s", id, e2.msg);
		return -1;
	}
	if (vp_record_remove(cfg->run_dir, id, err) < 0) {
		res->failed++;
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

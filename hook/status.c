/* status.c - list sandboxes, their state, liveness and devices (status.h).
 *
 * Both formats are built from one gathered view per sandbox; the JSON is
 * written with the vp_jw writer, the table with printf.  A device is shown
 * as its backend describes it (backend.h). */
#include "status.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "backend.h"
#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "liveness.h"
#include "record.h"
#include "validate.h"
#include "rundir.h"

struct view {
	const char *id;
	const char *state;
	int rc; /* vp_record_load: 1, 0, <0 */
	struct vp_record rec;
	long long age; /* -1: unknown */
	struct vp_liveness live;
	struct vp_err err; /* corrupt record or unreadable vm.json */
	bool has_err;
};

/* Does any process hold <run_dir>/lock?  Read from /proc/locks, so status
 * never takes the lock itself. */
static bool lock_held(const struct vp_config *cfg)
{
	_cleanup_free_ char *lock = vp_asprintf("%s/lock", cfg->run_dir);
	_cleanup_free_ char *path = vp_asprintf("%s/locks", cfg->proc_root);
	_cleanup_free_ char *buf = NULL;
	struct vp_err e;
	struct stat st;
	size_t len;

	if (lock == NULL || path == NULL || stat(lock, &st) < 0 ||
	    vp_read_file(path, 4 * 1024 * 1024, &buf, &len, &e) < 0)
		return false;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char type[16];
		unsigned maj, min;
		unsigned long ino;

		/* "1: FLOCK  ADVISORY  WRITE 123 fe:00:456 0 EOF"; waiters
		 * read "1: -> FLOCK ..." and do not hold it */
		if (sscanf(line, "%*d: %15s %*s %*s %*d %x:%x:%lu", type, &maj,
			   &min, &ino) == 4 &&
		    strcmp(type, "FLOCK") == 0 && ino == st.st_ino &&
		    maj == major(st.st_dev) && min == minor(st.st_dev))
			return true;
	}
	return false;
}

static long long dir_age(const struct vp_config *cfg, const char *id,
			 long long now)
{
	_cleanup_free_ char *dir = vp_rundir_sandbox(cfg->run_dir, id);
	struct stat st;

	if (dir == NULL || lstat(dir, &st) < 0)
		return -1;
	return now - st.st_mtime;
}

static void gather(const struct vp_config *cfg, const char *id, bool locked,
		   long long now, struct view *v)
{
	struct vp_owner own;

	v->id = id;
	v->rc = vp_record_load(cfg->run_dir, id, &v->rec, &v->err);
	if (v->rc < 0) {
		v->state = "corrupt";
		v->has_err = true;
	} else if (v->rc == 0) {
		v->state = "no-record";
	} else if (v->rec.complete) {
		v->state = "complete";
	} else {
		v->state = locked ? "in-creation" : "pending";
	}
	v->age = v->rc == 1 ? now - v->rec.created : dir_age(cfg, id, now);
	own = v->rc == 1 ? vp_record_owner(&v->rec) : (struct vp_owner){0};
	if (v->rc >= 0 &&
	    vp_sandbox_liveness_peek(cfg, id, v->rc == 1 ? &own : NULL,
				     &v->live, &v->err) < 0)
		v->has_err = true;
	if (v->rc < 0) {
		/* no owner to check; the VM may still be there */
		struct vp_err e;

		vp_sandbox_liveness_peek(cfg, id, NULL, &v->live, &e);
		v->live.owner = VP_LIVE_UNKNOWN;
	}
}

/* A device of the record, as its backend describes it; false for the
 * resources that are not devices of their own (a VF's settings, the
 * device list). */
static bool device(const struct vp_record *rec, const struct vp_resource *r,
		   struct vp_desc *d)
{
	const struct vp_backend *be = vp_backend_of(r->kind);

	memset(d, 0, sizeof(*d));
	if (be == NULL)
		return false;
	be->describe(rec, r, d);
	return d->type != NULL;
}

/* ---- JSON ---- */

static void jw_str_or_null(struct vp_jw *w, const char *key, const char *s)
{
	vp_jw_key(w, key);
	if (s != NULL)
		vp_jw_str(w, s);
	else
		vp_jw_null(w);
}

static void jw_proc(struct vp_jw *w, const char *key, int pid,
		    unsigned long long start, enum vp_live l)
{
	vp_jw_key(w, key);
	if (l == VP_LIVE_NONE) {
		vp_jw_null(w);
		return;
	}
	vp_jw_obj_open(w);
	vp_jw_key(w, "pid");
	vp_jw_int(w, pid);
	vp_jw_key(w, "start");
	vp_jw_int(w, (long long)start);
	vp_jw_key(w, "state");
	vp_jw_str(w, vp_live_name(l));
	vp_jw_obj_close(w);
}

static void jw_device(struct vp_jw *w, const struct vp_resource *r,
		      const struct vp_desc *d)
{
	vp_jw_obj_open(w);
	vp_jw_key(w, "type");
	vp_jw_str(w, d->type);
	jw_str_or_null(w, "network", r->network);
	vp_jw_key(w, "state");
	vp_jw_str(w, vp_res_state_name(r->state));
	for (size_t i = 0; i < d->n; i++)
		jw_str_or_null(w, d->f[i].key, d->f[i].value);
	vp_jw_obj_close(w);
}

static void jw_view(struct vp_jw *w, const struct view *v)
{
	vp_jw_obj_open(w);
	vp_jw_key(w, "id");
	vp_jw_str(w, v->id);
	vp_jw_key(w, "state");
	vp_jw_str(w, v->state);
	jw_str_or_null(w, "container", v->rc == 1 ? v->rec.container : NULL);
	vp_jw_key(w, "created");
	if (v->rc == 1)
		vp_jw_int(w, v->rec.created);
	else
		vp_jw_null(w);
	vp_jw_key(w, "age");
	if (v->age >= 0)
		vp_jw_int(w, v->age);
	else
		vp_jw_null(w);
	if (v->rc == 1)
		jw_proc(w, "owner", v->rec.owner_pid, v->rec.owner_start,
			v->live.owner);
	else
		jw_proc(w, "owner", 0, 0, VP_LIVE_NONE);
	jw_proc(w, "vm", v->live.vm_pid, v->live.vm_start, v->live.vm);
	vp_jw_key(w, "alive");
	vp_jw_bool(w, v->live.alive);
	vp_jw_key(w, "reason");
	vp_jw_str(w, v->live.why);
	jw_str_or_null(w, "error", v->has_err ? v->err.msg : NULL);
	vp_jw_key(w, "devices");
	vp_jw_arr_open(w);
	for (size_t i = 0; v->rc == 1 && i < v->rec.n_res; i++) {
		struct vp_desc d;

		if (device(&v->rec, &v->rec.res[i], &d))
			jw_device(w, &v->rec.res[i], &d);
	}
	vp_jw_arr_close(w);
	vp_jw_obj_close(w);
}

static int print_json(const struct vp_config *cfg, const struct view *views,
		      size_t n, FILE *out, struct vp_err *err)
{
	_cleanup_free_ char *doc = NULL;
	struct vp_jw *w = vp_jw_new(true);
	size_t len;
	int rc;

	if (w == NULL)
		return vp_err_set(err, ENOMEM, "status");
	vp_jw_obj_open(w);
	vp_jw_key(w, "version");
	vp_jw_int(w, VP_STATUS_VERSION);
	vp_jw_key(w, "run_dir");
	vp_jw_str(w, cfg->run_dir);
	vp_jw_key(w, "sandboxes");
	vp_jw_arr_open(w);
	for (size_t i = 0; i < n; i++)
		jw_view(w, &views[i]);
	vp_jw_arr_close(w);
	vp_jw_obj_close(w);
	rc = vp_jw_finish(w, &doc, &len, err);
	vp_jw_free(w);
	if (rc < 0)
		return -1;
	if (fwrite(doc, 1, len, out) != len || fputc('\n', out) == EOF)
		return vp_err_set(err, errno, "write status");
	return 0;
}

/* ---- table ---- */

/* "45s", "3m12s", "2h05m", "3d04h"; "?" when unknown or in the future. */
static void fmt_age(long long s, char *buf, size_t size)
{
	if (s < 0)
		snprintf(buf, size, "?");
	else if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", s / 86400,
			 s % 86400 / 3600);
}

static void fmt_proc(int pid, enum vp_live l, char *buf, size_t size)
{
	if (l == VP_LIVE_NONE)
		snprintf(buf, size, "-");
	else if (pid <= 0)
		snprintf(buf, size, "? %s", vp_live_name(l));
	else
		snprintf(buf, size, "%d %s", pid, vp_live_name(l));
}

static void print_device(FILE *out, const struct vp_resource *r,
			 const struct vp_desc *d)
{
	const char *pend = r->state == VP_RES_PENDING	    ? "  (pending)"
			   : r->state == VP_RES_NOT_CREATED ? "  (not created)"
							    : "";
	char net[VP_PRINTABLE_MAX];
	const char *sep = "";

	/* a record's network is checked when written, not when read back */
	vp_printable(r->network ? r->network : "?", net, sizeof(net));
	fprintf(out, "    %s: ", net);
	for (size_t i = 0; i < d->n; i++) {
		const struct vp_desc_field *f = &d->f[i];
		const char *v = f->value ? f->value : f->none;
		char buf[VP_PRINTABLE_MAX];

		if (f->label == NULL || v == NULL)
			continue;
		fprintf(out, "%s%s %s", sep, f->label,
			f->untrusted ? vp_printable(v, buf, sizeof(buf)) : v);
		sep = "  ";
	}
	fprintf(out, "%s\n", pend);
}

static int print_table(const struct vp_config *cfg, const struct view *views,
		       size_t n, FILE *out, struct vp_err *err)
{
	int idw = 7;

	if (n == 0) {
		fprintf(out, "no sandboxes in %s\n", cfg->run_dir);
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(views[i].id) > idw)
			idw = (int)strlen(views[i].id);
	fprintf(out, "%-*s  %-11s  %-6s  %-14s  %s\n", idw, "SANDBOX", "STATE",
		"AGE", "OWNER", "VM");
	for (size_t i = 0; i < n; i++) {
		const struct view *v = &views[i];
		char age[48], owner[32], vm[32], msg[sizeof(v->err.msg)];

		fmt_age(v->age, age, sizeof(age));
		fmt_proc(v->rc == 1 ? v->rec.owner_pid : 0,
			 v->rc == 1 ? v->live.owner : VP_LIVE_NONE, owner,
			 sizeof(owner));
		fmt_proc(v->live.vm_pid, v->live.vm, vm, sizeof(vm));
		fprintf(out, "%-*s  %-11s  %-6s  %-14s  %s\n", idw, v->id,
			v->state, age, owner, vm);
		if (v->has_err)
			fprintf(out, "    error: %s\n",
				vp_printable(v->err.msg, msg, sizeof(msg)));
		for (size_t k = 0; v->rc == 1 && k < v->rec.n_res; k++) {
			struct vp_desc d;

			if (device(&v->rec, &v->rec.res[k], &d))
				print_device(out, &v->rec.res[k], &d);
		}
	}
done:
	if (fflush(out) == EOF || ferror(out))
		return vp_err_set(err, errno, "write status");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vp_status(const struct vp_config *cfg, bool json, long long now, FILE *out,
	      struct vp_err *err)
{
	_cleanup_strv_ char **ids = NULL;
	_cleanup_free_ struct view *views = NULL;
	bool locked;
	size_t n;
	int rc;

	if (now == 0)
		now = (long long)time(NULL);
	if (vp_record_list(cfg->run_dir, &ids, &n, err) < 0)
		return -1;
	/* readdir order is arbitrary; a listing should be stable */
	if (n > 0)
		qsort(ids, n, sizeof(*ids), cmp_str);
	views = calloc(n ? n : 1, sizeof(*views));
	if (views == NULL)
		return vp_err_set(err, ENOMEM, "status");
	locked = lock_held(cfg);
	for (size_t i = 0; i < n; i++)
		gather(cfg, ids[i], locked, now, &views[i]);
	rc = json ? print_json(cfg, views, n, out, err)
		  : print_table(cfg, views, n, out, err);
	for (size_t i = 0; i < n; i++)
		vp_record_free(&views[i].rec);
	return rc;
}

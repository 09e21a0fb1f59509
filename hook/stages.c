/* stages.c - prestart and poststop (see stages.h).
 *
 * prestart plans every request entry through its backend (backend.h) and
 * has the delivery path check what the guest would receive, before
 * touching the host; then, under the lock, it journals each resource in
 * the record before creating it, and delivers.  Any failure undoes what
 * the journal holds, so a refused container leaves nothing behind; a
 * killed hook leaves a journal that poststop (or gc) undoes.
 */
#include "stages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cleanup.h"
#include "clock.h"
#include "delivery.h"
#include "fault.h"
#include "fileio.h"
#include "liveness.h"
#include "lock.h"
#include "log.h"
#include "proc.h"
#include "release.h"
#include "request.h"
#include "rundir.h"
#include "seccomp_policy.h"
#include "validate.h"

int vp_stage_parse(const char *s, enum vp_stage *stage)
{
	if (strcmp(s, "prestart") == 0 || strcmp(s, "createRuntime") == 0)
		*stage = VP_STAGE_PRESTART;
	else if (strcmp(s, "poststop") == 0)
		*stage = VP_STAGE_POSTSTOP;
	else if (strcmp(s, "auto") == 0)
		*stage = VP_STAGE_AUTO;
	else
		return -1;
	return 0;
}

static void lock_releasep(int *fd)
{
	vp_lock_release(*fd);
}

/* The request's entries, each with its backend and that backend's plan. */
struct entries {
	struct vp_entry e[VP_REQUEST_MAX];
	size_t n;
};

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->e[i].plan);
	es->n = 0;
}

/* Undo and forget a record after a failed prestart; errors are only
 * logged, the caller reports the failure that got us here. */
static void rollback(const struct vp_config *cfg, struct vp_record *rec)
{
	struct vp_err e;

	if (vp_release_or_save(cfg, rec, NULL, &e) < 0)
		vp_log_error("rollback incomplete, left for poststop/gc: %s",
			     e.msg);
}

/* What the guest receives, backend by backend in the table's order, each
 * backend's entries in request order; entries that give the guest nothing
 * (yet) are left out. */
static int guest_devs(const struct vp_backend_ctx *c, const struct entries *es,
		      struct vp_guest_dev *devs, size_t *n, struct vp_err *err)
{
	const struct vp_backend *be;

	*n = 0;
	for (size_t b = 0; (be = vp_backend_at(b)) != NULL; b++) {
		for (size_t i = 0; i < es->n; i++) {
			const struct vp_entry *e = &es->e[i];

			if (e->be != be)
				continue;
			if (be->deliver(c, e, &devs[*n], err) < 0)
				return -1;
			if (devs[*n].kind == VP_GUEST_VHOST_USER ||
			    devs[*n].kind == VP_GUEST_VFIO)
				(*n)++;
		}
	}
	return 0;
}

/* Everything that can be refused without touching the host: the request,
 * each entry's names (its backend's plan), and what the delivery path
 * would hand the guest. */
static int plan(struct vp_backend_ctx *c, const char *annotation,
		struct vp_request *req, struct entries *es,
		const struct vp_delivery *dv, struct vp_err *err)
{
	struct vp_guest_dev devs[VP_REQUEST_MAX];
	size_t n;

	if (vp_request_parse(annotation, req, err) < 0 ||
	    vp_request_resolve(req, c->cfg, c->sandbox, err) < 0)
		return -1;
	for (size_t i = 0; i < req->n; i++) {
		struct vp_entry *e = &es->e[es->n];

		e->it = &req->items[i];
		e->index = (unsigned)i;
		e->be = vp_backend_for(e->it->net->type);
		if (e->be == NULL)
			return vp_err_set(err, ENOTSUP,
					  "%s[%zu]: this build has no backend "
					  "for network `%s`",
					  VP_ANNOTATION_NETWORKS, i,
					  e->it->network);
		es->n++;
		if (e->be->plan(c, e, err) < 0)
			return -1;
	}
	if (guest_devs(c, es, devs, &n, err) < 0)
		return -1;
	return dv->check(c, devs, n, err);
}

/* Under the lock: journal what can be named in advance, in one write,
 * then create entry by entry, then deliver.  The whole prestart runs
 * against one deadline (deadline_ms, below the runtime's hook timeout):
 * each step gets what is left of it, capped by its own bound, so a slow
 * switch or probe makes prestart fail and undo itself instead of being
 * killed by the runtime half-way. */
static int create_all(struct vp_backend_ctx *c, struct entries *es,
		      const struct vp_delivery *dv, struct vp_err *err)
{
	const struct vp_state *st = c->st;
	struct vp_record *rec = c->rec;
	struct vp_guest_dev devs[VP_REQUEST_MAX];
	size_t n;

	rec->sandbox = strdup(c->sandbox);
	rec->container = st->id ? strdup(st->id) : NULL;
	if (rec->sandbox == NULL || (st->id && rec->container == NULL))
		return vp_err_set(err, ENOMEM, "prestart");
	rec->created = (long long)time(NULL);
	rec->owner_pid = st->pid;
	if (st->pid > 0 && vp_proc_start_time(c->cfg->proc_root, st->pid,
					      &rec->owner_start, err) < 0)
		vp_log_warn("owner pid %d: %s", st->pid, err->msg);

	/* Journal every resource that can be named as pending in one write,
	 * before creating any: undo of a pending resource is harmless, a
	 * created resource missing from the journal would leak. */
	for (size_t i = 0; i < es->n; i++) {
		struct vp_entry *e = &es->e[i];

		if (e->be->journal != NULL && e->be->journal(c, e, err) < 0)
			return -1;
	}
	if (dv->journal(c, err) < 0 ||
	    vp_record_save(c->cfg->run_dir, rec, err) < 0)
		return -1;
	vp_fault_point("journal-saved");

	for (size_t i = 0; i < es->n; i++) {
		struct vp_entry *e = &es->e[i];

		if (vp_budget(c->end, c->cfg->timeout_ms, e->it->network,
			      &c->timeout_ms, err) < 0)
			return vp_err_wrap(err, "network `%s`", e->it->network);
		if (e->be->create(c, e, err) < 0)
			return -1;
	}

	if (guest_devs(c, es, devs, &n, err) < 0 ||
	    dv->deliver(c, devs, n, err) < 0)
		return -1;
	rec->complete = true;
	return vp_record_save(c->cfg->run_dir, rec, err);
}

unsigned vp_stage_needs_request(const struct vp_request *req)
{
	unsigned needs = 0;

	for (size_t i = 0; req != NULL && i < req->n; i++) {
		const struct vp_network *net = req->items[i].net;
		const struct vp_backend *be =
		    net != NULL ? vp_backend_for(net->type) : NULL;

		if (be != NULL)
			needs |= be->needs;
	}
	return needs;
}

unsigned vp_stage_needs_record(const struct vp_record *rec)
{
	unsigned needs = 0;

	for (size_t i = 0; rec != NULL && i < rec->n_res; i++) {
		const struct vp_backend *be = vp_backend_of(rec->res[i].kind);
		const struct vp_delivery *dv = vp_delivery_of(rec->res[i].kind);

		if (be != NULL)
			needs |= be->needs;
		else if (dv != NULL)
			needs |= dv->needs;
	}
	return needs;
}

/* Is anything of the earlier sandbox still alive: the owner in its record
 * (pid and start time) or the VM the shim launched for it (vm.json)?
 * With cc-runtime the owner exits before QEMU starts, so the VM counts.
 * Whatever can not be checked counts as alive: never release what might be
 * in use. */
static bool sandbox_alive(const struct vp_config *cfg, const char *sandbox,
			  const struct vp_record *rec)
{
	struct vp_owner own = vp_record_owner(rec);
	struct vp_err e;
	char why[128];
	bool alive = true;

	if (vp_sandbox_alive(cfg, sandbox, &own, &alive, why, sizeof(why), &e) <
	    0)
		return true;
	return alive;
}

/* Release what an earlier sandbox or prestart of this id left, within
 * what is left of the prestart's deadline.  What could not be released
 * stays journalled for a later poststop or gc. */
static int release_earlier(const struct vp_config *cfg, struct vp_record *rec,
			   long long end, struct vp_err *err)
{
	struct vp_release_opts ro = {.end = end};

	return vp_release_or_save(cfg, rec, &ro, err);
}

int vp_prestart(const struct vp_config *cfg, const struct vp_state *st,
		const char *sandbox, const char *annotation, struct vp_err *err)
{
	_cleanup_request_ struct vp_request req = {0};
	__attribute__((cleanup(entries_free))) struct entries es = {0};
	_cleanup_record_ struct vp_record rec = {0};
	__attribute__((cleanup(lock_releasep))) int lock = -1;
	__attribute__((cleanup(vp_backends_finish))) struct vp_backend_ctx c = {
	    .cfg = cfg,
	    .st = st,
	    .sandbox = sandbox,
	    .end = vp_now_ms() + cfg->deadline_ms,
	    .timeout_ms = cfg->timeout_ms,
	};
	const struct vp_delivery *dv = vp_delivery_for(VP_DELIVERY_COLDPLUG);
	long long end = c.end;
	unsigned wait = 0;
	int rc;

	if (plan(&c, annotation, &req, &es, dv, err) < 0)
		return -1;

	if (vp_budget(end, cfg->lock_timeout_ms, "the lock", &wait, err) < 0)
		return -1;
	lock = vp_lock_acquire(cfg->run_dir, wait, err);
	if (lock < 0)
		return -1;
	vp_fault_point("locked");
	rc = vp_record_load(cfg->run_dir, sandbox, &rec, err);
	if (rc < 0) {
		/* unreadable journal: nothing in it can be undone; do not let
		 * it block the sandbox forever */
		vp_log_error("%s; discarding it", err->msg);
		if (vp_record_remove(cfg->run_dir, sandbox, err) < 0)
			return -1;
	} else if (rc == 1 && rec.complete &&
		   !sandbox_alive(cfg, sandbox, &rec)) {
		/* poststop never ran for an earlier sandbox of this id (its
		 * owner died, or the host rebooted into a persistent run_dir):
		 * undo it rather than hand the new one its leftovers */
		vp_log_warn("releasing the setup left by an earlier sandbox "
			    "of this id (owner pid %d is gone)",
			    rec.owner_pid);
		if (release_earlier(cfg, &rec, end, err) < 0)
			return vp_err_wrap(err, "earlier sandbox of this id");
	} else if (rc == 1 && rec.complete) {
		/* Kata runs prestart for every container of the pod; whoever
		 * this is, it gets nothing and changes nothing */
		char who[VP_PRINTABLE_MAX];

		vp_log_info("sandbox already set up by container %s; nothing "
			    "to do",
			    rec.container
				? vp_printable(rec.container, who, sizeof(who))
				: "?");
		return 0;
	} else if (rc == 1) {
		/* the lock is free, so the hook that wrote this died */
		vp_log_warn("undoing the partial setup of an earlier prestart");
		if (release_earlier(cfg, &rec, end, err) < 0)
			return vp_err_wrap(err, "earlier partial setup");
	}
	vp_record_free(&rec);
	/* earlier setups are undone: from here on only the request's own
	 * backends and delivery run (no exec without vhost-user, no netns
	 * without SR-IOV) */
	if (vp_filter_restrict(vp_stage_needs_request(&req) | dv->needs, err) <
	    0)
		return -1;

	c.rec = &rec;
	if (create_all(&c, &es, dv, err) < 0) {
		rollback(cfg, &rec);
		return -1;
	}
	return 0;
}

int vp_poststop(const struct vp_config *cfg, const struct vp_state *st,
		const char *sandbox, struct vp_err *err)
{
	_cleanup_record_ struct vp_record rec = {0};
	__attribute__((cleanup(lock_releasep))) int lock = -1;
	_cleanup_free_ char *dir = vp_rundir_sandbox(cfg->run_dir, sandbox);
	struct stat sb;
	char why[256];
	int rc;

	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "poststop");
	/* unknown sandbox: nothing to do, and no lock needed to know it */
	if (lstat(dir, &sb) < 0 && errno == ENOENT)
		return 0;
	lock = vp_lock_acquire(cfg->run_dir, cfg->lock_timeout_ms, err);
	if (lock < 0)
		return -1;
	rc = vp_record_load(cfg->run_dir, sandbox, &rec, err);
	if (rc < 0) {
		vp_log_error("%s; discarding it", err->msg);
		return vp_record_remove(cfg->run_dir, sandbox, err);
	}
	if (rc == 0)
		return vp_record_remove(cfg->run_dir, sandbox, err);
	/* Only the container that set the sandbox up ends it: another
	 * container of the pod stopping, or one that merely names this
	 * sandbox in its annotations, releases nothing (gc judges by
	 * liveness what no owner released). */
	if (!vp_state_is_owner(st, cfg->proc_root, rec.container, rec.owner_pid,
			       rec.owner_start, why, sizeof(why))) {
		vp_log_debug("not the sandbox's owner, releasing nothing: %s",
			     why);
		return 0;
	}
	if (vp_filter_restrict(vp_stage_needs_record(&rec), err) < 0)
		return -1;
	return vp_release_or_save(cfg, &rec, NULL, err);
}

static int stage_from_status(const struct vp_state *st, enum vp_stage *stage,
			     struct vp_err *err)
{
	char buf[VP_PRINTABLE_MAX];

	if (st->status == NULL)
		return vp_err_set(err, 0,
				  "stage `auto` needs a `status` in the "
				  "state; name the stage instead");
	if (strcmp(st->status, "creating") == 0 ||
	    strcmp(st->status, "created") == 0)
		*stage = VP_STAGE_PRESTART;
	else if (strcmp(st->status, "stopped") == 0)
		*stage = VP_STAGE_POSTSTOP;
	else
		return vp_err_set(err, 0,
				  "stage `auto`: status `%s` is neither "
				  "created nor stopped",
				  vp_printable(st->status, buf, sizeof(buf)));
	return 0;
}

int vp_hook_run(const struct vp_hook_opts *o, struct vp_err *err)
{
	_cleanup_state_ struct vp_state st = {0};
	_cleanup_config_ struct vp_config cfg = {0};
	_cleanup_free_ char *buf = NULL;
	enum vp_stage stage = o->stage;
	const char *annotation, *sandbox;
	size_t len;

	if (vp_read_fd(o->state_fd, VP_STATE_MAX, &buf, &len, err) < 0)
		return vp_err_wrap(err, "OCI state on stdin");
	if (vp_state_parse(buf, len, &st, err) < 0)
		return vp_err_wrap(err, "OCI state on stdin");
	if (!st.has_annotations &&
	    vp_state_complete(&st, VP_DEFAULT_PROC_ROOT, err) < 0)
		return -1;
	annotation = vp_state_annotation(&st, VP_ANNOTATION_NETWORKS);
	if (annotation == NULL)
		return 0; /* the fast path: no request, no config, no lock */
	/* The filter goes on here, before the config, the request and any
	 * record are read: compiling it costs about as much as the rest of
	 * the no-request path, which runs for every container, while reading
	 * the state before it is one bounded read and a fuzzed parser. */
	if (o->seccomp && vp_filter_install(err) < 0)
		return vp_err_wrap(
		    err, "self-sandbox (--no-seccomp runs without it)");

	if (vp_state_sandbox_id(&st, &sandbox, err) < 0)
		return -1;
	vp_log_set_sandbox(sandbox);
	if (stage == VP_STAGE_AUTO && stage_from_status(&st, &stage, err) < 0)
		return -1;
	if (vp_config_load(o->config_path, &cfg, err) < 0)
		return -1;
	if (cfg.syslog)
		vp_log_enable_syslog(true);
	if (stage == VP_STAGE_PRESTART)
		return vp_prestart(&cfg, &st, sandbox, annotation, err);
	return vp_poststop(&cfg, &st, sandbox, err);
}

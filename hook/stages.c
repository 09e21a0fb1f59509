/* stages.c - prestart and poststop (see stages.h).
 *
 * prestart validates everything it can before touching the host (request,
 * names, socket paths, QEMU arguments), then, under the lock, journals
 * each resource in the record before creating it.  Any failure undoes
 * what the journal holds, so a refused container leaves nothing behind;
 * a killed hook leaves a journal that poststop (or gc) undoes.
 */
#include "stages.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "devlist.h"
#include "fault.h"
#include "fileio.h"
#include "liveness.h"
#include "lock.h"
#include "log.h"
#include "ovs.h"
#include "proc.h"
#include "qemu_args.h"
#include "request.h"
#include "seccomp_policy.h"
#include "validate.h"
#include "vf_setup.h"
#include "rundir.h"

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

/* What prestart will create for one request entry, computed up front. */
struct plan_port {
	char port[16];
	char socket[VP_SUN_PATH_MAX + 1];
};

static void lock_releasep(int *fd)
{
	vp_lock_release(*fd);
}

/* Undo and forget a record after a failed prestart; errors are only
 * logged, the caller reports the failure that got us here. */
static void rollback(const struct vp_config *cfg, struct vp_record *rec)
{
	struct vp_err e;

	if (vp_release(cfg, rec, &e) < 0) {
		vp_log_error("rollback incomplete, left for poststop/gc: %s",
			     e.msg);
		if (vp_record_save(cfg->run_dir, rec, &e) < 0)
			vp_log_err(VP_LOG_ERROR, &e);
		return;
	}
	if (vp_record_remove(cfg->run_dir, rec->sandbox, &e) < 0)
		vp_log_err(VP_LOG_ERROR, &e);
}

/* Entry index is the last character of a port name. */
_Static_assert(VP_REQUEST_MAX <= VP_OVS_NAME_INDEX_MAX,
	       "port names tell request entries apart by one hex digit");

/* The socket is named after the port: a name that is free on the switch
 * gets a socket path no port of ours uses. */
static int port_socket(const struct vp_vhost_net *v, struct plan_port *p,
		       struct vp_err *err)
{
	char name[32];

	snprintf(name, sizeof(name), "%.15s.sock", p->port);
	return vp_socket_path(v->socket_dir, name, p->socket,
			      sizeof(p->socket), err);
}

/* The vhost-user devices' QEMU arguments, in request order. */
static int vhost_args(const struct vp_request *req,
		      const struct plan_port *ports, struct vp_argv *out,
		      struct vp_err *err)
{
	for (size_t i = 0; i < req->n; i++) {
		const struct vp_request_item *it = &req->items[i];
		struct vp_vhost_dev dev = { 0 };

		if (it->net->type != VP_NET_VHOST_USER)
			continue;
		dev.index = (unsigned)i;
		dev.socket_path = ports[i].socket;
		memcpy(dev.mac, it->mac, 6);
		dev.queues = it->queues;
		dev.vectors = it->net->vhost.vectors;
		if (vp_qemu_vhost_user_args(&dev, out, err) < 0)
			return vp_err_wrap(err, "%s[%zu]", VP_ANNOTATION_NETWORKS,
					   i);
	}
	return 0;
}

/* Everything that can be refused without touching the host.  Ports get
 * their first-choice names; every choice has the same length, so a later
 * one fits wherever the first did. */
static int plan(const struct vp_config *cfg, const struct vp_state *st,
		const char *sandbox, const char *annotation,
		struct vp_request *req, struct plan_port *ports,
		struct vp_devlist *dl, struct vp_err *err)
{
	bool vhost = false;

	(void)st;
	if (vp_request_parse(annotation, req, err) < 0 ||
	    vp_request_resolve(req, cfg, sandbox, err) < 0)
		return -1;
	for (size_t i = 0; i < req->n; i++) {
		const struct vp_request_item *it = &req->items[i];

		if (it->net->type != VP_NET_VHOST_USER)
			continue;
		vhost = true;
		vp_ovs_port_name(sandbox, (unsigned)i, 0, ports[i].port);
		if (port_socket(&it->net->vhost, &ports[i], err) < 0)
			return vp_err_wrap(err, "%s[%zu]", VP_ANNOTATION_NETWORKS,
					   i);
	}
	if (vhost_args(req, ports, &dl->args, err) < 0)
		return -1;
	/* vhost-user needs guest RAM the vswitch can map */
	dl->shared_memory = vhost;
	return 0;
}

/* The whole prestart runs against one deadline (deadline_ms, below the
 * runtime's hook timeout): each step gets what is left of it, capped by
 * its own bound, so a slow switch or probe makes prestart fail and undo
 * itself instead of being killed by the runtime half-way. */
static int budget(long long end, unsigned cap, const char *step,
		  unsigned *out, struct vp_err *err)
{
	long long left = end - vp_now_ms();

	if (left <= 0)
		return vp_err_set(err, ETIMEDOUT,
				  "prestart deadline passed before %s", step);
	*out = left < cap ? (unsigned)left : cap;
	return 0;
}

/* A name is taken when the switch has a port or interface of that name
 * (another sandbox's, the admin's, or ours from a record that was lost)
 * or its socket file exists (a port of that name on another switch
 * sharing the socket directory, once its QEMU runs).  A taken name is
 * never ours to create or to delete: the entry moves to the next choice,
 * journalled before it is tried, and after VP_OVS_NAME_TRIES it is marked
 * "not-created" so nothing undoes it. */
static int add_port(const struct vp_config *cfg, struct vp_ovs *o,
		    const char *sandbox, const struct vp_request_item *it,
		    unsigned index, struct plan_port *p, struct vp_record *rec,
		    int ri, long long end, bool *renamed, struct vp_err *err)
{
	const struct vp_vhost_net *v = &it->net->vhost;
	struct vp_resource *r = &rec->res[ri];

	for (unsigned attempt = 0;;) {
		const char *why = "its socket file exists";
		struct stat sb;

		if (lstat(p->socket, &sb) < 0) {
			if (budget(end, cfg->timeout_ms, it->network,
				   &o->timeout_ms, err) < 0)
				return -1;
			if (vp_ovs_add_vhost_port(o, v->bridge, p->port,
						  p->socket, it->queues,
						  sandbox, index, err) == 0)
				return 0;
			if (err->errnum != EEXIST)
				return -1;
			why = "a port or interface of that name exists";
		}
		if (++attempt == VP_OVS_NAME_TRIES) {
			r->state = VP_RES_NOT_CREATED;
			return vp_err_set(err, EEXIST,
					  "no free port name after %u tries "
					  "(the last, `%s`: %s)",
					  attempt, p->port, why);
		}
		vp_log_warn("port name %s is taken (%s); trying the next "
			    "choice",
			    p->port, why);
		vp_ovs_port_name(sandbox, index, attempt, p->port);
		if (port_socket(v, p, err) < 0)
			return -1;
		free(r->port);
		free(r->socket);
		r->port = strdup(p->port);
		r->socket = strdup(p->socket);
		if (r->port == NULL || r->socket == NULL)
			return vp_err_set(err, ENOMEM, "prestart");
		if (vp_record_save(cfg->run_dir, rec, err) < 0)
			return -1;
		*renamed = true;
	}
}

/* After a port moved to another name: the vhost-user arguments again
 * (they come first, as plan() put them), then the VFs' as they were. */
static int rebuild_vhost_args(const struct vp_request *req,
			      const struct plan_port *ports, size_t n_vhost,
			      struct vp_devlist *dl, struct vp_err *err)
{
	struct vp_argv a = { 0 };

	if (vhost_args(req, ports, &a, err) < 0)
		goto fail;
	for (size_t k = n_vhost; k < dl->args.n; k++)
		if (vp_argv_push(&a, dl->args.v[k], err) < 0)
			goto fail;
	vp_argv_free(&dl->args);
	dl->args = a;
	return 0;
fail:
	vp_argv_free(&a);
	return -1;
}

static int create_all(const struct vp_config *cfg, const struct vp_state *st,
		      const char *sandbox, const struct vp_request *req,
		      struct plan_port *ports, struct vp_devlist *dl,
		      struct vp_record *rec, long long end, struct vp_err *err)
{
	struct vp_config lc = *cfg; /* per-step timeouts; owns nothing */
	_cleanup_free_ char *dlpath = vp_rundir_file(cfg->run_dir, sandbox, VP_RUNDIR_DEVLIST);
	_cleanup_strv_ char **claims = NULL;
	size_t n_claims = 0;
	bool have_claims = false;
	int port_idx[VP_REQUEST_MAX];
	int dl_idx;
	bool renamed = false;
	size_t n_vhost_args = dl->args.n; /* plan()'s; VFs' come after */

	if (dlpath == NULL)
		return vp_err_set(err, ENOMEM, "prestart");
	rec->sandbox = strdup(sandbox);
	rec->container = st->id ? strdup(st->id) : NULL;
	if (rec->sandbox == NULL || (st->id && rec->container == NULL))
		return vp_err_set(err, ENOMEM, "prestart");
	rec->created = (long long)time(NULL);
	rec->owner_pid = st->pid;
	if (st->pid > 0 &&
	    vp_proc_start_time(cfg->proc_root, st->pid, &rec->owner_start,
			       err) < 0)
		vp_log_warn("owner pid %d: %s", st->pid, err->msg);

	/* Journal every resource as pending in one write, before creating
	 * any: undo of a pending resource is harmless, a created resource
	 * missing from the journal would leak. */
	for (size_t i = 0; i < req->n; i++) {
		const struct vp_request_item *it = &req->items[i];
		const struct vp_vhost_net *v = &it->net->vhost;
		struct vp_resource r = {
			.kind = VP_RES_OVS_PORT,
			.state = VP_RES_PENDING,
			.index = (unsigned)i,
			.network = it->network,
			.ovsdb = v->ovsdb,
			.bridge = v->bridge,
			.port = (char *)ports[i].port,
			.socket = (char *)ports[i].socket,
		};

		if (it->net->type != VP_NET_VHOST_USER)
			continue;
		port_idx[i] = vp_record_add(rec, &r, err);
		if (port_idx[i] < 0)
			return -1;
	}
	struct vp_resource d = { .kind = VP_RES_DEVLIST,
				 .state = VP_RES_PENDING,
				 .path = dlpath };
	dl_idx = vp_record_add(rec, &d, err);
	if (dl_idx < 0 || vp_record_save(cfg->run_dir, rec, err) < 0)
		return -1;
	vp_fault_point("journal-saved");

	for (size_t i = 0; i < req->n; i++) {
		const struct vp_request_item *it = &req->items[i];
		const struct vp_vhost_net *v = &it->net->vhost;
		struct vp_ovs o = { cfg->ovs_vsctl, v->ovsdb, 0 };
		char mac[18];

		if (budget(end, cfg->timeout_ms, it->network, &lc.timeout_ms,
			   err) < 0)
			return vp_err_wrap(err, "network `%s`", it->network);
		o.timeout_ms = lc.timeout_ms;
		if (it->net->type == VP_NET_SRIOV) {
			if (!have_claims &&
			    vp_record_claims(cfg->run_dir, &claims, &n_claims,
					     err) < 0)
				return -1;
			have_claims = true;
			if (vp_vf_setup(&lc, st, it, (unsigned)i, rec, &claims,
					&n_claims, &dl->args, err) < 0)
				return -1;
			continue;
		}
		if (vp_mkdir_p(v->socket_dir, 0755, err) < 0)
			return -1;
		if (add_port(cfg, &o, sandbox, it, (unsigned)i, &ports[i], rec,
			     port_idx[i], end, &renamed, err) < 0)
			return vp_err_wrap(err, "network `%s`", it->network);
		vp_fault_point("port-added");
		rec->res[port_idx[i]].state = VP_RES_CREATED;
		vp_mac_format(it->mac, mac);
		vp_log_info("network %s: port %s on bridge %s (ovs-dpdk), "
			    "socket %s, mac %s, queues %u, ifname %s",
			    it->network, ports[i].port, v->bridge,
			    ports[i].socket, mac, it->queues, it->ifname);
	}

	if (renamed && rebuild_vhost_args(req, ports, n_vhost_args, dl, err) < 0)
		return -1;
	dl->sandbox = strdup(sandbox);
	if (dl->sandbox == NULL)
		return vp_err_set(err, ENOMEM, "prestart");
	vp_fault_point("before-devlist");
	if (vp_devlist_write(dlpath, dl, err) < 0)
		return -1;
	vp_fault_point("devlist-written");
	rec->res[dl_idx].state = VP_RES_CREATED;
	rec->complete = true;
	return vp_record_save(cfg->run_dir, rec, err);
}

unsigned vp_stage_needs_request(const struct vp_request *req)
{
	unsigned needs = 0;

	for (size_t i = 0; req != NULL && i < req->n; i++) {
		const struct vp_network *net = req->items[i].net;

		if (net == NULL)
			continue;
		if (net->type == VP_NET_VHOST_USER)
			needs |= VP_FILTER_EXEC;
		else if (net->type == VP_NET_SRIOV)
			needs |= VP_FILTER_NETLINK | VP_FILTER_NETNS;
	}
	return needs;
}

unsigned vp_stage_needs_record(const struct vp_record *rec)
{
	unsigned needs = 0;

	for (size_t i = 0; rec != NULL && i < rec->n_res; i++) {
		switch (rec->res[i].kind) {
		case VP_RES_OVS_PORT:
			needs |= VP_FILTER_EXEC;
			break;
		case VP_RES_VF_CLAIM:
		case VP_RES_VF_CONFIG:
		case VP_RES_NETNS_MOVE:
			needs |= VP_FILTER_NETLINK | VP_FILTER_NETNS;
			break;
		case VP_RES_DEVLIST:
		case VP_RES_VFIO_BIND:
			break; /* files and sysfs writes only */
		}
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

	if (vp_sandbox_alive(cfg, sandbox, &own, &alive, why, sizeof(why),
			     &e) < 0)
		return true;
	return alive;
}

/* Release what an earlier sandbox or prestart of this id left, within
 * what is left of the prestart's deadline.  What could not be released
 * stays journalled for a later poststop or gc. */
static int release_earlier(const struct vp_config *cfg, struct vp_record *rec,
			   long long end, struct vp_err *err)
{
	struct vp_release_opts ro = { .end = end };

	if (vp_release_opt(cfg, rec, &ro, err) < 0) {
		struct vp_err e2;

		if (vp_record_save(cfg->run_dir, rec, &e2) < 0)
			vp_log_err(VP_LOG_ERROR, &e2);
		return -1;
	}
	return vp_record_remove(cfg->run_dir, rec->sandbox, err);
}

int vp_prestart(const struct vp_config *cfg, const struct vp_state *st,
		const char *sandbox, const char *annotation,
		struct vp_err *err)
{
	_cleanup_request_ struct vp_request req = { 0 };
	_cleanup_devlist_ struct vp_devlist dl = { 0 };
	_cleanup_record_ struct vp_record rec = { 0 };
	__attribute__((cleanup(lock_releasep))) int lock = -1;
	struct plan_port ports[VP_REQUEST_MAX];
	long long end = vp_now_ms() + cfg->deadline_ms;
	unsigned wait = 0;
	int rc;

	if (plan(cfg, st, sandbox, annotation, &req, ports, &dl, err) < 0)
		return -1;

	if (budget(end, cfg->lock_timeout_ms, "the lock", &wait, err) < 0)
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
			    rec.container ? vp_printable(rec.container, who,
							 sizeof(who))
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
	 * backends run (no exec without vhost-user, no netns without SR-IOV) */
	if (vp_filter_restrict(vp_stage_needs_request(&req), err) < 0)
		return -1;

	/* no separate bridge check: one ovs-vsctl run per port keeps
	 * prestart near the cost of a bare add-port, and add-port's own
	 * "no bridge named X" is reported with the network's name */
	if (create_all(cfg, st, sandbox, &req, ports, &dl, &rec, end, err) < 0) {
		rollback(cfg, &rec);
		return -1;
	}
	return 0;
}

int vp_poststop(const struct vp_config *cfg, const struct vp_state *st,
		const char *sandbox, struct vp_err *err)
{
	_cleanup_record_ struct vp_record rec = { 0 };
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
	if (!vp_state_is_owner(st, cfg->proc_root, rec.container,
			       rec.owner_pid, rec.owner_start, why,
			       sizeof(why))) {
		vp_log_debug("not the sandbox's owner, releasing nothing: %s",
			     why);
		return 0;
	}
	if (vp_filter_restrict(vp_stage_needs_record(&rec), err) < 0)
		return -1;
	if (vp_release(cfg, &rec, err) < 0) {
		struct vp_err e2;

		if (vp_record_save(cfg->run_dir, &rec, &e2) < 0)
			vp_log_err(VP_LOG_ERROR, &e2);
		return -1;
	}
	return vp_record_remove(cfg->run_dir, sandbox, err);
}

static int stage_from_status(const struct vp_state *st, enum vp_stage *stage,
			     struct vp_err *err)
{
	char buf[VP_PRINTABLE_MAX];

	if (st->status == NULL)
		return vp_err_set(err, 0, "stage `auto` needs a `status` in the "
					  "state; name the stage instead");
	if (strcmp(st->status, "creating") == 0 ||
	    strcmp(st->status, "created") == 0)
		*stage = VP_STAGE_PRESTART;
	else if (strcmp(st->status, "stopped") == 0)
		*stage = VP_STAGE_POSTSTOP;
	else
		return vp_err_set(err, 0, "stage `auto`: status `%s` is neither "
					  "created nor stopped",
				  vp_printable(st->status, buf, sizeof(buf)));
	return 0;
}

int vp_hook_run(const struct vp_hook_opts *o, struct vp_err *err)
{
	_cleanup_state_ struct vp_state st = { 0 };
	_cleanup_config_ struct vp_config cfg = { 0 };
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
		return vp_err_wrap(err, "self-sandbox (--no-seccomp runs without it)");

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

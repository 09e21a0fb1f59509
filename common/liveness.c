/* liveness.c - owner and VM liveness of a sandbox, vm.json (see liveness.h). */
#include "liveness.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "proc.h"

#define VM_VERSION 1

const char *vp_live_name(enum vp_live l)
{
	switch (l) {
	case VP_LIVE_NONE:
		return "none";
	case VP_LIVE_ALIVE:
		return "alive";
	case VP_LIVE_DEAD:
		return "dead";
	case VP_LIVE_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Field 3 of /proc/<pid>/stat: 'Z' (zombie) and 'X' (dead) hold nothing. */
static int proc_state(const char *proc_root, int pid, char *state,
		      struct vp_err *err)
{
	_cleanup_free_ char *path = vp_asprintf("%s/%d/stat", proc_root, pid);
	_cleanup_free_ char *buf = NULL;
	char *p;
	size_t len;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "proc");
	if (vp_read_file(path, 64 * 1024, &buf, &len, err) < 0)
		return -1;
	/* comm may hold ") ": the state follows the last one */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return vp_err_set(err, 0, "`%s`: unexpected format", path);
	*state = p[2];
	return 0;
}

enum vp_live vp_proc_live(const char *proc_root, int pid,
			  unsigned long long start)
{
	unsigned long long now_start;
	struct vp_err e;
	char state = 0;

	if (pid <= 0 || start == 0)
		return VP_LIVE_UNKNOWN;
	if (vp_proc_start_time(proc_root, pid, &now_start, &e) < 0)
		return e.errnum == ENOENT || e.errnum == ESRCH
			   ? VP_LIVE_DEAD
			   : VP_LIVE_UNKNOWN;
	if (now_start != start)
		return VP_LIVE_DEAD; /* the pid was reused */
	if (proc_state(proc_root, pid, &state, &e) < 0)
		return e.errnum == ENOENT || e.errnum == ESRCH
			   ? VP_LIVE_DEAD
			   : VP_LIVE_UNKNOWN;
	return state == 'Z' || state == 'X' ? VP_LIVE_DEAD : VP_LIVE_ALIVE;
}

char *vp_vm_path(const char *run_dir, const char *sandbox)
{
	return vp_asprintf("%s/sandboxes/%s/vm.json", run_dir, sandbox);
}

int vp_vm_write(const char *run_dir, const char *sandbox, int pid,
		unsigned long long start, struct vp_err *err)
{
	_cleanup_free_ char *dir = vp_record_dir(run_dir, sandbox);
	_cleanup_free_ char *path = vp_vm_path(run_dir, sandbox);
	_cleanup_free_ char *buf = NULL;
	struct vp_jw *w;
	size_t len;
	int rc;

	if (dir == NULL || path == NULL)
		return vp_err_set(err, ENOMEM, "vm.json");
	w = vp_jw_new(false);
	if (w == NULL)
		return vp_err_set(err, ENOMEM, "vm.json");
	vp_jw_obj_open(w);
	vp_jw_key(w, "version");
	vp_jw_int(w, VM_VERSION);
	vp_jw_key(w, "pid");
	vp_jw_int(w, pid);
	vp_jw_key(w, "start");
	vp_jw_int(w, (long long)start);
	vp_jw_obj_close(w);
	rc = vp_jw_finish(w, &buf, &len, err);
	vp_jw_free(w);
	if (rc < 0)
		return -1;
	if (vp_mkdir_p(dir, 0700, err) < 0)
		return -1;
	return vp_write_file_atomic(path, buf, len, 0600, err);
}

int vp_vm_load(const char *run_dir, const char *sandbox, int *pid,
	       unsigned long long *start, struct vp_err *err)
{
	_cleanup_free_ char *path = vp_vm_path(run_dir, sandbox);
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct vp_json *root = NULL;
	static const char *const keys[] = {"version", "pid", "start", NULL};
	long long v, p, s;
	size_t len;

	*pid = 0;
	*start = 0;
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "vm.json");
	if (vp_read_file(path, 4096, &buf, &len, err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	if (vp_json_parse(buf, len, &root, err) < 0 ||
	    vp_json_check_keys(root, keys, NULL, err) < 0 ||
	    vp_json_int(vp_json_get(root, "version"), VM_VERSION, VM_VERSION,
			"version", &v, err) < 0 ||
	    vp_json_int(vp_json_get(root, "pid"), 1, 1 << 30, "pid", &p, err) <
		0 ||
	    vp_json_int(vp_json_get(root, "start"), 1, 1LL << 62, "start", &s,
			err) < 0)
		return vp_err_wrap(err, "corrupt `%s`", path);
	*pid = (int)p;
	*start = (unsigned long long)s;
	return 1;
}

int vp_sandbox_liveness(const struct vp_config *cfg, const char *sandbox,
			const struct vp_record *rec, struct vp_liveness *l,
			struct vp_err *err)
{
	int rc;

	memset(l, 0, sizeof(*l));
	/* unknown until proven otherwise: a failure below keeps the
	 * sandbox */
	l->owner = VP_LIVE_UNKNOWN;
	l->vm = VP_LIVE_UNKNOWN;
	l->alive = true;
	snprintf(l->why, sizeof(l->why), "vm.json unreadable");
	rc = vp_vm_load(cfg->run_dir, sandbox, &l->vm_pid, &l->vm_start, err);
	if (rc < 0)
		return -1;
	l->vm = rc == 0 ? VP_LIVE_NONE
			: vp_proc_live(cfg->proc_root, l->vm_pid, l->vm_start);
	/* a dir without a record has no owner: only its VM can keep it */
	if (rec == NULL)
		l->owner = VP_LIVE_NONE;
	else
		l->owner = vp_proc_live(cfg->proc_root, rec->owner_pid,
					rec->owner_start);

	if (l->owner == VP_LIVE_ALIVE)
		snprintf(l->why, sizeof(l->why), "owner pid %d alive",
			 rec->owner_pid);
	else if (l->vm == VP_LIVE_ALIVE)
		snprintf(l->why, sizeof(l->why), "VM pid %d alive", l->vm_pid);
	else if (l->owner == VP_LIVE_UNKNOWN)
		snprintf(l->why, sizeof(l->why),
			 "owner pid %d can not be checked", rec->owner_pid);
	else if (l->vm == VP_LIVE_UNKNOWN)
		snprintf(l->why, sizeof(l->why), "VM pid %d can not be checked",
			 l->vm_pid);
	else {
		char vm[64] = "no VM";

		if (l->vm == VP_LIVE_DEAD)
			snprintf(vm, sizeof(vm), "VM pid %d gone", l->vm_pid);
		l->alive = false;
		if (rec == NULL)
			snprintf(l->why, sizeof(l->why), "no record, %s", vm);
		else
			snprintf(l->why, sizeof(l->why),
				 "owner pid %d gone, %s", rec->owner_pid, vm);
	}
	return 0;
}

int vp_sandbox_alive(const struct vp_config *cfg, const char *sandbox,
		     const struct vp_record *rec, bool *alive, char *why,
		     size_t size, struct vp_err *err)
{
	struct vp_liveness l;
	int rc = vp_sandbox_liveness(cfg, sandbox, rec, &l, err);

	*alive = l.alive;
	if (size > 0)
		snprintf(why, size, "%s", rc < 0 ? err->msg : l.why);
	return rc;
}

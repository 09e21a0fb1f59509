/* liveness.c - owner and VM liveness of a sandbox, vm.json (see liveness.h). */
#include "liveness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "qemu_opts.h"
#include "rundir.h"

#define VM_VERSION 1	     /* the VM's pid */
#define VM_VERSION_PIDFILE 2 /* the launcher's pid and QEMU's pidfile */
#define PID_MAX (1 << 30)
/* QEMU's argv as /proc shows it; Kata's is a few KiB */
#define CMDLINE_MAX (1024 * 1024)

const char *vp_live_name(enum vp_live l)
{
	switch (l) {
	case VP_LIVE_NONE:
		return "none";
	case VP_LIVE_ALIVE:
		return "alive";
	case VP_LIVE_DEAD:
		return "dead";
	case VP_LIVE_STARTING:
		return "starting";
	case VP_LIVE_UNKNOWN:
		break;
	}
	return "unknown";
}

enum vp_live vp_proc_live(const char *proc_root, int pid,
			  unsigned long long start)
{
	struct vp_proc_stat st;
	struct vp_err e;

	if (pid <= 0 || start == 0)
		return VP_LIVE_UNKNOWN;
	if (vp_proc_stat(proc_root, pid, &st, &e) < 0)
		return e.errnum == ENOENT || e.errnum == ESRCH
			   ? VP_LIVE_DEAD
			   : VP_LIVE_UNKNOWN;
	if (st.start != start)
		return VP_LIVE_DEAD; /* the pid was reused */
	/* 'Z' (zombie) and 'X' (dead) hold nothing */
	return st.state == 'Z' || st.state == 'X' ? VP_LIVE_DEAD
						  : VP_LIVE_ALIVE;
}

void vp_vm_free(struct vp_vm *vm)
{
	free(vm->pidfile);
	vm->pidfile = NULL;
}

static void vm_freep(struct vp_vm *vm)
{
	vp_vm_free(vm);
}

/* Open the sandbox's directory (checked root's alone, fileio.h) when it
 * still holds what its VM is started with: the record or the device list.
 * gc and poststop remove the whole directory when they release a sandbox,
 * under the lock the caller holds; a vm.json written after that would
 * bring back a sandbox whose devices are gone. */
static int sandbox_held(const char *run_dir, const char *sandbox,
			struct vp_err *err)
{
	_cleanup_close_ int dfd =
	    vp_rundir_sandbox_open(run_dir, sandbox, false, err);
	struct stat st;

	if (dfd < 0) {
		if (err->errnum == ENOENT)
			return vp_err_set(err, ENOENT,
					  "sandbox %s has been released: its "
					  "devices are gone",
					  sandbox);
		return -1;
	}
	if (fstatat(dfd, VP_RUNDIR_RECORD, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    fstatat(dfd, VP_RUNDIR_DEVLIST, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return vp_steal_fd(&dfd);
	return vp_err_set(err, ENOENT,
			  "sandbox %s has been released (no record or device "
			  "list left): its devices are gone",
			  sandbox);
}

int vp_vm_save(const char *run_dir, const char *sandbox, const struct vp_vm *vm,
	       struct vp_err *err)
{
	_cleanup_free_ char *path =
	    vp_rundir_file(run_dir, sandbox, VP_RUNDIR_VM);
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int dfd = -1;
	struct vp_jw *w;
	size_t len;
	int rc;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "vm.json");
	w = vp_jw_new(false);
	if (w == NULL)
		return vp_err_set(err, ENOMEM, "vm.json");
	vp_jw_obj_open(w);
	vp_jw_key(w, "version");
	vp_jw_int(w, vm->pidfile != NULL ? VM_VERSION_PIDFILE : VM_VERSION);
	vp_jw_key(w, "pid");
	vp_jw_int(w, vm->pid);
	vp_jw_key(w, "start");
	vp_jw_int(w, (long long)vm->start);
	if (vm->pidfile != NULL) {
		vp_jw_key(w, "pidfile");
		vp_jw_str(w, vm->pidfile);
	}
	vp_jw_obj_close(w);
	rc = vp_jw_finish(w, &buf, &len, err);
	vp_jw_free(w);
	if (rc < 0)
		return -1;
	/* never mkdir: see sandbox_held */
	dfd = sandbox_held(run_dir, sandbox, err);
	if (dfd < 0)
		return -1;
	return vp_write_file_atomic_at(dfd, VP_RUNDIR_VM, path, buf, len, 0600,
				       err);
}

int vp_vm_write(const char *run_dir, const char *sandbox, int pid,
		unsigned long long start, struct vp_err *err)
{
	struct vp_vm vm = {.pid = pid, .start = start, .pidfile = NULL};

	return vp_vm_save(run_dir, sandbox, &vm, err);
}

int vp_vm_load(const char *run_dir, const char *sandbox, struct vp_vm *vm,
	       struct vp_err *err)
{
	static const char *const keys1[] = {"version", "pid", "start", NULL};
	static const char *const keys2[] = {"version", "pid", "start",
					    "pidfile", NULL};
	_cleanup_free_ char *path =
	    vp_rundir_file(run_dir, sandbox, VP_RUNDIR_VM);
	_cleanup_free_ char *buf = NULL;
	_cleanup_json_ struct vp_json *root = NULL;
	const unsigned req = VP_JSON_REQUIRED;
	const char *pf;
	long long v = 0, p = 0, s = 0;
	size_t len;

	memset(vm, 0, sizeof(*vm));
	if (path == NULL)
		return vp_err_set(err, ENOMEM, "vm.json");
	/* the shim's word on which pid is the VM: only from a file root
	 * alone could have written */
	if (vp_read_file_trusted(path, 4096, &buf, &len, err) < 0)
		return err->errnum == ENOENT ? 0 : -1;
	if (vp_json_parse(buf, len, &root, err) < 0 ||
	    vp_json_member_int(root, NULL, "version", req, VM_VERSION,
			       VM_VERSION_PIDFILE, &v, err) < 0 ||
	    vp_json_check_keys(root, v == VM_VERSION ? keys1 : keys2, NULL,
			       err) < 0 ||
	    vp_json_member_int(root, NULL, "pid", req, 1, PID_MAX, &p, err) <
		0 ||
	    vp_json_member_int(root, NULL, "start", req, 1, 1LL << 62, &s,
			       err) < 0)
		return vp_err_wrap(err, "corrupt `%s`", path);
	if (v == VM_VERSION_PIDFILE) {
		if (vp_json_member_str(root, NULL, "pidfile", req, &pf, err) <
		    0)
			return vp_err_wrap(err, "corrupt `%s`", path);
		if (pf[0] != '/' || strlen(pf) >= PATH_MAX)
			return vp_err_set(err, 0,
					  "corrupt `%s`: pidfile: must be an "
					  "absolute path",
					  path);
		vm->pidfile = strdup(pf);
		if (vm->pidfile == NULL)
			return vp_err_set(err, ENOMEM, "vm.json");
	}
	vm->pid = (int)p;
	vm->start = (unsigned long long)s;
	return 1;
}

/* The pid QEMU wrote into its pidfile ("<pid>\n"), or 0 when there is none
 * to read.  The path is the runtime's: opened without following a symlink
 * in its last component or blocking on a FIFO, a regular file of a few
 * bytes only. */
static int pidfile_pid(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	struct vp_err e;
	size_t len;
	char *end;
	long v;

	if (vp_read_file(path, 32, &buf, &len, &e) < 0)
		return 0;
	if (buf[0] < '0' || buf[0] > '9')
		return 0;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || (*end != '\0' && strcmp(end, "\n") != 0) || v <= 0 ||
	    v > PID_MAX)
		return 0;
	return (int)v;
}

/* Does `pid` run QEMU for `sandbox`: does its argv as procfs shows it name
 * the sandbox with -name, as the shim's argv did?  QEMU does not rewrite
 * its argv, and unlike /proc/<pid>/exe this stays true when the QEMU
 * binary is upgraded under a running VM or is reached through a wrapper
 * script.  Any process can forge its argv: that can keep a sandbox alive,
 * never release one. */
static bool runs_sandbox(const char *proc_root, int pid, const char *sandbox)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ char **argv = NULL;
	_cleanup_free_ char *id = NULL;
	struct vp_err e;
	size_t n = 0;

	if (vp_proc_cmdline(proc_root, pid, CMDLINE_MAX, &buf, &argv, &n, &e) <
		0 ||
	    n == 0)
		return false;
	return vp_qemu_sandbox_id((int)n - 1, argv + 1, &id, &e) == 1 &&
	       strcmp(id, sandbox) == 0;
}

/* The VM a vm.json with a pidfile names: 1 found (*pid, *start), 0 not
 * (yet).  The pid in the pidfile must be alive, have started no earlier
 * than the process QEMU was launched as (a pidfile left by an earlier VM
 * names an older process), and run QEMU for this sandbox (its pid may have
 * been reused since). */
static int pidfile_vm(const char *proc_root, const char *sandbox,
		      const struct vp_vm *vm, int *pid,
		      unsigned long long *start)
{
	int p = pidfile_pid(vm->pidfile);
	unsigned long long s;
	struct vp_err e;

	if (p == 0 || vp_proc_start_time(proc_root, p, &s, &e) < 0 ||
	    s < vm->start || !runs_sandbox(proc_root, p, sandbox) ||
	    /* the same process still (its argv was read after its start) */
	    vp_proc_live(proc_root, p, s) != VP_LIVE_ALIVE)
		return 0;
	*pid = p;
	*start = s;
	return 1;
}

static void dir_closep(DIR **d)
{
	if (*d != NULL)
		closedir(*d);
}

/* Any process started no earlier than `since` that runs QEMU for
 * `sandbox`: 1 found (*pid), 0 none, <0 procfs unreadable.  Only for a
 * launcher that is gone while the pidfile names no VM: QEMU failed to
 * start, or it was killed before its daemon wrote the pidfile - in which
 * case the daemon (or the child forking it) runs. */
static int find_vm(const char *proc_root, const char *sandbox,
		   unsigned long long since, int *pid)
{
	__attribute__((cleanup(dir_closep))) DIR *d = opendir(proc_root);
	struct dirent *de;

	if (d == NULL)
		return -1;
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		unsigned long long s;
		struct vp_err e;
		char *end;
		long v;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		v = strtol(de->d_name, &end, 10);
		if (*end != '\0' || v > PID_MAX ||
		    vp_proc_start_time(proc_root, (int)v, &s, &e) < 0 ||
		    s < since || !runs_sandbox(proc_root, (int)v, sandbox) ||
		    vp_proc_live(proc_root, (int)v, s) != VP_LIVE_ALIVE)
			continue;
		*pid = (int)v;
		return 1;
	}
	return errno != 0 ? -1 : 0;
}

/* The VM of a vm.json with a pidfile (QEMU was told to -daemonize): sets
 * l->vm, and l->vm_pid/vm_start once the VM's pid is known, with the
 * reason in why[size].  `pin`: the caller holds the lock, so a VM found
 * through the pidfile is written into vm.json; later checks need neither
 * the pidfile nor procfs scans. */
static void daemon_live(const struct vp_config *cfg, const char *sandbox,
			const struct vp_vm *vm, bool pin, struct vp_liveness *l,
			char *why, size_t size)
{
	unsigned long long start;
	enum vp_live launcher;
	struct vp_err e;
	int pid, r;

	if (pidfile_vm(cfg->proc_root, sandbox, vm, &pid, &start)) {
		l->vm = VP_LIVE_ALIVE;
		l->vm_pid = pid;
		l->vm_start = start;
		if (pin &&
		    vp_vm_write(cfg->run_dir, sandbox, pid, start, &e) < 0)
			vp_log_debug("sandbox %s: VM pid %d not recorded: %s",
				     sandbox, pid, e.msg);
		return;
	}
	launcher = vp_proc_live(cfg->proc_root, vm->pid, vm->start);
	if (launcher == VP_LIVE_ALIVE) {
		/* QEMU's first process waits for its daemon to be up */
		l->vm = VP_LIVE_STARTING;
		snprintf(why, size,
			 "VM pid not yet known (QEMU pid %d daemonizing)",
			 vm->pid);
		return;
	}
	if (launcher != VP_LIVE_DEAD) {
		l->vm = VP_LIVE_UNKNOWN;
		snprintf(why, size,
			 "VM pid not yet known, QEMU pid %d can not be checked",
			 vm->pid);
		return;
	}
	r = find_vm(cfg->proc_root, sandbox, vm->start, &pid);
	if (r < 0) {
		l->vm = VP_LIVE_UNKNOWN;
		snprintf(why, size,
			 "VM pid not yet known, QEMU pid %d gone, procfs "
			 "unreadable",
			 vm->pid);
	} else if (r > 0) {
		l->vm = VP_LIVE_STARTING;
		snprintf(why, size,
			 "VM pid not yet known (QEMU pid %d gone, its pid %d "
			 "runs; no pidfile names it)",
			 vm->pid, pid);
	} else {
		l->vm = VP_LIVE_DEAD;
		snprintf(why, size,
			 "VM gone (QEMU pid %d exited, no process of it runs)",
			 vm->pid);
	}
}

static bool holds(enum vp_live l)
{
	return l == VP_LIVE_ALIVE || l == VP_LIVE_STARTING ||
	       l == VP_LIVE_UNKNOWN;
}

static int liveness(const struct vp_config *cfg, const char *sandbox,
		    const struct vp_owner *owner, bool pin,
		    struct vp_liveness *l, struct vp_err *err)
{
	__attribute__((cleanup(vm_freep))) struct vp_vm vm = {0};
	char vm_why[160] = "";
	int rc;

	memset(l, 0, sizeof(*l));
	/* unknown until proven otherwise: a failure below keeps the
	 * sandbox */
	l->owner = VP_LIVE_UNKNOWN;
	l->vm = VP_LIVE_UNKNOWN;
	l->alive = true;
	snprintf(l->why, sizeof(l->why), "vm.json unreadable");
	rc = vp_vm_load(cfg->run_dir, sandbox, &vm, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		l->vm = VP_LIVE_NONE;
	} else if (vm.pidfile != NULL) {
		daemon_live(cfg, sandbox, &vm, pin, l, vm_why, sizeof(vm_why));
	} else {
		l->vm_pid = vm.pid;
		l->vm_start = vm.start;
		l->vm = vp_proc_live(cfg->proc_root, vm.pid, vm.start);
	}
	if (vm_why[0] == '\0' && l->vm_pid > 0)
		snprintf(vm_why, sizeof(vm_why), "VM pid %d %s", l->vm_pid,
			 l->vm == VP_LIVE_ALIVE	 ? "alive"
			 : l->vm == VP_LIVE_DEAD ? "gone"
						 : "can not be checked");
	/* a dir without a record has no owner: only its VM can keep it */
	if (owner == NULL)
		l->owner = VP_LIVE_NONE;
	else
		l->owner =
		    vp_proc_live(cfg->proc_root, owner->pid, owner->start);

	l->alive = holds(l->owner) || holds(l->vm);
	if (l->owner == VP_LIVE_ALIVE)
		snprintf(l->why, sizeof(l->why), "owner pid %d alive",
			 owner->pid);
	else if (l->vm == VP_LIVE_ALIVE || l->vm == VP_LIVE_STARTING)
		snprintf(l->why, sizeof(l->why), "%s", vm_why);
	else if (l->owner == VP_LIVE_UNKNOWN)
		snprintf(l->why, sizeof(l->why),
			 "owner pid %d can not be checked", owner->pid);
	else if (l->vm == VP_LIVE_UNKNOWN)
		snprintf(l->why, sizeof(l->why), "%s", vm_why);
	else if (owner == NULL)
		snprintf(l->why, sizeof(l->why), "no record, %s",
			 l->vm == VP_LIVE_DEAD ? vm_why : "no VM");
	else
		snprintf(l->why, sizeof(l->why), "owner pid %d gone, %s",
			 owner->pid, l->vm == VP_LIVE_DEAD ? vm_why : "no VM");
	return 0;
}

int vp_sandbox_liveness(const struct vp_config *cfg, const char *sandbox,
			const struct vp_owner *owner, struct vp_liveness *l,
			struct vp_err *err)
{
	return liveness(cfg, sandbox, owner, true, l, err);
}

int vp_sandbox_liveness_peek(const struct vp_config *cfg, const char *sandbox,
			     const struct vp_owner *owner,
			     struct vp_liveness *l, struct vp_err *err)
{
	return liveness(cfg, sandbox, owner, false, l, err);
}

int vp_sandbox_alive(const struct vp_config *cfg, const char *sandbox,
		     const struct vp_owner *owner, bool *alive, char *why,
		     size_t size, struct vp_err *err)
{
	struct vp_liveness l;
	int rc = vp_sandbox_liveness(cfg, sandbox, owner, &l, err);

	*alive = l.alive;
	if (size > 0)
		snprintf(why, size, "%s", rc < 0 ? err->msg : l.why);
	return rc;
}

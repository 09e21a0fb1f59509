/* liveness.h - is anyone still using a sandbox?
 *
 * Two processes can hold a sandbox's devices: the record's owner (the
 * runtime or container pid from the OCI state) and the VM the shim
 * launched, which vnfplug-qemu names in <run_dir>/sandboxes/<id>/vm.json:
 *   {"version":1,"pid":<pid>,"start":<ticks>}
 * the VM's pid (without -daemonize execv keeps the shim's pid, so it is
 * QEMU's), or, when QEMU was told to -daemonize,
 *   {"version":2,"pid":<pid>,"start":<ticks>,"pidfile":"<path>"}
 * where pid/start name the process QEMU was launched as, which exits once
 * the daemon it forks is up, and the VM's pid is the one QEMU writes into
 * the pidfile.  The first liveness check under the lock that finds the VM
 * there pins it: vm.json becomes the version 1 form with the VM's pid.
 * A pid alone says nothing - pids are reused - so each is checked with its
 * start time.  Anything that can not be checked counts as alive, and so
 * does a VM whose pid is not known yet: gc must never release what might
 * be in use.
 */
#ifndef VP_LIVENESS_H
#define VP_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"

enum vp_live {
	VP_LIVE_NONE, /* nothing to check (no vm.json) */
	VP_LIVE_ALIVE,
	VP_LIVE_DEAD,	  /* gone, a zombie, or its pid now names another
			   * process (start time differs) */
	VP_LIVE_UNKNOWN,  /* no pid/start recorded, or procfs unreadable */
	VP_LIVE_STARTING, /* a daemonizing VM whose pid is not known yet:
			   * counts as alive */
};

struct vp_liveness {
	enum vp_live owner;
	enum vp_live vm;
	int vm_pid; /* 0 when no vm.json or the VM's pid is not known */
	unsigned long long vm_start;
	bool alive;    /* owner or VM alive, starting or unknown */
	char why[256]; /* "owner pid 12 alive", ... */
};

/* What vm.json says. */
struct vp_vm {
	int pid; /* the VM, or with a pidfile the process QEMU was launched as
		  */
	unsigned long long start;
	char *pidfile; /* NULL: pid is the VM's; else absolute, malloc'ed */
};

void vp_vm_free(struct vp_vm *vm);

/* "alive", "dead", "none", "unknown", "starting". */
const char *vp_live_name(enum vp_live l);

/* The process that set a sandbox up, as its record names it: the
 * runtime's or the container's pid and its start time (0 when unknown). */
struct vp_owner {
	int pid;
	unsigned long long start;
};

/* Is (pid, start) the same living process?  Never fails: unreadable
 * procfs and missing data give VP_LIVE_UNKNOWN. */
enum vp_live vp_proc_live(const char *proc_root, int pid,
			  unsigned long long start);

/* Write vm.json.  The caller holds the lock.  Only into a sandbox
 * directory that still holds its record or device list: a sandbox that
 * gc or poststop released is never brought back (the error says its
 * devices are gone); nothing is created then. */
int vp_vm_save(const char *run_dir, const char *sandbox, const struct vp_vm *vm,
	       struct vp_err *err);
/* vp_vm_save of the version 1 form: `pid` is the VM's. */
int vp_vm_write(const char *run_dir, const char *sandbox, int pid,
		unsigned long long start, struct vp_err *err);
/* 1 loaded, 0 absent, <0 unreadable or corrupt.  vp_vm_free(vm) after. */
int vp_vm_load(const char *run_dir, const char *sandbox, struct vp_vm *vm,
	       struct vp_err *err);

/* The sandbox's owner (NULL: a sandbox dir without a record) and the VM of
 * `sandbox`.  The caller holds the lock: a daemonized VM's pid found in
 * its pidfile is pinned into vm.json.  Fails only when vm.json exists but
 * can not be read: the caller must then treat the sandbox as alive. */
int vp_sandbox_liveness(const struct vp_config *cfg, const char *sandbox,
			const struct vp_owner *owner, struct vp_liveness *l,
			struct vp_err *err);
/* The same without the lock: writes nothing (status). */
int vp_sandbox_liveness_peek(const struct vp_config *cfg, const char *sandbox,
			     const struct vp_owner *owner,
			     struct vp_liveness *l, struct vp_err *err);
/* The verdict alone, with its reason in why[size]; an error counts as
 * alive (and is the reason).  Under the lock, as vp_sandbox_liveness. */
int vp_sandbox_alive(const struct vp_config *cfg, const char *sandbox,
		     const struct vp_owner *owner, bool *alive, char *why,
		     size_t size, struct vp_err *err);

#endif

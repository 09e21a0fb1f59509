/* liveness.h - is anyone still using a sandbox?
 *
 * Two processes can hold a sandbox's devices: the record's owner (the
 * runtime or container pid from the OCI state) and the VM the shim
 * launched, which vnfplug-qemu names in <run_dir>/sandboxes/<id>/vm.json:
 *   {"version":1,"pid":<pid>,"start":<ticks>}
 * (execv keeps the pid, so the shim's pid is QEMU's).  A pid alone says
 * nothing - pids are reused - so each is checked with its start time.
 * Anything that can not be checked counts as alive: gc must never release
 * what might be in use.
 */
#ifndef VP_LIVENESS_H
#define VP_LIVENESS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "record.h"

enum vp_live {
	VP_LIVE_NONE, /* nothing to check (no vm.json) */
	VP_LIVE_ALIVE,
	VP_LIVE_DEAD,	 /* gone, a zombie, or its pid now names another
			  * process (start time differs) */
	VP_LIVE_UNKNOWN, /* no pid/start recorded, or procfs unreadable */
};

struct vp_liveness {
	enum vp_live owner;
	enum vp_live vm;
	int vm_pid; /* 0 when no vm.json */
	unsigned long long vm_start;
	bool alive;    /* owner or VM alive or unknown */
	char why[256]; /* "owner pid 12 alive", ... */
};

/* "alive", "dead", "none", "unknown". */
const char *vp_live_name(enum vp_live l);

/* Is (pid, start) the same living process?  Never fails: unreadable
 * procfs and missing data give VP_LIVE_UNKNOWN. */
enum vp_live vp_proc_live(const char *proc_root, int pid,
			  unsigned long long start);

/* "<run_dir>/sandboxes/<id>/vm.json", malloc'ed. */
char *vp_vm_path(const char *run_dir, const char *sandbox);
/* Written by the shim just before execv; creates the sandbox dir. */
int vp_vm_write(const char *run_dir, const char *sandbox, int pid,
		unsigned long long start, struct vp_err *err);
/* 1 loaded, 0 absent, <0 unreadable or corrupt. */
int vp_vm_load(const char *run_dir, const char *sandbox, int *pid,
	       unsigned long long *start, struct vp_err *err);

/* The owner of `rec` (NULL: a sandbox dir without a record) and the VM of
 * `sandbox`.  Fails only when vm.json exists but can not be read: the
 * caller must then treat the sandbox as alive. */
int vp_sandbox_liveness(const struct vp_config *cfg, const char *sandbox,
			const struct vp_record *rec, struct vp_liveness *l,
			struct vp_err *err);
/* The verdict alone, with its reason in why[size]; an error counts as
 * alive (and is the reason). */
int vp_sandbox_alive(const struct vp_config *cfg, const char *sandbox,
		     const struct vp_record *rec, bool *alive, char *why,
		     size_t size, struct vp_err *err);

#endif

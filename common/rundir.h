/* rundir.h - every path under run_dir, in one place.
 *
 *   <run_dir>/lock                      the one lock (lock.h)
 *   <run_dir>/claims                    the VF claims index
 *   <run_dir>/sandboxes/<id>/           one directory per sandbox (pod)
 *       record.json                     the hook's journal
 *       devices.json                    the cold-plug device list
 *       vm.json                         the VM the shim started (liveness.h)
 *       qemu.pid                        the shim's pidfile for a
 *                                       daemonizing QEMU
 *
 * run_dir, sandboxes/ and each sandbox directory must be root's alone
 * (fileio.h, vp_dir_open): a file planted there by someone else would be
 * taken for vnfplug's.  Path builders return malloc'ed strings, NULL with
 * errno EINVAL for an invalid sandbox id or ENOMEM.
 */
#ifndef VP_RUNDIR_H
#define VP_RUNDIR_H

#include <stdbool.h>

#include "err.h"

#define VP_RUNDIR_RECORD "record.json"
#define VP_RUNDIR_DEVLIST "devices.json"
#define VP_RUNDIR_VM "vm.json"
#define VP_RUNDIR_PIDFILE "qemu.pid"

/* "<run_dir>/sandboxes/<id>". */
char *vp_rundir_sandbox(const char *run_dir, const char *sandbox);
/* "<run_dir>/sandboxes/<id>/<name>", name one of VP_RUNDIR_*. */
char *vp_rundir_file(const char *run_dir, const char *sandbox,
		     const char *name);

/* run_dir (*rfd, may be NULL) and the sandbox's directory (*dfd) opened
 * for *at calls, each checked to be root's alone; `create` makes what is
 * missing (mode 0700).  A missing one without `create` fails with errnum
 * ENOENT. */
int vp_rundir_sandbox_dirs(const char *run_dir, const char *sandbox,
			   bool create, int *rfd, int *dfd, struct vp_err *err);
/* The sandbox's directory alone; returns the fd. */
int vp_rundir_sandbox_open(const char *run_dir, const char *sandbox,
			   bool create, struct vp_err *err);

#endif

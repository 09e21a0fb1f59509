/* qemu_argv.h - what vnfplug-qemu does before execv: QEMU's argv, vm.json. */
#ifndef VP_QEMU_ARGV_H
#define VP_QEMU_ARGV_H

#include <stdbool.h>

#include "argv.h"
#include "config.h"
#include "devlist.h"
#include "err.h"

/* argc/argv are QEMU's arguments without the program name. */

/* Build the argv to exec: `qemu` as argv[0], the original arguments (with
 * the shared-memory fix-up applied when dl->shared_memory), then dl->args.
 * dl may be NULL (argv passed through unchanged).  Fix-up: an existing
 * -object memory-backend-{file,memfd,ram} without share=on gets ",share=on"
 * (and a ram backend becomes memfd: anonymous RAM has no fd to share);
 * with none, "-object memory-backend-memfd,id=vp-mem,size=<-m size>,share=on"
 * and "-machine memory-backend=vp-mem" are added after the original
 * arguments (size in MiB from -m, QEMU's default 128M without it).  `out`
 * must be empty; it is left empty on failure. */
int vp_shim_build_argv(const char *qemu, int argc, char *const argv[],
		       const struct vp_devlist *dl, struct vp_argv *out,
		       struct vp_err *err);

/* Append QEMU's own seccomp sandbox to `out` (vnfplug-qemu(8)):
 * "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,
 * resourcecontrol=deny", each set allowed again where the argv needs it:
 * -daemonize (fork, setsid) allows spawn and elevateprivileges; -runas,
 * -chroot, -run-with allow elevateprivileges; a tap netdev with scripts
 * or a bridge netdev allows spawn; a thread-context object allows
 * resourcecontrol.  Appends nothing when argv already has -sandbox. */
int vp_shim_add_sandbox(int argc, char *const argv[], struct vp_argv *out,
			struct vp_err *err);

/* Does QEMU's argv ask it to -daemonize, and with which -pidfile (the
 * last one, which QEMU uses; NULL when none)?  *pidfile points into argv.
 * With -daemonize QEMU's first process exits once the daemon it forks is
 * up; the daemon writes its pid to the pidfile before that. */
void vp_shim_daemon_opts(int argc, char *const argv[], bool *daemonize,
			 const char **pidfile);

/* Name the VM in <run_dir>/sandboxes/<id>/vm.json for gc (liveness.h),
 * just before the exec.  Without -daemonize execv keeps the caller's pid,
 * so it is QEMU's.  With it vm.json names the caller's pid (QEMU's first
 * process) and the pidfile where the daemon writes the VM's pid: the
 * runtime's -pidfile (made absolute), else <sandbox dir>/qemu.pid, which
 * is returned in *own (malloc'ed; NULL otherwise) for the caller to add to
 * QEMU's argv as "-pidfile <path>".  Written under the lock, and only
 * while the sandbox still holds its record or device list: a sandbox
 * released meanwhile is an error ("... its devices are gone"), and the VM
 * must not start. */
int vp_shim_record_vm(const struct vp_config *cfg, const char *id, int argc,
		      char *const argv[], char **own, struct vp_err *err);

/* The configured QEMU is an absolute path to an executable regular file and
 * not vnfplug-qemu itself (which would exec itself forever). */
int vp_shim_check_qemu(const char *qemu, struct vp_err *err);

#endif

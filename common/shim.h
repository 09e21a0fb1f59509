/* shim.h - what vnfplug-qemu does to QEMU's argv before execv. */
#ifndef VP_SHIM_H
#define VP_SHIM_H

#include "argv.h"
#include "devlist.h"
#include "err.h"

/* Sandbox id from "-name sandbox-<id>" or "-name pod-<id>", also in the
 * forms "-name guest=sandbox-<id>", with ",debug-threads=on" or other
 * suboptions after it, and "-name=...".  *id is malloc'ed; NULL (and 0
 * returned) when QEMU's argv names no sandbox.  An id that fails
 * vp_valid_sandbox_id() is an error. */
int vp_shim_sandbox_id(int argc, char *const argv[], char **id,
		       struct vp_err *err);

/* Build the argv to exec: `qemu` as argv[0], the original arguments (with
 * the shared-memory fix-up applied when dl->shared_memory), then dl->args.
 * dl may be NULL (argv passed through unchanged).  Fix-up: an existing
 * -object memory-backend-{file,memfd,ram} without share=on gets ",share=on";
 * with none, "-object memory-backend-memfd,id=vp-mem,size=<-m size>,share=on"
 * and "-machine memory-backend=vp-mem" are added. */
int vp_shim_build_argv(const char *qemu, int argc, char *const argv[],
		       const struct vp_devlist *dl, struct vp_argv *out,
		       struct vp_err *err);

#endif

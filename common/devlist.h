/* devlist.h - the per-sandbox device list the hook writes and the shim
 * reads: <run_dir>/sandboxes/<id>/devices.json,
 *   {"version":1,"sandbox":"<id>","shared_memory":true,"args":["-chardev",...]}
 * JSON, never a space-separated string, so no argument can split or merge.
 */
#ifndef VP_DEVLIST_H
#define VP_DEVLIST_H

#include <stdbool.h>

#include "argv.h"
#include "err.h"

#define VP_DEVLIST_VERSION 1
#define VP_DEVLIST_MAX_ARGS 1024

struct vp_devlist {
	char *sandbox;
	bool shared_memory; /* guest RAM must be share=on (vhost-user) */
	struct vp_argv args;
};

/* Arguments must be "-option value" pairs of the options vnfplug adds
 * (-chardev -netdev -device -object -qmp), values non-empty. */
int vp_devlist_write(const char *path, const struct vp_devlist *dl,
		     struct vp_err *err);
/* 1 loaded, 0 no such file (dl left empty), <0 unreadable, corrupt, or
 * not root's alone (the file or its directory, see vp_read_file_trusted). */
int vp_devlist_load(const char *path, struct vp_devlist *dl,
		    struct vp_err *err);
int vp_devlist_parse(const char *buf, size_t len, struct vp_devlist *dl,
		     struct vp_err *err);
void vp_devlist_free(struct vp_devlist *dl);
static inline void vp_devlist_freep(struct vp_devlist *p)
{
	vp_devlist_free(p);
}
#define _cleanup_devlist_ __attribute__((cleanup(vp_devlist_freep)))

#endif

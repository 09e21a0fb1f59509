/* fileio.h - bounded reads and crash-safe writes.
 *
 * Every read of outside input is bounded (a hostile state or config can not
 * make the hook allocate without limit) and every file vnfplug writes is
 * replaced atomically: temp file, fsync, rename, fsync of the directory.
 */
#ifndef VP_FILEIO_H
#define VP_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define VP_STATE_MAX (1024 * 1024)  /* OCI state on stdin */
#define VP_FILE_MAX (1024 * 1024)   /* config, records, device lists */

/* Read all of fd into a new NUL-terminated buffer.  More than `max` bytes is
 * an error "input exceeds <max> bytes".  *len excludes the NUL. */
int vp_read_fd(int fd, size_t max, char **out, size_t *len, struct vp_err *err);

/* Open `path` with O_NOFOLLOW (the last component must not be a symlink),
 * require a regular file, read it bounded as vp_read_fd. */
int vp_read_file(const char *path, size_t max, char **out, size_t *len,
		 struct vp_err *err);

/* Replace `path` atomically with `data`. */
int vp_write_file_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct vp_err *err);

/* mkdir -p, each created component with `mode`; existing symlinks in the
 * path are refused for the components it creates. */
int vp_mkdir_p(const char *path, mode_t mode, struct vp_err *err);

/* Remove a directory tree that vnfplug owns (no symlinks followed).
 * ENOENT is success. */
int vp_rm_rf(const char *path, struct vp_err *err);

/* printf onto the end of the string in buf[size], truncating quietly
 * (for messages that list several reasons). */
void vp_strappendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* malloc'ed printf; NULL on failure. */
char *vp_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

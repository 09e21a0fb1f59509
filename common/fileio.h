/* fileio.h - bounded reads and crash-safe writes.
 *
 * Every read of outside input is bounded (a hostile state or config can not
 * make the hook allocate without limit) and every file vnfplug writes is
 * replaced atomically: temp file, fsync, rename, fsync of the directory,
 * in a directory checked to be root's alone.
 */
#ifndef VP_FILEIO_H
#define VP_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

#define VP_STATE_MAX (1024 * 1024) /* OCI state on stdin */
#define VP_FILE_MAX (1024 * 1024)  /* config, records, device lists */

/* Read all of fd into a new NUL-terminated buffer.  More than `max` bytes is
 * an error "input exceeds <max> bytes".  *len excludes the NUL. */
int vp_read_fd(int fd, size_t max, char **out, size_t *len, struct vp_err *err);

/* Open `path` with O_NOFOLLOW (the last component must not be a symlink),
 * require a regular file, read it bounded as vp_read_fd.  Safe on a path a
 * container controls: anything but a regular file (a FIFO, a device node)
 * is refused without blocking and, unless swapped in at that very moment,
 * without being opened at all.  procfs and sysfs files are regular. */
int vp_read_file(const char *path, size_t max, char **out, size_t *len,
		 struct vp_err *err);

/* ---- the directories vnfplug keeps its state in ----
 *
 * Whoever can write to run_dir, run_dir/sandboxes, a sandbox directory or a
 * socket_dir can plant a record, a device list or a socket, so each of them
 * must be owned by root and not writable by group or others.  Their
 * ancestors must be owned by root and either not writable by group or
 * others or sticky (/tmp: nobody else can rename or remove root's entries
 * there).  A symlink on the way is followed only when root owns it
 * (/var/run -> /run).  The walk opens each component relative to the one
 * before without following symlinks, and files are then opened relative to
 * the returned fd, so nothing can be swapped between the check and the use.
 * A refusal names the directory and what is wrong ("`/tmp/x/run` is owned
 * by uid 1000, not root"; "... is writable by group or others (mode
 * 0777)"), with errnum 0; a missing component (without `create`) fails
 * with errnum ENOENT. */

/* Open the directory `path` (absolute): the last component as a directory
 * vnfplug uses, the rest as ancestors.  With `create` non-zero, missing
 * components are made with that mode (mkdir -p).  Returns an O_RDONLY
 * directory fd for the *at calls below. */
int vp_dir_open(const char *path, mode_t create, struct vp_err *err);
/* vp_dir_open(path, 0, err): an existing directory vnfplug uses. */
int vp_dir_open_trusted(const char *path, struct vp_err *err);
/* Below the checked directory dfd (named `dpath` in messages): every
 * component of the relative path `rel` as a directory vnfplug uses. */
int vp_dir_openat(int dfd, const char *dpath, const char *rel, mode_t create,
		  struct vp_err *err);
/* vp_dir_open(path, mode), the fd closed. */
int vp_mkdir_p(const char *path, mode_t mode, struct vp_err *err);

/* Open `name` in the checked directory dfd (`path`, the file's full path,
 * for messages): not a symlink, a regular file owned by root and not
 * writable by group or others.  `flags`: O_RDONLY or O_RDWR, optionally
 * O_CREAT (with `mode`).  Returns the fd. */
int vp_open_trusted_at(int dfd, const char *name, const char *path, int flags,
		       mode_t mode, struct vp_err *err);
/* vp_open_trusted_at and a bounded read as vp_read_fd. */
int vp_read_trusted_at(int dfd, const char *name, const char *path, size_t max,
		       char **out, size_t *len, struct vp_err *err);
/* The same for a file named by path: its directory must pass
 * vp_dir_open_trusted. */
int vp_read_file_trusted(const char *path, size_t max, char **out, size_t *len,
			 struct vp_err *err);

/* Replace `name` in the checked directory dfd atomically with `data`. */
int vp_write_file_atomic_at(int dfd, const char *name, const char *path,
			    const void *data, size_t len, mode_t mode,
			    struct vp_err *err);
/* The same by path; its directory must pass vp_dir_open_trusted. */
int vp_write_file_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct vp_err *err);

/* Remove a directory tree that vnfplug owns (no symlinks followed).
 * ENOENT is success. */
int vp_rm_rf(const char *path, struct vp_err *err);
/* The same for `name` in the directory dfd. */
int vp_rm_rf_at(int dfd, const char *name, struct vp_err *err);

/* printf onto the end of the string in buf[size], truncating quietly
 * (for messages that list several reasons). */
void vp_strappendf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* malloc'ed printf; NULL on failure. */
char *vp_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

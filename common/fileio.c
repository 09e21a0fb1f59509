/* fileio.c - bounded reads, atomic writes and checked directories (see
 * fileio.h). */
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int vp_read_fd(int fd, size_t max, char **out, size_t *len, struct vp_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = 0, used = 0;

	for (;;) {
		ssize_t n;

		if (used == cap) {
			/* grow geometrically; never beyond max+1 so an
			 * oversize input is detected without reading it all */
			size_t ncap = cap ? cap * 2 : 4096;
			char *nbuf;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= cap)
				return vp_err_set(
				    err, EFBIG, "input exceeds %zu bytes", max);
			nbuf = realloc(buf, ncap + 1);
			if (nbuf == NULL)
				return vp_err_set(err, ENOMEM, "read");
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return vp_err_set(err, errno, "read");
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max)
			return vp_err_set(err, 0, "input exceeds %zu bytes",
					  max);
	}
	if (buf == NULL) {
		buf = malloc(1);
		if (buf == NULL)
			return vp_err_set(err, ENOMEM, "read");
	}
	buf[used] = '\0';
	*out = vp_steal_ptr(&buf);
	if (len != NULL)
		*len = used;
	return 0;
}

/* Open `name` as a regular file: O_NONBLOCK so a FIFO can not block the
 * open, O_NOCTTY so a tty can not become ours, O_NOFOLLOW so the last
 * component is no symlink; the type is checked on the opened fd, and reads
 * block again once the file is known to be regular (O_NONBLOCK means
 * nothing to a local regular file, it might to a network one).  With
 * `precheck` (a path someone else controls) an lstat comes first, so a
 * device node or a FIFO is refused without being opened at all; one
 * swapped in between is still refused by the fstat. */
static int open_regular_at(int dirfd, const char *name, const char *path,
			   int flags, mode_t mode, bool precheck,
			   struct stat *st, struct vp_err *err)
{
	_cleanup_close_ int fd = -1;

	if (precheck) {
		if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
			return vp_err_set(err, errno, "open `%s`", path);
		if (S_ISLNK(st->st_mode))
			return vp_err_set(err, ELOOP, "open `%s`", path);
		if (!S_ISREG(st->st_mode))
			return vp_err_set(err, 0, "`%s` is not a regular file",
					  path);
	}
	fd = openat(dirfd, name,
		    flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK,
		    mode);
	if (fd < 0)
		return vp_err_set(err, errno, "open `%s`", path);
	if (fstat(fd, st) < 0)
		return vp_err_set(err, errno, "stat `%s`", path);
	if (!S_ISREG(st->st_mode))
		return vp_err_set(err, 0, "`%s` is not a regular file", path);
	/* F_SETFL touches only the status flags: this clears O_NONBLOCK */
	if (fcntl(fd, F_SETFL, 0) < 0)
		return vp_err_set(err, errno, "fcntl `%s`", path);
	return vp_steal_fd(&fd);
}

static int read_open_fd(int fd, const struct stat *st, const char *path,
			size_t max, char **out, size_t *len, struct vp_err *err)
{
	if ((size_t)st->st_size > max)
		return vp_err_set(err, 0, "`%s` exceeds %zu bytes", path, max);
	if (vp_read_fd(fd, max, out, len, err) < 0)
		return vp_err_wrap(err, "`%s`", path);
	return 0;
}

int vp_read_file(const char *path, size_t max, char **out, size_t *len,
		 struct vp_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = open_regular_at(AT_FDCWD, path, path, O_RDONLY, 0, true, &st, err);
	if (fd < 0)
		return -1;
	return read_open_fd(fd, &st, path, max, out, len, err);
}

/* ---- checked directories and the files in them ---- */

/* at most this many symlinks in one walk, as the kernel's own limit */
#define VP_SYMLINKS_MAX 40

/* Root's alone: owned by root, not writable by group or others; an
 * ancestor (`sticky_ok`) may be writable when sticky. */
static int check_owner(const struct stat *st, const char *path, bool sticky_ok,
		       struct vp_err *err)
{
	if (st->st_uid != 0)
		return vp_err_set(err, 0, "`%s` is owned by uid %u, not root",
				  path, (unsigned)st->st_uid);
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(sticky_ok && (st->st_mode & S_ISVTX) != 0))
		return vp_err_set(err, 0,
				  "`%s` is writable by group or others (mode "
				  "%04o)%s",
				  path, (unsigned)(st->st_mode & 07777),
				  sticky_ok ? " and not sticky" : "");
	return 0;
}

/* Components of a relative path left to walk ("." does not count). */
static size_t count_components(const char *p)
{
	size_t n = 0;

	for (;;) {
		size_t len;

		p += strspn(p, "/");
		len = strcspn(p, "/");
		if (len == 0)
			return n;
		if (len != 1 || p[0] != '.')
			n++;
		p += len;
	}
}

/* "/" as an O_PATH fd, checked as an ancestor. */
static int open_root(struct vp_err *err)
{
	_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return vp_err_set(err, errno, "open `/`");
	if (fstat(fd, &st) < 0)
		return vp_err_set(err, errno, "stat `/`");
	if (check_owner(&st, "/", true, err) < 0)
		return -1;
	return vp_steal_fd(&fd);
}

/* Walk `rel` from the directory `start` (named `start_path`), one O_PATH
 * openat per component: the last `strict` components must be root's
 * alone, the others may be sticky.  Returns the final directory opened
 * O_RDONLY. */
static int walk(int start, const char *start_path, const char *rel,
		size_t strict, mode_t create, struct vp_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *todo = strdup(rel);
	char shown[PATH_MAX];
	unsigned links = 0;
	struct stat st;
	char *p;
	int rfd;

	if (todo == NULL)
		return vp_err_set(err, ENOMEM, "open `%s/%s`", start_path, rel);
	snprintf(shown, sizeof(shown), "%s", start_path);
	fd = openat(start, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return vp_err_set(err, errno, "open `%s`", shown);
	for (p = todo;;) {
		_cleanup_close_ int nfd = -1;
		size_t len, before = strlen(shown);
		char *name, *rest;

		p += strspn(p, "/");
		if (*p == '\0')
			break;
		len = strcspn(p, "/");
		name = p;
		rest = p + len;
		if (*rest != '\0')
			*rest++ = '\0';
		p = rest;
		if (strcmp(name, ".") == 0)
			continue;
		vp_strappendf(shown, sizeof(shown), "%s%s",
			      before > 0 && shown[before - 1] == '/' ? "" : "/",
			      name);
		nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create != 0) {
			if (mkdirat(fd, name, create) < 0 && errno != EEXIST)
				return vp_err_set(err, errno, "mkdir `%s`",
						  shown);
			nfd = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (nfd < 0)
			return vp_err_set(err, errno, "open `%s`", shown);
		if (fstat(nfd, &st) < 0)
			return vp_err_set(err, errno, "stat `%s`", shown);
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			char *next;
			ssize_t n;

			/* anyone else's is a redirection squatted in a
			 * shared directory */
			if (st.st_uid != 0)
				return vp_err_set(err, 0,
						  "`%s` is a symlink not owned "
						  "by root (uid %u)",
						  shown, (unsigned)st.st_uid);
			if (++links > VP_SYMLINKS_MAX)
				return vp_err_set(err, ELOOP, "open `%s`",
						  shown);
			n = readlinkat(nfd, "", target, sizeof(target));
			if (n < 0)
				return vp_err_set(err, errno, "readlink `%s`",
						  shown);
			if ((size_t)n >= sizeof(target))
				return vp_err_set(err, ENAMETOOLONG,
						  "readlink `%s`", shown);
			target[n] = '\0';
			next = vp_asprintf("%s/%s", target, rest);
			if (next == NULL)
				return vp_err_set(err, ENOMEM, "open `%s`",
						  shown);
			free(todo);
			todo = p = next;
			if (target[0] == '/') {
				close(fd);
				fd = open_root(err);
				if (fd < 0)
					return -1;
				shown[0] = '\0';
			} else {
				shown[before] = '\0';
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			return vp_err_set(err, ENOTDIR,
					  "`%s` is not a directory", shown);
		if (check_owner(&st, shown, count_components(rest) >= strict,
				err) < 0)
			return -1;
		close(fd);
		fd = vp_steal_fd(&nfd);
	}
	if (shown[0] == '\0')
		snprintf(shown, sizeof(shown), "/");
	/* the directory itself is always one vnfplug uses (also when a
	 * symlink led it back to an ancestor) */
	if (fstat(fd, &st) < 0)
		return vp_err_set(err, errno, "stat `%s`", shown);
	if (check_owner(&st, shown, false, err) < 0)
		return -1;
	rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return vp_err_set(err, errno, "open `%s`", shown);
	return rfd;
}

int vp_dir_open(const char *path, mode_t create, struct vp_err *err)
{
	_cleanup_close_ int root = -1;

	if (path[0] != '/')
		return vp_err_set(err, EINVAL, "`%s` is not an absolute path",
				  path);
	root = open_root(err);
	if (root < 0)
		return -1;
	return walk(root, "", path, 1, create, err);
}

int vp_dir_open_trusted(const char *path, struct vp_err *err)
{
	return vp_dir_open(path, 0, err);
}

int vp_dir_openat(int dfd, const char *dpath, const char *rel, mode_t create,
		  struct vp_err *err)
{
	return walk(dfd, dpath, rel, SIZE_MAX, create, err);
}

int vp_mkdir_p(const char *path, mode_t mode, struct vp_err *err)
{
	int fd = vp_dir_open(path, mode, err);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int vp_open_trusted_at(int dfd, const char *name, const char *path, int flags,
		       mode_t mode, struct vp_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = open_regular_at(dfd, name, path, flags, mode, false, &st, err);
	if (fd < 0)
		return -1;
	if (check_owner(&st, path, false, err) < 0)
		return -1;
	return vp_steal_fd(&fd);
}

int vp_read_trusted_at(int dfd, const char *name, const char *path, size_t max,
		       char **out, size_t *len, struct vp_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = vp_open_trusted_at(dfd, name, path, O_RDONLY, 0, err);
	if (fd < 0 || fstat(fd, &st) < 0)
		return fd < 0 ? -1 : vp_err_set(err, errno, "stat `%s`", path);
	return read_open_fd(fd, &st, path, max, out, len, err);
}

/* Split `path` into its directory (malloc'ed) and last component. */
static char *split_dir(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		*base = path;
		return strdup(".");
	}
	*base = slash + 1;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

int vp_read_file_trusted(const char *path, size_t max, char **out, size_t *len,
			 struct vp_err *err)
{
	const char *base;
	_cleanup_free_ char *dir = split_dir(path, &base);
	_cleanup_close_ int dfd = -1;

	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "read `%s`", path);
	dfd = vp_dir_open_trusted(dir, err);
	if (dfd < 0)
		return -1;
	return vp_read_trusted_at(dfd, base, path, max, out, len, err);
}

int vp_write_file_atomic_at(int dfd, const char *name, const char *path,
			    const void *data, size_t len, mode_t mode,
			    struct vp_err *err)
{
	_cleanup_free_ char *tmp = vp_asprintf("%s.tmp.%d", name, getpid());
	_cleanup_close_ int fd = -1;
	const char *p = data;
	size_t left = len;

	if (tmp == NULL)
		return vp_err_set(err, ENOMEM, "write `%s`", path);
	/* a temp file left by a killed writer that had our pid */
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "unlink `%s.tmp.%d`", path,
				  getpid());
	fd = openat(dfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW |
			O_NOCTTY,
		    mode);
	if (fd < 0)
		return vp_err_set(err, errno, "create `%s.tmp.%d`", path,
				  getpid());
	while (left > 0) {
		ssize_t n = write(fd, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			vp_err_set(err, errno, "write `%s.tmp.%d`", path,
				   getpid());
			unlinkat(dfd, tmp, 0);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		vp_err_set(err, errno, "sync `%s.tmp.%d`", path, getpid());
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (renameat(dfd, tmp, dfd, name) < 0) {
		vp_err_set(err, errno, "rename `%s.tmp.%d` to `%s`", path,
			   getpid(), path);
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (fsync(dfd) < 0)
		return vp_err_set(err, errno, "fsync directory of `%s`", path);
	return 0;
}

int vp_write_file_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct vp_err *err)
{
	const char *base;
	_cleanup_free_ char *dir = split_dir(path, &base);
	_cleanup_close_ int dfd = -1;

	if (dir == NULL)
		return vp_err_set(err, ENOMEM, "write `%s`", path);
	dfd = vp_dir_open_trusted(dir, err);
	if (dfd < 0)
		return vp_err_wrap(err, "write `%s`", path);
	return vp_write_file_atomic_at(dfd, base, path, data, len, mode, err);
}

int vp_rm_rf_at(int dfd, const char *name, struct vp_err *err)
{
	_cleanup_close_ int fd = -1;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return vp_err_set(err, errno, "unlink `%s`", name);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return vp_err_set(err, errno, "open `%s`", name);
	d = fdopendir(fd);
	if (d == NULL)
		return vp_err_set(err, errno, "opendir `%s`", name);
	fd = -1; /* owned by d now */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (vp_rm_rf_at(dirfd(d), de->d_name, err) < 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	if (rc < 0)
		return rc;
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return vp_err_set(err, errno, "rmdir `%s`", name);
	return 0;
}

int vp_rm_rf(const char *path, struct vp_err *err)
{
	if (vp_rm_rf_at(AT_FDCWD, path, err) < 0)
		return vp_err_wrap(err, "remove `%s`", path);
	return 0;
}

char *vp_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

void vp_strappendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

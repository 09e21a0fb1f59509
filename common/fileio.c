/* fileio.c - bounded reads and atomic writes (see fileio.h). */
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
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
				return vp_err_set(err, EFBIG,
						  "input exceeds %zu bytes",
						  max);
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

static int read_file_at(int dirfd, const char *name, size_t max, char **out,
			size_t *len, struct vp_err *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return vp_err_set(err, errno, "open `%s`", name);
	if (fstat(fd, &st) < 0)
		return vp_err_set(err, errno, "stat `%s`", name);
	if (!S_ISREG(st.st_mode))
		return vp_err_set(err, 0, "`%s` is not a regular file", name);
	if ((size_t)st.st_size > max)
		return vp_err_set(err, 0, "`%s` exceeds %zu bytes", name, max);
	if (vp_read_fd(fd, max, out, len, err) < 0)
		return vp_err_wrap(err, "`%s`", name);
	return 0;
}

int vp_read_file(const char *path, size_t max, char **out, size_t *len,
		 struct vp_err *err)
{
	return read_file_at(AT_FDCWD, path, max, out, len, err);
}

static int fsync_parent(const char *path, struct vp_err *err)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int dfd = -1;

	if (copy == NULL)
		return vp_err_set(err, ENOMEM, "fsync");
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return vp_err_set(err, errno, "open directory of `%s`", path);
	if (fsync(dfd) < 0)
		return vp_err_set(err, errno, "fsync directory of `%s`", path);
	return 0;
}

int vp_write_file_atomic(const char *path, const void *data, size_t len,
			 mode_t mode, struct vp_err *err)
{
	_cleanup_free_ char *tmp = vp_asprintf("%s.tmp.%d", path, getpid());
	_cleanup_close_ int fd = -1;
	const char *p = data;
	size_t left = len;

	if (tmp == NULL)
		return vp_err_set(err, ENOMEM, "write `%s`", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  mode);
	if (fd < 0)
		return vp_err_set(err, errno, "create `%s`", tmp);
	while (left > 0) {
		ssize_t n = write(fd, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			vp_err_set(err, errno, "write `%s`", tmp);
			unlink(tmp);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		vp_err_set(err, errno, "sync `%s`", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		vp_err_set(err, errno, "rename `%s` to `%s`", tmp, path);
		unlink(tmp);
		return -1;
	}
	return fsync_parent(path, err);
}

int vp_mkdir_p(const char *path, mode_t mode, struct vp_err *err)
{
	_cleanup_free_ char *copy = strdup(path);
	char *p;

	if (copy == NULL)
		return vp_err_set(err, ENOMEM, "mkdir `%s`", path);
	for (p = copy + 1;; p++) {
		char c = *p;
		struct stat st;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return vp_err_set(err, errno, "mkdir `%s`", copy);
		/* lstat: a symlink where a directory belongs is followed only
		 * when root owns it (/var/run -> /run); anyone else's is a
		 * redirection squatted in a shared directory */
		if (lstat(copy, &st) < 0)
			return vp_err_set(err, errno, "stat `%s`", copy);
		if (S_ISLNK(st.st_mode)) {
			if (st.st_uid != 0)
				return vp_err_set(err, ENOTDIR,
						  "`%s` is a symlink not owned "
						  "by root",
						  copy);
			if (stat(copy, &st) < 0)
				return vp_err_set(err, errno, "stat `%s`",
						  copy);
		}
		if (!S_ISDIR(st.st_mode))
			return vp_err_set(err, ENOTDIR,
					  "`%s` is not a directory", copy);
		*p = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int rm_rf_at(int dfd, const char *name, struct vp_err *err)
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
		if (rm_rf_at(dirfd(d), de->d_name, err) < 0) {
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
	if (rm_rf_at(AT_FDCWD, path, err) < 0)
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

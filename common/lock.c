/* lock.c - the allocation lock (see lock.h for the rules). */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "fileio.h"

int vp_lock_acquire(const char *run_dir, unsigned timeout_ms,
		    struct vp_err *err)
{
	_cleanup_free_ char *path = vp_asprintf("%s/lock", run_dir);
	_cleanup_close_ int dfd = -1;
	_cleanup_close_ int fd = -1;
	long long start;
	long sleep_us = 500;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "lock");
	/* run_dir and the lock file root's alone (fileio.h): whoever could
	 * hold or swap the lock could stall every hook */
	dfd = vp_dir_open(run_dir, 0700, err);
	if (dfd < 0)
		return -1;
	fd = vp_open_trusted_at(dfd, "lock", path, O_RDWR | O_CREAT, 0600, err);
	if (fd < 0)
		return vp_err_wrap(err, "lock");
	start = vp_now_ms();
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return vp_steal_fd(&fd);
		if (errno != EWOULDBLOCK && errno != EINTR)
			return vp_err_set(err, errno, "lock `%s`", path);
		if (vp_now_ms() - start >= timeout_ms)
			return vp_err_set(err, EBUSY,
					  "vnfplug is busy: lock `%s` held by "
					  "another hook for %u ms",
					  path, timeout_ms);
		/* back off so a crowd of hooks doesn't spin on the lock */
		usleep((useconds_t)sleep_us);
		if (sleep_us < 20000)
			sleep_us *= 2;
	}
}

void vp_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Unit tests: the allocation lock (lock.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "tu.h"

/* Child takes the lock and sleeps; returns its pid once it holds it. */
static pid_t holder(const char *run)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vp_err err;

		close(p[0]);
		if (vp_lock_acquire(run, 1000, &err) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void test_exclusive_and_bounded(void **state)
{
	char *run = tu_mkdtemp();
	struct vp_err err;
	struct timespec a, b;
	pid_t pid;
	int fd;

	(void)state;
	pid = holder(run);
	clock_gettime(CLOCK_MONOTONIC, &a);
	fd = vp_lock_acquire(run, 200, &err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(fd < 0);
	assert_int_equal(err.errnum, EBUSY);
	assert_non_null(strstr(err.msg, "busy"));
	/* bounded: gave up near the deadline, not long after */
	long ms =
	    (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 190 && ms < 2000);

	/* the kernel drops the lock of a killed holder */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	fd = vp_lock_acquire(run, 1000, &err);
	assert_true(fd >= 0);
	vp_lock_release(fd);
	tu_rmtree(run);
	free(run);
}

static void test_creates_run_dir(void **state)
{
	char *base = tu_mkdtemp();
	char run[256];
	struct vp_err err;
	int fd;

	(void)state;
	snprintf(run, sizeof(run), "%s/x/y", base);
	fd = vp_lock_acquire(run, 100, &err);
	assert_true(fd >= 0);
	vp_lock_release(fd);
	strcat(run, "/lock");
	assert_true(tu_exists(run));
	tu_rmtree(base);
	free(base);
}

/* run_dir or the lock someone else's: refused, naming it; a FIFO in
 * the lock's place does not block. */
static void test_untrusted_refused(void **state)
{
	char *base = tu_mkdtemp();
	char run[256], lock[300];
	struct vp_err err;
	int fd;

	(void)state;
	if (geteuid() != 0) {
		free(base);
		skip();
	}
	snprintf(run, sizeof(run), "%s/run", base);
	snprintf(lock, sizeof(lock), "%s/lock", run);
	assert_int_equal(mkdir(run, 0777), 0);
	assert_int_equal(chmod(run, 0777), 0);
	fd = vp_lock_acquire(run, 100, &err);
	assert_true(fd < 0);
	assert_non_null(strstr(err.msg, "is writable by group or others "
					"(mode 0777)"));
	assert_non_null(strstr(err.msg, run));
	assert_false(tu_exists(lock));
	assert_int_equal(chmod(run, 0700), 0);
	assert_int_equal(chown(run, 65534, 65534), 0);
	fd = vp_lock_acquire(run, 100, &err);
	assert_true(fd < 0);
	assert_non_null(strstr(err.msg, "is owned by uid 65534, not root"));
	assert_int_equal(chown(run, 0, 0), 0);
	/* the lock file */
	tu_write(lock, "", 0600);
	assert_int_equal(chown(lock, 65534, 65534), 0);
	fd = vp_lock_acquire(run, 100, &err);
	assert_true(fd < 0);
	assert_non_null(strstr(err.msg, "is owned by uid 65534, not root"));
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(mkfifo(lock, 0600), 0);
	alarm(5); /* a blocking open would end the test here */
	fd = vp_lock_acquire(run, 100, &err);
	alarm(0);
	assert_true(fd < 0);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	assert_int_equal(unlink(lock), 0);
	fd = vp_lock_acquire(run, 100, &err);
	assert_true(fd >= 0);
	vp_lock_release(fd);
	tu_rmtree(base);
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exclusive_and_bounded),
	    cmocka_unit_test(test_creates_run_dir),
	    cmocka_unit_test(test_untrusted_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

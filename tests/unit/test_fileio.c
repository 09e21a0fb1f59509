/* Unit tests: bounded reads, atomic writes, mkdir -p, rm -rf (fileio.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "tu.h"

static int pipe_with(const char *data, size_t len)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_true(write(p[1], data, len) == (ssize_t)len);
	close(p[1]);
	return p[0];
}

static void test_read_bounded(void **state)
{
	struct vp_err err;
	char big[5000];
	char *out;
	size_t len;
	int fd;

	(void)state;
	memset(big, 'x', sizeof(big));
	fd = pipe_with(big, 4096);
	assert_int_equal(vp_read_fd(fd, 4096, &out, &len, &err), 0);
	assert_int_equal(len, 4096);
	assert_int_equal(out[4096], '\0');
	free(out);
	close(fd);

	fd = pipe_with(big, 4097);
	assert_true(vp_read_fd(fd, 4096, &out, &len, &err) < 0);
	assert_non_null(strstr(err.msg, "exceeds 4096 bytes"));
	close(fd);

	fd = pipe_with("", 0);
	assert_int_equal(vp_read_fd(fd, 10, &out, &len, &err), 0);
	assert_int_equal(len, 0);
	free(out);
	close(fd);
}

static void test_read_file_refuses_symlink_and_dirs(void **state)
{
	char *d = tu_mkdtemp();
	char f[256], l[256];
	struct vp_err err;
	char *out;
	size_t len;

	(void)state;
	snprintf(f, sizeof(f), "%s/f", d);
	snprintf(l, sizeof(l), "%s/l", d);
	tu_write(f, "hello", 0600);
	assert_int_equal(symlink(f, l), 0);
	assert_int_equal(vp_read_file(f, 100, &out, &len, &err), 0);
	assert_string_equal(out, "hello");
	free(out);
	assert_true(vp_read_file(l, 100, &out, &len, &err) < 0);
	assert_int_equal(err.errnum, ELOOP);
	assert_true(vp_read_file(d, 100, &out, &len, &err) < 0);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_true(vp_read_file(f, 3, &out, &len, &err) < 0);
	assert_non_null(strstr(err.msg, "exceeds 3 bytes"));
	tu_rmtree(d);
	free(d);
}

static void test_atomic_write(void **state)
{
	char *d = tu_mkdtemp();
	char f[256];
	struct vp_err err;
	struct stat st;
	char *s;

	(void)state;
	snprintf(f, sizeof(f), "%s/out.json", d);
	assert_int_equal(vp_write_file_atomic(f, "one", 3, 0600, &err), 0);
	assert_int_equal(vp_write_file_atomic(f, "two!", 4, 0640, &err), 0);
	s = tu_read(f);
	assert_string_equal(s, "two!");
	free(s);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* into a missing directory: clear error, nothing created */
	snprintf(f, sizeof(f), "%s/nodir/out.json", d);
	assert_true(vp_write_file_atomic(f, "x", 1, 0600, &err) < 0);
	assert_non_null(strstr(err.msg, "nodir"));
	tu_rmtree(d);
	free(d);
}

static void test_mkdir_p_and_rm_rf(void **state)
{
	char *d = tu_mkdtemp();
	char p[400], l[256], f[500];
	struct vp_err err;

	(void)state;
	snprintf(p, sizeof(p), "%s/a/b/c", d);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	snprintf(f, sizeof(f), "%s/file", p);
	tu_write(f, "x", 0600);
	/* a symlink where a directory belongs is refused unless root owns
	 * it: someone else's link squatted in a shared directory */
	snprintf(l, sizeof(l), "%s/link", d);
	assert_int_equal(symlink("/etc", l), 0);
	if (geteuid() == 0) {
		char t[300];

		assert_int_equal(lchown(l, 65534, 65534), 0);
		snprintf(p, sizeof(p), "%s/link/vp-unit-never", d);
		assert_true(vp_mkdir_p(p, 0700, &err) < 0);
		assert_non_null(strstr(err.msg, "symlink not owned by root"));
		assert_false(tu_exists("/etc/vp-unit-never"));
		/* root's own link (/var/run -> /run) is followed */
		snprintf(t, sizeof(t), "%s/rootlink", d);
		snprintf(p, sizeof(p), "%s/a", d);
		assert_int_equal(symlink(p, t), 0);
		snprintf(p, sizeof(p), "%s/rootlink/b/new", d);
		assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
		snprintf(p, sizeof(p), "%s/a/b/new", d);
		assert_true(tu_exists(p));
	}
	/* a file where a directory belongs */
	{
		char q[700];

		snprintf(q, sizeof(q), "%s/sub", f);
		assert_true(vp_mkdir_p(q, 0700, &err) < 0);
	}
	/* rm -rf does not follow the symlink into /etc */
	snprintf(p, sizeof(p), "%s/a", d);
	assert_int_equal(vp_rm_rf(p, &err), 0);
	assert_false(tu_exists(p));
	assert_int_equal(vp_rm_rf(l, &err), 0);
	assert_true(tu_exists("/etc/passwd"));
	assert_int_equal(vp_rm_rf(p, &err), 0); /* absent is fine */
	tu_rmtree(d);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_bounded),
		cmocka_unit_test(test_read_file_refuses_symlink_and_dirs),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_mkdir_p_and_rm_rf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: backend command execution (exec.c). */
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
#include <sys/types.h>

#include "exec.h"
#include "tu.h"

static void test_output_and_status(void **state)
{
	char *const argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3",
			      NULL};
	struct vp_exec_result r;
	struct vp_err err;

	(void)state;
	assert_int_equal(vp_exec(argv, 5000, &r, &err), 0);
	assert_int_equal(r.status, 3);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.errout, "err\n");
	vp_exec_result_free(&r);
}

static void test_fixed_environment(void **state)
{
	char *const argv[] = {"/usr/bin/env", NULL};
	struct vp_exec_result r;
	struct vp_err err;

	(void)state;
	setenv("LD_PRELOAD", "/tmp/evil.so", 1);
	setenv("VP_SECRET", "x", 1);
	assert_int_equal(vp_exec(argv, 5000, &r, &err), 0);
	unsetenv("LD_PRELOAD");
	assert_null(strstr(r.out, "LD_PRELOAD"));
	assert_null(strstr(r.out, "VP_SECRET"));
	assert_non_null(strstr(r.out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
	vp_exec_result_free(&r);
}

static void test_timeout_kills(void **state)
{
	char *d = tu_mkdtemp();
	char pidfile[300], script[400];
	/* the shell writes its pid, then becomes the sleep: the pid read
	 * back is the very process vp_exec started and must have killed */
	char *const argv[] = {"/bin/sh", "-c", script, NULL};
	struct vp_exec_result r;
	struct vp_err err;
	char *s;
	long pid;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/pid", d);
	snprintf(script, sizeof(script), "echo $$ >%s; exec /bin/sleep 30",
		 pidfile);
	assert_true(vp_exec(argv, 200, &r, &err) < 0);
	assert_int_equal(err.errnum, ETIMEDOUT);
	assert_non_null(strstr(err.msg, "timed out after 200 ms"));
	vp_exec_result_free(&r);
	s = tu_read(pidfile);
	assert_non_null(s);
	pid = strtol(s, NULL, 10);
	assert_true(pid > 1);
	/* killed and reaped: a live child or an unreaped zombie would
	 * still answer signal 0 */
	assert_int_equal(kill((pid_t)pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	free(s);
	tu_rmtree(d);
	free(d);
}

static void test_relative_and_missing(void **state)
{
	char *const rel[] = {"sh", NULL};
	char *const missing[] = {"/nonexistent/bin", NULL};
	struct vp_exec_result r;
	struct vp_err err;

	(void)state;
	assert_true(vp_exec(rel, 1000, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "absolute path"));
	assert_true(vp_exec(missing, 1000, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "cannot execute"));
	vp_exec_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_output_and_status),
	    cmocka_unit_test(test_fixed_environment),
	    cmocka_unit_test(test_timeout_kills),
	    cmocka_unit_test(test_relative_and_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

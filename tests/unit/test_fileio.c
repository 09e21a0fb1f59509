/* Unit tests: bounded reads, atomic writes, mkdir -p, rm -rf, checked
 * directories (fileio.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
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
	char p[400], l[256], f[500], o[256], keep[300], t[300];
	struct vp_err err;
	char *d;

	(void)state;
	/* the walk trusts root's directories only (a user's /tmp/x is
	 * refused), and only root can hand a link to another owner */
	if (geteuid() != 0)
		skip();
	d = tu_mkdtemp();
	/* a directory of the test's own that links lead into: nothing may
	 * be created in it through a squatted link, its file must survive
	 * every rm -rf below */
	snprintf(o, sizeof(o), "%s/outside", d);
	assert_int_equal(mkdir(o, 0700), 0);
	snprintf(keep, sizeof(keep), "%s/keep", o);
	tu_write(keep, "x", 0600);

	snprintf(p, sizeof(p), "%s/a/b/c", d);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	snprintf(f, sizeof(f), "%s/file", p);
	tu_write(f, "x", 0600);
	/* a symlink where a directory belongs is refused unless root owns
	 * it: someone else's link squatted in a shared directory */
	snprintf(l, sizeof(l), "%s/link", d);
	assert_int_equal(symlink(o, l), 0);
	assert_int_equal(lchown(l, 65534, 65534), 0);
	snprintf(p, sizeof(p), "%s/link/vp-unit-never", d);
	assert_true(vp_mkdir_p(p, 0700, &err) < 0);
	assert_non_null(strstr(err.msg, "symlink not owned by root"));
	snprintf(p, sizeof(p), "%s/vp-unit-never", o);
	assert_false(tu_exists(p));
	/* root's own link (/var/run -> /run) is followed */
	snprintf(t, sizeof(t), "%s/rootlink", d);
	snprintf(p, sizeof(p), "%s/a", d);
	assert_int_equal(symlink(p, t), 0);
	snprintf(p, sizeof(p), "%s/rootlink/b/new", d);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	snprintf(p, sizeof(p), "%s/a/b/new", d);
	assert_true(tu_exists(p));
	/* a file where a directory belongs */
	{
		char q[700];

		snprintf(q, sizeof(q), "%s/sub", f);
		assert_true(vp_mkdir_p(q, 0700, &err) < 0);
	}
	/* rm -rf follows no symlink, inside the tree or given to it */
	snprintf(t, sizeof(t), "%s/a/b/inner", d);
	assert_int_equal(symlink(o, t), 0);
	snprintf(p, sizeof(p), "%s/a", d);
	assert_int_equal(vp_rm_rf(p, &err), 0);
	assert_false(tu_exists(p));
	assert_true(tu_exists(keep));
	assert_int_equal(vp_rm_rf(l, &err), 0);
	assert_false(tu_exists(l));
	assert_true(tu_exists(keep));
	assert_int_equal(vp_rm_rf(p, &err), 0); /* absent is fine */
	tu_rmtree(d);
	free(d);
}

/* ---- blocking opens (a container's config.json) ---- */

/* A test that would block in open(2) fails at the alarm, not never. */
static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("blocked: open(2) of a FIFO without O_NONBLOCK");
}

static void test_read_file_fifo_and_devices(void **state)
{
	char *d = tu_mkdtemp();
	char f[256], l[256];
	struct vp_err err;
	char *out;
	size_t len;

	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(5);
	/* a FIFO nobody writes to: refused at once, not waited on */
	snprintf(f, sizeof(f), "%s/fifo", d);
	assert_int_equal(mkfifo(f, 0600), 0);
	assert_true(vp_read_file(f, 100, &out, &len, &err) < 0);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	assert_non_null(strstr(err.msg, f));
	/* the same in a checked directory */
	{
		int dfd = vp_dir_open_trusted(d, &err);

		assert_true(dfd >= 0);
		assert_true(vp_read_trusted_at(dfd, "fifo", f, 100, &out, &len,
					       &err) < 0);
		assert_non_null(strstr(err.msg, "is not a regular file"));
		close(dfd);
	}
	/* a device node (a /dev/null of its own) and a symlink to one */
	if (geteuid() == 0) {
		snprintf(f, sizeof(f), "%s/null", d);
		assert_int_equal(mknod(f, S_IFCHR | 0666, makedev(1, 3)), 0);
		assert_true(vp_read_file(f, 100, &out, &len, &err) < 0);
		assert_non_null(strstr(err.msg, "is not a regular file"));
	}
	snprintf(l, sizeof(l), "%s/devlink", d);
	assert_int_equal(symlink("/dev/null", l), 0);
	assert_true(vp_read_file(l, 100, &out, &len, &err) < 0);
	assert_int_equal(err.errnum, ELOOP);
	alarm(0);
	/* procfs files are regular: they still read */
	assert_int_equal(
	    vp_read_file("/proc/self/cmdline", 4096, &out, &len, &err), 0);
	assert_true(len > 0);
	free(out);
	tu_rmtree(d);
	free(d);
}

/* ---- checked directories ---- */

static char *in(const char *d, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", d, name) > 0);
	return p;
}

static void mkdir_as(const char *p, mode_t mode, uid_t uid)
{
	assert_int_equal(mkdir(p, mode), 0);
	assert_int_equal(chmod(p, mode), 0); /* past the umask */
	assert_int_equal(chown(p, uid, uid), 0);
}

static void expect_refused(const char *path, const char *sub)
{
	struct vp_err err;
	int fd = vp_dir_open_trusted(path, &err);

	if (fd >= 0) {
		close(fd);
		fail_msg("`%s` accepted, want \"%s\"", path, sub);
	}
	if (strstr(err.msg, sub) == NULL)
		fail_msg("`%s`: error \"%s\" lacks \"%s\"", path, err.msg, sub);
}

static void test_dir_open_refuses(void **state)
{
	char *d = tu_mkdtemp();
	_cleanup_free_ char *other = in(d, "other");
	_cleanup_free_ char *open_ = in(d, "open");
	_cleanup_free_ char *grp = in(d, "grp");
	_cleanup_free_ char *sticky = in(d, "sticky");
	_cleanup_free_ char *squat = in(d, "sticky/squat");
	_cleanup_free_ char *squat_run = in(d, "sticky/squat/run");
	_cleanup_free_ char *good = in(d, "sticky/good");
	_cleanup_free_ char *wide = in(d, "wide");
	_cleanup_free_ char *wide_run = in(d, "wide/run");
	_cleanup_free_ char *file = in(d, "file");
	_cleanup_free_ char *link = in(d, "link");
	_cleanup_free_ char *link_run = in(d, "link/run");
	_cleanup_free_ char *rlink = in(d, "rlink");
	_cleanup_free_ char *rlink_bad = in(d, "rlink-bad");
	char msg[600];
	struct vp_err err;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	fd = vp_dir_open_trusted(d, &err);
	assert_true(fd >= 0);
	close(fd);

	/* the directory itself: someone else's, or writable by others */
	mkdir_as(other, 0700, 65534);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root",
		 other);
	expect_refused(other, msg);
	mkdir_as(open_, 0777, 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 0777)", open_);
	expect_refused(open_, msg);
	mkdir_as(grp, 0770, 0);
	expect_refused(grp, "(mode 0770)");
	/* sticky is good enough for an ancestor, never for the directory */
	mkdir_as(sticky, 01777, 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 1777)", sticky);
	expect_refused(sticky, msg);
	mkdir_as(good, 0700, 0);
	fd = vp_dir_open_trusted(good, &err);
	assert_true(fd >= 0);
	close(fd);
	/* the reproduction: another user made it first, in a sticky dir */
	mkdir_as(squat, 0777, 65534);
	mkdir_as(squat_run, 0700, 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root",
		 squat);
	expect_refused(squat_run, msg);
	/* an ancestor writable by others and not sticky */
	mkdir_as(wide, 0777, 0);
	mkdir_as(wide_run, 0700, 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 0777) and not "
		 "sticky",
		 wide);
	expect_refused(wide_run, msg);
	/* a file where a directory belongs */
	tu_write(file, "x", 0600);
	snprintf(msg, sizeof(msg), "`%s` is not a directory", file);
	expect_refused(file, msg);
	/* a symlink owned by someone else, last or on the way */
	assert_int_equal(symlink(good, link), 0);
	assert_int_equal(lchown(link, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is a symlink not owned by root", link);
	expect_refused(link, msg);
	expect_refused(link_run, msg);
	/* root's symlink is followed (/var/run -> /run), and what it leads
	 * to is checked by its own path */
	assert_int_equal(symlink("sticky/good", rlink), 0);
	fd = vp_dir_open_trusted(rlink, &err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(open_, rlink_bad), 0);
	snprintf(msg, sizeof(msg), "`%s` is writable by group or others",
		 open_);
	expect_refused(rlink_bad, msg);
	/* vp_mkdir_p used to accept any existing directory */
	assert_true(vp_mkdir_p(open_, 0700, &err) < 0);
	assert_non_null(strstr(err.msg, "(mode 0777)"));
	assert_true(vp_mkdir_p(other, 0700, &err) < 0);
	assert_non_null(strstr(err.msg, "uid 65534"));
	/* below a checked directory every component is checked strictly:
	 * no sticky exception */
	fd = vp_dir_open_trusted(d, &err);
	assert_true(fd >= 0);
	{
		int sfd = vp_dir_openat(fd, d, "sticky/good", 0, &err);

		assert_true(sfd < 0);
		assert_non_null(strstr(err.msg, "(mode 1777)"));
		sfd = vp_dir_openat(fd, d, "nosuch", 0, &err);
		assert_true(sfd < 0);
		assert_int_equal(err.errnum, ENOENT);
	}
	close(fd);
	/* relative paths have no fixed ancestors to check */
	assert_true(vp_dir_open("tmp", 0, &err) < 0);
	tu_rmtree(d);
	free(d);
}

static void test_dir_open_creates(void **state)
{
	char *d = tu_mkdtemp();
	_cleanup_free_ char *p = in(d, "a/b/c");
	_cleanup_free_ char *f = in(d, "a/b/c/x");
	struct vp_err err;
	struct stat st;
	int fd;

	(void)state;
	assert_true(vp_dir_open(p, 0, &err) < 0);
	assert_int_equal(err.errnum, ENOENT);
	fd = vp_dir_open(p, 0700, &err);
	assert_true(fd >= 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* files relative to it */
	assert_int_equal(
	    vp_write_file_atomic_at(fd, "x", f, "hi", 2, 0600, &err), 0);
	{
		char *out;
		size_t len;

		assert_int_equal(
		    vp_read_trusted_at(fd, "x", f, 10, &out, &len, &err), 0);
		assert_string_equal(out, "hi");
		free(out);
	}
	close(fd);
	tu_rmtree(d);
	free(d);
}

static void test_trusted_files(void **state)
{
	char *d = tu_mkdtemp();
	_cleanup_free_ char *f = in(d, "f");
	_cleanup_free_ char *l = in(d, "l");
	_cleanup_free_ char *w = in(d, "wide");
	_cleanup_free_ char *wf = in(d, "wide/f");
	char msg[600];
	struct vp_err err;
	char *out;
	size_t len;
	int dfd;

	(void)state;
	if (geteuid() != 0)
		skip();
	dfd = vp_dir_open_trusted(d, &err);
	assert_true(dfd >= 0);
	tu_write(f, "x", 0600);
	assert_int_equal(vp_read_trusted_at(dfd, "f", f, 10, &out, &len, &err),
			 0);
	free(out);
	assert_int_equal(vp_read_file_trusted(f, 10, &out, &len, &err), 0);
	free(out);
	/* opened without blocking, but reads block again once it is known
	 * to be a regular file */
	{
		int fd = vp_open_trusted_at(dfd, "f", f, O_RDONLY, 0, &err);

		assert_true(fd >= 0);
		assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
		close(fd);
	}
	/* someone else's file */
	assert_int_equal(chown(f, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root", f);
	assert_true(vp_read_trusted_at(dfd, "f", f, 10, &out, &len, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_true(vp_read_file_trusted(f, 10, &out, &len, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	/* root's, but writable by others */
	assert_int_equal(chown(f, 0, 0), 0);
	assert_int_equal(chmod(f, 0666), 0);
	assert_true(vp_read_trusted_at(dfd, "f", f, 10, &out, &len, &err) < 0);
	assert_non_null(
	    strstr(err.msg, "is writable by group or others (mode 0666)"));
	assert_true(
	    vp_open_trusted_at(dfd, "f", f, O_RDWR | O_CREAT, 0600, &err) < 0);
	/* a symlink, even root's, to a good file */
	assert_int_equal(chmod(f, 0600), 0);
	assert_int_equal(symlink(f, l), 0);
	assert_true(vp_read_trusted_at(dfd, "l", l, 10, &out, &len, &err) < 0);
	assert_int_equal(err.errnum, ELOOP);
	/* a good file in a directory writable by others */
	mkdir_as(w, 0777, 0);
	tu_write(wf, "x", 0600);
	assert_true(vp_read_file_trusted(wf, 10, &out, &len, &err) < 0);
	assert_non_null(strstr(err.msg, "(mode 0777)"));
	/* ... is not written there either */
	assert_true(vp_write_file_atomic(wf, "y", 1, 0600, &err) < 0);
	assert_non_null(strstr(err.msg, "(mode 0777)"));
	out = tu_read(wf);
	assert_string_equal(out, "x");
	free(out);
	close(dfd);
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
	    cmocka_unit_test(test_read_file_fifo_and_devices),
	    cmocka_unit_test(test_dir_open_refuses),
	    cmocka_unit_test(test_dir_open_creates),
	    cmocka_unit_test(test_trusted_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

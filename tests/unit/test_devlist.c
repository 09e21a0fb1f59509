/* test_devlist.c - the device list file between hook and shim
 * (devlist.h): round trip, strict parsing, errors that name the file, and
 * only root's own file in root's own directory. */
#include "tu_shim.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devlist.h"
#include "fileio.h"
#include "rundir.h"

struct fx {
	char *dir;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->dir = tu_tmpdir()) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static char *path_in(struct fx *f, const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", f->dir, name) > 0);
	return p;
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static const char *const ARGS[] = {
    "-chardev", "socket,id=vp-c0,path=/run/s,,x,server=on,wait=off",
    "-netdev",	"type=vhost-user,id=vp-n0,chardev=vp-c0,vhostforce=on",
    "-device",	"virtio-net-pci,netdev=vp-n0,mac=02:00:00:00:00:01",
    "-device",	"vfio-pci,host=0000:03:10.1",
    NULL,
};

static void make_list(struct vp_devlist *dl, const char *id)
{
	struct vp_err err = {0};

	memset(dl, 0, sizeof(*dl));
	dl->sandbox = strdup(id);
	dl->shared_memory = true;
	for (size_t i = 0; ARGS[i] != NULL; i++)
		assert_int_equal(vp_argv_push(&dl->args, ARGS[i], &err), 0);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *p = path_in(f, "devices.json");
	struct vp_devlist out, in = {0};
	struct vp_err err = {0};
	struct stat st;

	make_list(&out, "abc123");
	assert_int_equal(vp_devlist_write(p, &out, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(vp_devlist_load(p, &in, &err), 1);
	assert_string_equal(in.sandbox, "abc123");
	assert_true(in.shared_memory);
	tu_assert_argv(&in.args, ARGS);
	vp_devlist_free(&in);

	/* overwrite in place, no memory sharing, no args */
	vp_argv_free(&out.args);
	out.shared_memory = false;
	assert_int_equal(vp_devlist_write(p, &out, &err), 0);
	assert_int_equal(vp_devlist_load(p, &in, &err), 1);
	assert_false(in.shared_memory);
	assert_int_equal(in.args.n, 0);
	vp_devlist_free(&in);
	vp_devlist_free(&out);
	vp_devlist_free(&out); /* twice is harmless */
}

static void test_missing_is_zero(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *p = path_in(f, "devices.json");
	_cleanup_free_ char *q = path_in(f, "nosuchdir/devices.json");
	struct vp_devlist dl;
	struct vp_err err = {0};

	assert_int_equal(vp_devlist_load(p, &dl, &err), 0);
	assert_null(dl.sandbox);
	assert_int_equal(dl.args.n, 0);
	assert_int_equal(vp_devlist_load(q, &dl, &err), 0);
}

static void test_path(void **state)
{
	_cleanup_free_ char *p =
	    vp_rundir_file("/run/vnfplug", "abc", VP_RUNDIR_DEVLIST);

	(void)state;
	assert_string_equal(p, "/run/vnfplug/sandboxes/abc/devices.json");
	errno = 0;
	assert_null(vp_rundir_file("/run/vnfplug", "../x", VP_RUNDIR_DEVLIST));
	assert_int_equal(errno, EINVAL);
	assert_null(vp_rundir_file("/run/vnfplug", "a/b", VP_RUNDIR_DEVLIST));
	assert_null(vp_rundir_file("/run/vnfplug", "", VP_RUNDIR_DEVLIST));
}

/* Each of these must be refused, with the file named in the message. */
static void test_corrupt(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"-device\",\"vi", /* truncated */
	    "[]",
	    "null",
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[],\"extra\":1}", /* unknown key */
	    "{\"version\":2,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[]}",
	    "{\"version\":\"1\",\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[]}",
	    "{\"version\":1.5,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[]}",
	    "{\"sandbox\":\"abc\",\"shared_memory\":true,\"args\":[]}",
	    "{\"version\":1,\"shared_memory\":true,\"args\":[]}",
	    "{\"version\":1,\"sandbox\":\"abc\",\"args\":[]}",
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true}",
	    "{\"version\":1,\"sandbox\":\"../x\",\"shared_memory\":true,"
	    "\"args\":[]}",
	    "{\"version\":1,\"sandbox\":7,\"shared_memory\":true,"
	    "\"args\":[]}",
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":1,"
	    "\"args\":[]}",
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":\"-device x\"}",
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"-device\",5]}", /* non-string */
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"-device\",null]}",
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"-device\"]}", /* odd count */
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"-device\",\"\"]}", /* empty value */
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"\",\"x\"]}", /* empty option */
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"-kernel\",\"/tmp/evil\"]}", /* not ours */
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"virtio-net-pci\",\"-device\"]}", /* no option */
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[\"-device\",\"a\\u0000b\"]}", /* NUL */
	    "{\"version\":1,\"version\":1,\"sandbox\":\"abc\","
	    "\"shared_memory\":true,\"args\":[]}", /* duplicate */
	    "{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":true,"
	    "\"args\":[]} x", /* trailing */
	};
	struct fx *f = *state;
	_cleanup_free_ char *p = path_in(f, "devices.json");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vp_devlist dl;
		struct vp_err err = {0};

		put(p, bad[i]);
		if (vp_devlist_load(p, &dl, &err) >= 0) {
			print_error("accepted #%zu: %s\n", i, bad[i]);
			fail();
		}
		assert_non_null(strstr(err.msg, p));
		assert_null(dl.sandbox);
		assert_int_equal(dl.args.n, 0);
	}
}

static void test_too_many_args(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *p = path_in(f, "devices.json");
	struct vp_devlist dl = {0};
	struct vp_err err = {0};
	FILE *fp;

	/* VP_DEVLIST_MAX_ARGS is fine, one pair more is not */
	for (int extra = 0; extra <= 2; extra += 2) {
		fp = fopen(p, "w");
		assert_non_null(fp);
		fputs("{\"version\":1,\"sandbox\":\"abc\",\"shared_memory\":"
		      "false,"
		      "\"args\":[",
		      fp);
		for (int i = 0; i < VP_DEVLIST_MAX_ARGS + extra; i += 2)
			fprintf(fp, "%s\"-device\",\"d%d\"", i ? "," : "", i);
		fputs("]}", fp);
		assert_int_equal(fclose(fp), 0);
		if (extra == 0) {
			assert_int_equal(vp_devlist_load(p, &dl, &err), 1);
			assert_int_equal(dl.args.n, VP_DEVLIST_MAX_ARGS);
			vp_devlist_free(&dl);
		} else {
			assert_true(vp_devlist_load(p, &dl, &err) < 0);
			assert_non_null(strstr(err.msg, "at most 1024"));
		}
	}
}

static void test_write_refuses_invalid(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *p = path_in(f, "devices.json");
	struct vp_devlist dl;
	struct vp_err err = {0};

	make_list(&dl, "abc");
	assert_int_equal(vp_argv_push(&dl.args, "-append", &err), 0);
	assert_int_equal(vp_argv_push(&dl.args, "init=/bin/sh", &err), 0);
	assert_true(vp_devlist_write(p, &dl, &err) < 0);
	assert_non_null(strstr(err.msg, "-append"));
	assert_int_equal(access(p, F_OK), -1);
	vp_devlist_free(&dl);

	make_list(&dl, "a,b");
	assert_true(vp_devlist_write(p, &dl, &err) < 0);
	vp_devlist_free(&dl);
	assert_int_equal(access(p, F_OK), -1);
}

static void test_symlink_refused(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *real = path_in(f, "real.json");
	_cleanup_free_ char *link = path_in(f, "devices.json");
	struct vp_devlist dl;
	struct vp_err err = {0};

	make_list(&dl, "abc");
	assert_int_equal(vp_devlist_write(real, &dl, &err), 0);
	vp_devlist_free(&dl);
	assert_int_equal(symlink(real, link), 0);
	assert_true(vp_devlist_load(link, &dl, &err) < 0);
	assert_non_null(strstr(err.msg, link));
}

/* The shim reads the list only from root's own file in root's own
 * directory: each way someone else could have planted one is refused,
 * with what is wrong and where. */
static void expect_load_refused(const char *path, const char *sub)
{
	struct vp_devlist dl;
	struct vp_err err = {0};

	if (vp_devlist_load(path, &dl, &err) >= 0) {
		vp_devlist_free(&dl);
		fail_msg("`%s` loaded, want \"%s\"", path, sub);
	}
	if (strstr(err.msg, sub) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, sub);
}

static void test_untrusted_refused(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *run = path_in(f, "run");
	_cleanup_free_ char *sb = path_in(f, "run/sandboxes/abc");
	_cleanup_free_ char *p = path_in(f, "run/sandboxes/abc/devices.json");
	_cleanup_free_ char *real = path_in(f, "run/sandboxes/real");
	_cleanup_free_ char *shared = path_in(f, "shared");
	_cleanup_free_ char *squat = path_in(f, "shared/x");
	_cleanup_free_ char *sq_sb = path_in(f, "shared/x/run/sandboxes/abc");
	_cleanup_free_ char *sq_p =
	    path_in(f, "shared/x/run/sandboxes/abc/devices.json");
	_cleanup_free_ char *cmd = NULL;
	struct vp_devlist dl, in;
	struct vp_err err = {0};
	char msg[700];

	if (geteuid() != 0)
		skip();
	assert_int_equal(vp_mkdir_p(sb, 0700, &err), 0);
	make_list(&dl, "abc");
	assert_int_equal(vp_devlist_write(p, &dl, &err), 0);
	assert_int_equal(vp_devlist_load(p, &in, &err), 1); /* control */
	vp_devlist_free(&in);

	/* the file: someone else's, or writable by others */
	assert_int_equal(chown(p, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root", p);
	expect_load_refused(p, msg);
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(chmod(p, 0666), 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 0666)", p);
	expect_load_refused(p, msg);
	assert_int_equal(chmod(p, 0644), 0);
	/* its directory */
	assert_int_equal(chmod(sb, 0777), 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 0777)", sb);
	expect_load_refused(p, msg);
	/* ... and it is not written there either */
	assert_true(vp_devlist_write(p, &dl, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_int_equal(chmod(sb, 0700), 0);
	assert_int_equal(chown(sb, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root", sb);
	expect_load_refused(p, msg);
	assert_int_equal(chown(sb, 0, 0), 0);
	/* run_dir above it writable by others (not sticky) */
	assert_int_equal(chmod(run, 0777), 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 0777)", run);
	expect_load_refused(p, msg);
	assert_int_equal(chmod(run, 0700), 0);
	/* the sandbox directory a symlink someone else owns */
	assert_int_equal(rename(sb, real), 0);
	assert_int_equal(symlink(real, sb), 0);
	assert_int_equal(vp_devlist_load(p, &in, &err), 1); /* root's: ok */
	vp_devlist_free(&in);
	assert_int_equal(lchown(sb, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is a symlink not owned by root", sb);
	expect_load_refused(p, msg);
	/* a file where the directory belongs */
	assert_int_equal(unlink(sb), 0);
	put(sb, "x");
	snprintf(msg, sizeof(msg), "`%s` is not a directory", sb);
	expect_load_refused(p, msg);

	/* the reproduction: run_dir pre-created, mode 0777, by another user
	 * in a shared sticky directory, with a list of that user's choosing
	 * (written by root here only because the writer checks too) */
	assert_int_equal(mkdir(shared, 01777), 0);
	assert_int_equal(chmod(shared, 01777), 0);
	assert_int_equal(mkdir(squat, 0777), 0);
	assert_int_equal(vp_mkdir_p(sq_sb, 0700, &err), 0);
	assert_int_equal(vp_devlist_write(sq_p, &dl, &err), 0);
	assert_true(asprintf(&cmd,
			     "chown -R 65534:65534 '%s' && chmod -R a+w '%s'",
			     squat, squat) > 0);
	assert_int_equal(system(cmd), 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root",
		 squat);
	expect_load_refused(sq_p, msg);
	vp_devlist_free(&dl);
}

static void test_parse_in_memory(void **state)
{
	static const char doc[] =
	    "{\"args\":[\"-qmp\",\"unix:/run/q.sock,server=on,wait=off\"],"
	    "\"shared_memory\":false,\"sandbox\":\"s.1_x-2\",\"version\":1}";
	struct vp_devlist dl;
	struct vp_err err = {0};

	(void)state;
	assert_int_equal(vp_devlist_parse(doc, strlen(doc), &dl, &err), 0);
	assert_string_equal(dl.sandbox, "s.1_x-2");
	assert_int_equal(dl.args.n, 2);
	vp_devlist_free(&dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_is_zero, setup,
					    teardown),
	    cmocka_unit_test(test_path),
	    cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many_args, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_write_refuses_invalid, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_symlink_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_untrusted_refused, setup,
					    teardown),
	    cmocka_unit_test(test_parse_in_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

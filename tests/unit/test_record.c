/* Unit tests: the record journal (record.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "record.h"
#include "fileio.h"
#include "tu.h"

static void fill(struct vp_record *rec)
{
	struct vp_err err;
	struct vp_resource port = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_PENDING,
	    .index = 0,
	    .network = "chain",
	    .ovsdb = "unix:/run/ovs/db.sock",
	    .bridge = "br-vnf",
	    .port = "vp0123456789n0",
	    .socket = "/run/vnfplug/sockets/vp0123456789n0.sock",
	};
	struct vp_resource dl = {
	    .kind = VP_RES_DEVLIST,
	    .state = VP_RES_CREATED,
	    .path = "/run/vnfplug/sandboxes/sb1/devices.json",
	};

	memset(rec, 0, sizeof(*rec));
	rec->sandbox = strdup("sb1");
	rec->container = strdup("ctr1");
	rec->created = 1700000000;
	rec->owner_pid = 4242;
	rec->owner_start = 987654321ULL;
	assert_int_equal(vp_record_add(rec, &port, &err), 0);
	assert_int_equal(vp_record_add(rec, &dl, &err), 1);
}

static void test_roundtrip(void **state)
{
	struct vp_record a, b;
	struct vp_err err;
	char *buf;
	size_t len;

	(void)state;
	fill(&a);
	a.complete = true;
	assert_int_equal(vp_record_serialize(&a, &buf, &len, &err), 0);
	assert_int_equal(vp_record_parse(buf, len, &b, &err), 0);
	assert_string_equal(b.sandbox, "sb1");
	assert_string_equal(b.container, "ctr1");
	assert_int_equal(b.created, 1700000000);
	assert_int_equal(b.owner_pid, 4242);
	assert_true(b.owner_start == 987654321ULL);
	assert_true(b.complete);
	assert_int_equal(b.n_res, 2);
	assert_int_equal(b.res[0].kind, VP_RES_OVS_PORT);
	assert_int_equal(b.res[0].state, VP_RES_PENDING);
	assert_string_equal(b.res[0].port, "vp0123456789n0");
	assert_string_equal(b.res[0].bridge, "br-vnf");
	assert_int_equal(b.res[1].kind, VP_RES_DEVLIST);
	assert_int_equal(b.res[1].state, VP_RES_CREATED);
	free(buf);
	vp_record_free(&a);
	vp_record_free(&b);
}

static void expect_corrupt(const char *doc, const char *msg)
{
	struct vp_record r;
	struct vp_err err = {0};

	assert_true(vp_record_parse(doc, strlen(doc), &r, &err) < 0);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error `%s` lacks `%s`", err.msg, msg);
}

static void test_corrupt(void **state)
{
	(void)state;
	expect_corrupt("", "");
	expect_corrupt("{\"version\":1,\"sandbox\":\"sb", "");
	expect_corrupt("[]", "must be a JSON object");
	expect_corrupt("{\"version\":2,\"sandbox\":\"a\",\"resources\":[]}",
		       "version 2");
	expect_corrupt("{\"version\":1,\"resources\":[]}", "missing `sandbox`");
	expect_corrupt("{\"version\":1,\"sandbox\":\"../x\",\"resources\":[]}",
		       "invalid sandbox id");
	expect_corrupt("{\"version\":1,\"sandbox\":\"a\"}", "`resources`");
	expect_corrupt("{\"version\":1,\"sandbox\":\"a\",\"resources\":"
		       "[{\"kind\":\"bogus\",\"state\":\"created\"}]}",
		       "unknown kind");
	/* a record is trusted only as far as the allowlists go: a port name
	 * that would be an ovs-vsctl option is refused at load */
	expect_corrupt("{\"version\":1,\"sandbox\":\"a\",\"resources\":"
		       "[{\"kind\":\"ovs-port\",\"state\":\"created\","
		       "\"ovsdb\":\"unix:/x\",\"bridge\":\"br\",\"port\":"
		       "\"--all\",\"socket\":\"/s\"}]}",
		       "fail validation");
	expect_corrupt("{\"version\":1,\"sandbox\":\"a\",\"resources\":"
		       "[{\"kind\":\"devlist\",\"state\":\"created\","
		       "\"path\":\"relative/p\"}]}",
		       "fails validation");
}

/* A port whose name was taken by someone else's is journalled as such. */
static void test_not_created_state(void **state)
{
	struct vp_record a, b;
	struct vp_err err;
	char *buf;
	size_t len;

	(void)state;
	fill(&a);
	a.res[0].state = VP_RES_NOT_CREATED;
	assert_int_equal(vp_record_serialize(&a, &buf, &len, &err), 0);
	assert_non_null(strstr(buf, "\"state\": \"not-created\""));
	assert_int_equal(vp_record_parse(buf, len, &b, &err), 0);
	assert_int_equal(b.res[0].state, VP_RES_NOT_CREATED);
	free(buf);
	vp_record_free(&a);
	vp_record_free(&b);
	expect_corrupt("{\"version\":1,\"sandbox\":\"a\",\"resources\":"
		       "[{\"kind\":\"devlist\",\"state\":\"gone\","
		       "\"path\":\"/p\"}]}",
		       "unknown state");
}

static void test_store(void **state)
{
	char *run = tu_mkdtemp();
	struct vp_record a, b;
	struct vp_err err;
	char path[512];
	char **ids;
	size_t n;

	(void)state;
	assert_int_equal(vp_record_load(run, "sb1", &b, &err), 0);
	fill(&a);
	assert_int_equal(vp_record_save(run, &a, &err), 0);
	snprintf(path, sizeof(path), "%s/sandboxes/sb1/record.json", run);
	assert_true(tu_exists(path));
	/* no temp file is left next to it */
	snprintf(path, sizeof(path), "%s/sandboxes/sb1/record.json.tmp.%d", run,
		 getpid());
	assert_false(tu_exists(path));
	assert_int_equal(vp_record_load(run, "sb1", &b, &err), 1);
	assert_int_equal(b.n_res, 2);
	vp_record_free(&b);

	assert_int_equal(vp_record_list(run, &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "sb1");
	free(ids[0]);
	free(ids);

	/* a record copied under another sandbox's name is refused */
	snprintf(path, sizeof(path), "%s/sandboxes/sb2", run);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sandboxes/sb2/record.json", run);
	{
		char src[512];
		char *doc;

		snprintf(src, sizeof(src), "%s/sandboxes/sb1/record.json", run);
		doc = tu_read(src);
		tu_write(path, doc, 0600);
		free(doc);
	}
	assert_true(vp_record_load(run, "sb2", &b, &err) < 0);
	assert_non_null(strstr(err.msg, "names another sandbox"));

	/* corrupt file: reported with its path */
	tu_write(path, "{\"version\":1,", 0600);
	assert_true(vp_record_load(run, "sb2", &b, &err) < 0);
	assert_non_null(strstr(err.msg, "corrupt record"));

	assert_int_equal(vp_record_remove(run, "sb1", &err), 0);
	assert_int_equal(vp_record_remove(run, "sb1", &err), 0);
	assert_int_equal(vp_record_load(run, "sb1", &b, &err), 0);
	vp_record_free(&a);
	tu_rmtree(run);
	free(run);
}

static void test_symlinked_record_refused(void **state)
{
	char *run = tu_mkdtemp();
	struct vp_record b;
	struct vp_err err;
	char dir[512], path[600];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/sandboxes/sb3", run);
	assert_int_equal(vp_mkdir_p(dir, 0700, &err), 0);
	snprintf(path, sizeof(path), "%s/record.json", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_true(vp_record_load(run, "sb3", &b, &err) < 0);
	tu_rmtree(run);
	free(run);
}

static void test_claims_file(void **state)
{
	char *run = tu_mkdtemp();
	struct vp_record a = {0};
	struct vp_err err;
	struct vp_resource c = {.kind = VP_RES_VF_CLAIM,
				.state = VP_RES_CREATED,
				.vf_pci = "0000:3b:10.2"};
	char path[512], *text, **pcis;
	size_t n;

	(void)state;
	a.sandbox = strdup("sbc");
	assert_int_equal(vp_record_add(&a, &c, &err), 0);
	assert_int_equal(vp_record_save(run, &a, &err), 0);
	snprintf(path, sizeof(path), "%s/claims", run);
	text = tu_read(path);
	assert_string_equal(text, "0000:3b:10.2 sbc\n");
	free(text);
	assert_int_equal(vp_record_claims(run, &pcis, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pcis[0], "0000:3b:10.2");
	vp_strvfreep(&pcis);

	/* another sandbox's claim stays whatever happens to sbc's */
	{
		struct vp_record b = {0};
		struct vp_resource cb = c;

		cb.vf_pci = "0000:3b:10.4";
		b.sandbox = strdup("sbd");
		assert_int_equal(vp_record_add(&b, &cb, &err), 0);
		assert_int_equal(vp_record_save(run, &b, &err), 0);
		vp_record_free(&b);
	}
	/* the claim dropped from the record: the index follows it */
	vp_resource_free(&a.res[0]);
	a.n_res = 0;
	assert_int_equal(vp_record_save(run, &a, &err), 0);
	text = tu_read(path);
	assert_string_equal(text, "0000:3b:10.4 sbd\n");
	free(text);
	assert_int_equal(vp_record_remove(run, "sbd", &err), 0);
	assert_int_equal(vp_record_claims(run, &pcis, &n, &err), 0);
	assert_int_equal(n, 0);
	vp_strvfreep(&pcis);

	/* a record.json gone corrupt keeps its VFs claimed */
	assert_int_equal(vp_record_add(&a, &c, &err), 0);
	assert_int_equal(vp_record_save(run, &a, &err), 0);
	snprintf(path, sizeof(path), "%s/sandboxes/sbc/record.json", run);
	tu_write(path, "{\"version\":", 0600);
	assert_int_equal(vp_record_claims(run, &pcis, &n, &err), 0);
	assert_int_equal(n, 1);
	vp_strvfreep(&pcis);
	assert_int_equal(vp_record_remove(run, "sbc", &err), 0);
	assert_int_equal(vp_record_claims(run, &pcis, &n, &err), 0);
	assert_int_equal(n, 0);
	vp_strvfreep(&pcis);
	vp_record_free(&a);
	tu_rmtree(run);
	free(run);
}

/* A record, the claims index or the sandboxes directory that someone else
 * could have planted is refused, naming what is wrong and where. */
static void expect_load_refused(const char *run, const char *sub)
{
	struct vp_record b;
	struct vp_err err;

	if (vp_record_load(run, "sb1", &b, &err) >= 0) {
		vp_record_free(&b);
		fail_msg("record loaded, want \"%s\"", sub);
	}
	if (strstr(err.msg, sub) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, sub);
}

static void test_untrusted_refused(void **state)
{
	char *run = tu_mkdtemp();
	struct vp_record a = {0};
	struct vp_err err;
	struct vp_resource c = {.kind = VP_RES_VF_CLAIM,
				.state = VP_RES_CREATED,
				.vf_pci = "0000:3b:10.2"};
	char sbs[512], dir[512], rec[600], claims[512], real[512], msg[800];
	char **v;
	size_t n;

	(void)state;
	if (geteuid() != 0) {
		free(run);
		skip();
	}
	fill(&a);
	assert_int_equal(vp_record_add(&a, &c, &err), 2);
	assert_int_equal(vp_record_save(run, &a, &err), 0);
	snprintf(sbs, sizeof(sbs), "%s/sandboxes", run);
	snprintf(dir, sizeof(dir), "%s/sandboxes/sb1", run);
	snprintf(rec, sizeof(rec), "%s/record.json", dir);
	snprintf(claims, sizeof(claims), "%s/claims", run);
	snprintf(real, sizeof(real), "%s/real", run);

	/* record.json someone else's, or writable by others */
	assert_int_equal(chown(rec, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root", rec);
	expect_load_refused(run, msg);
	assert_int_equal(chown(rec, 0, 0), 0);
	assert_int_equal(chmod(rec, 0666), 0);
	expect_load_refused(run, "is writable by group or others (mode 0666)");
	assert_int_equal(chmod(rec, 0600), 0);
	/* the sandbox directory, sandboxes/, run_dir */
	assert_int_equal(chown(dir, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root", dir);
	expect_load_refused(run, msg);
	/* removing it is refused too: it is not vnfplug's */
	assert_true(vp_record_remove(run, "sb1", &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_true(tu_exists(rec));
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(chmod(sbs, 01777), 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 1777)", sbs);
	expect_load_refused(run, msg);
	assert_true(vp_record_list(run, &v, &n, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_true(vp_record_save(run, &a, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_int_equal(chmod(sbs, 0700), 0);
	assert_int_equal(chmod(run, 0777), 0);
	snprintf(msg, sizeof(msg),
		 "`%s` is writable by group or others (mode 0777)", run);
	expect_load_refused(run, msg);
	assert_true(vp_record_claims(run, &v, &n, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_int_equal(chmod(run, 0700), 0);
	/* sandboxes/ a symlink someone else owns */
	assert_int_equal(rename(sbs, real), 0);
	assert_int_equal(symlink(real, sbs), 0);
	assert_int_equal(lchown(sbs, 65534, 65534), 0);
	expect_load_refused(run, "is a symlink not owned by root");
	assert_int_equal(unlink(sbs), 0);
	assert_int_equal(rename(real, sbs), 0);
	/* the claims index someone else's */
	assert_int_equal(chown(claims, 65534, 65534), 0);
	snprintf(msg, sizeof(msg), "`%s` is owned by uid 65534, not root",
		 claims);
	assert_true(vp_record_claims(run, &v, &n, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_true(vp_record_save(run, &a, &err) < 0);
	assert_non_null(strstr(err.msg, msg));
	assert_int_equal(chown(claims, 0, 0), 0);
	/* all of it root's again: control */
	assert_int_equal(vp_record_claims(run, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	vp_strvfreep(&v);
	{
		struct vp_record b;

		assert_int_equal(vp_record_load(run, "sb1", &b, &err), 1);
		vp_record_free(&b);
	}
	assert_int_equal(vp_record_remove(run, "sb1", &err), 0);
	vp_record_free(&a);
	tu_rmtree(run);
	free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_not_created_state),
	    cmocka_unit_test(test_store),
	    cmocka_unit_test(test_symlinked_record_refused),
	    cmocka_unit_test(test_claims_file),
	    cmocka_unit_test(test_untrusted_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

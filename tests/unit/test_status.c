/* Unit tests: status (status.c): states, liveness and devices, in the
 * table and in the JSON document (read back with the project's parser). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "json.h"
#include "liveness.h"
#include "lock.h"
#include "proc.h"
#include "record.h"
#include "status.h"
#include "tu.h"

struct fx {
	char *dir;
	struct vp_config cfg;
	char *out;
	size_t out_len;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vp_err err;
	char cfg[1024];

	f->dir = tu_mkdtemp();
	snprintf(cfg, sizeof(cfg),
		 "{\"run_dir\":\"%s/run\",\"proc_root\":\"/proc\","
		 "\"networks\":{}}",
		 f->dir);
	if (vp_config_parse(cfg, strlen(cfg), &f->cfg, &err) < 0)
		fail_msg("config: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vp_config_free(&f->cfg);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f->out);
	free(f);
	return 0;
}

static unsigned long long my_start(void)
{
	unsigned long long s;
	struct vp_err err;

	assert_int_equal(vp_proc_start_time("/proc", getpid(), &s, &err), 0);
	return s;
}

static void run_status(struct fx *f, bool json)
{
	struct vp_err err;
	FILE *out;

	free(f->out);
	f->out = NULL;
	out = open_memstream(&f->out, &f->out_len);
	assert_non_null(out);
	if (vp_status(&f->cfg, json, 0, out, &err) < 0)
		fail_msg("status: %s", err.msg);
	fclose(out);
}

/* A vhost-user port, and a VF moved into a netns as "data0". */
static void save(struct fx *f, const char *id, int pid,
		 unsigned long long start, bool complete)
{
	struct vp_record rec = {0};
	struct vp_err err;
	struct vp_resource p = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_CREATED,
	    .network = "chain",
	    .ovsdb = "unix:/x/db.sock",
	    .bridge = "br-vnf",
	    .port = "vpabcn0",
	    .socket = "/s/vpabcn0.sock",
	};
	struct vp_resource c = {
	    .kind = VP_RES_VF_CLAIM,
	    .state = VP_RES_CREATED,
	    .network = "fastnet",
	    .pf = "ens785f0",
	    .pf_pci = "0000:3b:00.0",
	    .vf_pci = "0000:3b:02.1",
	    .mode = "netns",
	};
	struct vp_resource m = {
	    .kind = VP_RES_NETNS_MOVE,
	    .state = VP_RES_PENDING,
	    .network = "fastnet",
	    .vf_pci = "0000:3b:02.1",
	    .ns_ifname = "data0",
	    .ns_pid = 1,
	    .orig_link = {.ifname = "ens785f0v1"},
	};

	rec.sandbox = strdup(id);
	rec.created = (long long)time(NULL) - 125;
	rec.owner_pid = pid;
	rec.owner_start = start;
	rec.complete = complete;
	assert_true(vp_record_add(&rec, &p, &err) >= 0);
	assert_true(vp_record_add(&rec, &c, &err) >= 0);
	assert_true(vp_record_add(&rec, &m, &err) >= 0);
	if (vp_record_save(f->cfg.run_dir, &rec, &err) < 0)
		fail_msg("save: %s", err.msg);
	vp_record_free(&rec);
}

static const struct vp_json *sandbox(const struct vp_json *doc, const char *id)
{
	const struct vp_json *arr = vp_json_get(doc, "sandboxes");

	assert_non_null(arr);
	for (size_t i = 0; i < arr->u.arr.n; i++) {
		const struct vp_json *s = arr->u.arr.items[i];

		if (strcmp(vp_json_get(s, "id")->u.str.s, id) == 0)
			return s;
	}
	fail_msg("sandbox %s not listed", id);
	return NULL;
}

static const char *str(const struct vp_json *o, const char *key)
{
	const struct vp_json *v = vp_json_get(o, key);

	if (v == NULL || v->type != VP_JSON_STRING)
		fail_msg("`%s` is not a string", key);
	return v->u.str.s;
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	struct vp_json *doc = NULL;
	struct vp_err err;

	run_status(f, false);
	assert_non_null(strstr(f->out, "no sandboxes in "));
	run_status(f, true);
	assert_int_equal(vp_json_parse(f->out, f->out_len, &doc, &err), 0);
	assert_int_equal(vp_json_get(doc, "sandboxes")->type, VP_JSON_ARRAY);
	assert_int_equal(vp_json_get(doc, "sandboxes")->u.arr.n, 0);
	vp_json_free(doc);
}

static void test_json(void **state)
{
	struct fx *f = *state;
	struct vp_json *doc = NULL;
	const struct vp_json *s, *dev;
	unsigned long long start;
	struct vp_err err;
	char p[400];
	int lock;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_int_equal(vp_proc_start_time("/proc", pid, &start, &err), 0);
	waitpid(pid, NULL, 0);

	save(f, "live", getpid(), my_start(), true);
	save(f, "dead", pid, start, true);
	save(f, "half", pid, start, false);
	assert_int_equal(
	    vp_vm_write(f->cfg.run_dir, "dead", getpid(), my_start(), &err), 0);
	snprintf(p, sizeof(p), "%s/run/sandboxes/bad", f->dir);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	snprintf(p, sizeof(p), "%s/run/sandboxes/bad/record.json", f->dir);
	tu_write(p, "{\"vers", 0600);
	snprintf(p, sizeof(p), "%s/run/sandboxes/norec", f->dir);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);

	run_status(f, true);
	if (vp_json_parse(f->out, f->out_len, &doc, &err) < 0)
		fail_msg("status --json does not parse: %s\n%s", err.msg,
			 f->out);
	assert_int_equal(vp_json_get(doc, "version")->u.num.i, 1);
	assert_int_equal(vp_json_get(doc, "sandboxes")->u.arr.n, 5);

	s = sandbox(doc, "live");
	assert_string_equal(str(s, "state"), "complete");
	assert_string_equal(str(vp_json_get(s, "owner"), "state"), "alive");
	assert_int_equal(vp_json_get(s, "vm")->type, VP_JSON_NULL);
	assert_true(vp_json_get(s, "alive")->u.boolean);
	assert_true(vp_json_get(s, "age")->u.num.i >= 125);
	assert_int_equal(vp_json_get(s, "devices")->u.arr.n, 2);
	dev = vp_json_get(s, "devices")->u.arr.items[0];
	assert_string_equal(str(dev, "type"), "vhost-user");
	assert_string_equal(str(dev, "port"), "vpabcn0");
	assert_string_equal(str(dev, "bridge"), "br-vnf");
	assert_string_equal(str(dev, "socket"), "/s/vpabcn0.sock");
	dev = vp_json_get(s, "devices")->u.arr.items[1];
	assert_string_equal(str(dev, "type"), "sriov");
	assert_string_equal(str(dev, "vf_pci"), "0000:3b:02.1");
	assert_string_equal(str(dev, "pf"), "ens785f0");
	assert_string_equal(str(dev, "mode"), "netns");
	assert_string_equal(str(dev, "ifname"), "data0");

	/* the owner is gone but the VM lives */
	s = sandbox(doc, "dead");
	assert_string_equal(str(vp_json_get(s, "owner"), "state"), "dead");
	assert_string_equal(str(vp_json_get(s, "vm"), "state"), "alive");
	assert_true(vp_json_get(s, "alive")->u.boolean);

	s = sandbox(doc, "half");
	assert_string_equal(str(s, "state"), "pending");
	assert_false(vp_json_get(s, "alive")->u.boolean);
	s = sandbox(doc, "bad");
	assert_string_equal(str(s, "state"), "corrupt");
	assert_non_null(strstr(str(s, "error"), "record.json"));
	assert_int_equal(vp_json_get(s, "devices")->u.arr.n, 0);
	s = sandbox(doc, "norec");
	assert_string_equal(str(s, "state"), "no-record");
	vp_json_free(doc);

	/* while a hook holds the lock, an incomplete record may be in
	 * creation */
	lock = vp_lock_acquire(f->cfg.run_dir, 1000, &err);
	assert_true(lock >= 0);
	run_status(f, true);
	vp_lock_release(lock);
	assert_int_equal(vp_json_parse(f->out, f->out_len, &doc, &err), 0);
	assert_string_equal(str(sandbox(doc, "half"), "state"), "in-creation");
	vp_json_free(doc);
}

static void test_table(void **state)
{
	struct fx *f = *state;

	save(f, "live", getpid(), my_start(), true);
	run_status(f, false);
	assert_non_null(strstr(f->out, "SANDBOX  STATE"));
	assert_non_null(strstr(f->out, "live     complete     2m0"));
	assert_non_null(strstr(f->out, " alive"));
	assert_non_null(strstr(f->out, "chain: port vpabcn0  bridge br-vnf  "
				       "socket /s/vpabcn0.sock\n"));
	assert_non_null(strstr(f->out, "fastnet: VF 0000:3b:02.1  PF ens785f0"
				       "  mode netns  ifname data0\n"));
}

/* Text a container controlled (its id) or a hand-edited record holds
 * reaches the table and the JSON without a control byte; the JSON keeps
 * the id itself, escaped. */
static void test_hostile_text(void **state)
{
	struct fx *f = *state;
	static const char evil[] = "ctr\033[2J\033[31mFORGED\r";
	struct vp_record rec = {0};
	struct vp_err err;
	struct vp_json *doc = NULL;
	struct vp_resource p = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_CREATED,
	    .network = "net\033]0;x\007",
	    .ovsdb = "unix:/x/db.sock",
	    .bridge = "br-vnf",
	    .port = "vpabcn0",
	    .socket = "/s/vpabcn0.sock",
	};

	rec.sandbox = strdup("sbx");
	rec.container = strdup(evil);
	rec.created = (long long)time(NULL);
	rec.complete = true;
	assert_true(vp_record_add(&rec, &p, &err) >= 0);
	if (vp_record_save(f->cfg.run_dir, &rec, &err) < 0)
		fail_msg("save: %s", err.msg);
	vp_record_free(&rec);

	for (int json = 0; json < 2; json++) {
		run_status(f, json);
		for (size_t i = 0; i < f->out_len; i++)
			if ((unsigned char)f->out[i] < 0x20 &&
			    f->out[i] != '\n' && f->out[i] != '\t')
				fail_msg("control byte %#x at %zu in:\n%s",
					 (unsigned char)f->out[i], i, f->out);
	}
	assert_int_equal(vp_json_parse(f->out, f->out_len, &doc, &err), 0);
	assert_string_equal(
	    vp_json_get(sandbox(doc, "sbx"), "container")->u.str.s, evil);
	vp_json_free(doc);
	run_status(f, false);
	assert_non_null(strstr(f->out, "net?]0;x?: port vpabcn0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_text, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

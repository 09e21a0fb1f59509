/* Unit tests: gc (gc.c) and the liveness checks it relies on (liveness.c),
 * with records written by vp_record_save and a scripted ovs-vsctl that
 * logs its argv.  The real runc + OVS-DPDK case is
 * tests/integration/55-gc-status.sh. */
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
#include "gc.h"
#include "liveness.h"
#include "lock.h"
#include "ovs.h"
#include "proc.h"
#include "record.h"
#include "tu.h"

struct fx {
	char *dir;
	char cfgtext[2048];
	struct vp_config cfg;
	char log[300];
	char *out; /* what gc reported */
	size_t out_len;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vp_err err;

	f->dir = tu_mkdtemp();
	tu_fake_vsctl(f->dir);
	snprintf(f->log, sizeof(f->log), "%s/vsctl.log", f->dir);
	snprintf(f->cfgtext, sizeof(f->cfgtext),
		 "{\"run_dir\":\"%s/run\",\"ovs_vsctl\":\"%s/ovs-vsctl\","
		 "\"proc_root\":\"/proc\",\"lock_timeout_ms\":2000,"
		 "\"networks\":{\"chain\":{\"type\":\"vhost-user\","
		 "\"switch\":\"ovs-dpdk\",\"bridge\":\"br-vnf\","
		 "\"ovsdb\":\"unix:%s/db.sock\",\"socket_dir\":\"%s/s\"}}}",
		 f->dir, f->dir, f->dir, f->dir);
	if (vp_config_parse(f->cfgtext, strlen(f->cfgtext), &f->cfg, &err) < 0)
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

/* A pid that is gone, with the start time it had. */
static int dead_pid(unsigned long long *start)
{
	struct vp_err err;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	/* a zombie still has its /proc entry: read it, then reap */
	assert_int_equal(vp_proc_start_time("/proc", pid, start, &err), 0);
	waitpid(pid, NULL, 0);
	return pid;
}

static unsigned long long my_start(void)
{
	unsigned long long s;
	struct vp_err err;

	assert_int_equal(vp_proc_start_time("/proc", getpid(), &s, &err), 0);
	return s;
}

/* A record like prestart leaves: one port and the device list. */
static void save_record(struct fx *f, const char *id, int pid,
			unsigned long long start, long long created,
			bool complete)
{
	struct vp_record rec = {0};
	struct vp_err err;
	char port[32], sock[300], dl[300];
	struct vp_resource p = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_CREATED,
	    .network = "chain",
	    .ovsdb = "unix:/x/db.sock",
	    .bridge = "br-vnf",
	    .port = port,
	    .socket = sock,
	};
	struct vp_resource d = {
	    .kind = VP_RES_DEVLIST, .state = VP_RES_CREATED, .path = dl};

	snprintf(port, sizeof(port), "vp%sn0", id);
	snprintf(sock, sizeof(sock), "%s/s/%s.sock", f->dir, port);
	snprintf(dl, sizeof(dl), "%s/run/sandboxes/%s/devices.json", f->dir,
		 id);
	/* the port as prestart makes it: tagged with the sandbox */
	tu_fake_port(f->dir, port, id, 0);
	rec.sandbox = strdup(id);
	rec.container = strdup(id);
	rec.created = created;
	rec.owner_pid = pid;
	rec.owner_start = start;
	rec.complete = complete;
	assert_true(vp_record_add(&rec, &p, &err) >= 0);
	assert_true(vp_record_add(&rec, &d, &err) >= 0);
	if (vp_record_save(f->cfg.run_dir, &rec, &err) < 0)
		fail_msg("save: %s", err.msg);
	vp_record_free(&rec);
}

static long long old(void)
{
	return (long long)time(NULL) - 3600;
}

/* Run gc; the report lands in f->out. */
static struct vp_gc_result run_gc(struct fx *f, bool dry_run, long long min_age)
{
	struct vp_gc_result res;
	struct vp_err err;
	FILE *out;

	free(f->out);
	f->out = NULL;
	out = open_memstream(&f->out, &f->out_len);
	assert_non_null(out);
	struct vp_gc_opts o = {dry_run, min_age, 0, out, true};
	if (vp_gc(&f->cfg, &o, &res, &err) < 0)
		fail_msg("gc: %s", err.msg);
	fclose(out);
	return res;
}

static bool has_dir(struct fx *f, const char *id)
{
	char p[400];

	snprintf(p, sizeof(p), "%s/run/sandboxes/%s", f->dir, id);
	return tu_exists(p);
}

static bool logged(struct fx *f, const char *needle)
{
	char *s = tu_read(f->log);
	bool r = s != NULL && strstr(s, needle) != NULL;

	free(s);
	return r;
}

static void assert_out(struct fx *f, const char *needle)
{
	if (f->out == NULL || strstr(f->out, needle) == NULL)
		fail_msg("gc output lacks \"%s\":\n%s", needle,
			 f->out ? f->out : "(none)");
}

static void test_dead_owner_released(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	int pid = dead_pid(&start);
	struct vp_gc_result r;

	save_record(f, "dead1", pid, start, old(), true);
	r = run_gc(f, false, VP_GC_DEFAULT_MIN_AGE);
	assert_int_equal(r.released, 1);
	assert_int_equal(r.failed, 0);
	assert_true(logged(f, "--if-exists del-port br-vnf vpdead1n0"));
	assert_false(has_dir(f, "dead1"));
	assert_out(f, "released dead1: owner pid");
	assert_out(f, "gone, no VM; port vpdead1n0 on bridge br-vnf");
	/* nothing left: a second run is a no-op */
	r = run_gc(f, false, 0);
	assert_int_equal(r.released + r.kept + r.removed + r.failed, 0);
}

static void test_live_owner_untouched(void **state)
{
	struct fx *f = *state;
	struct vp_gc_result r;

	save_record(f, "live1", getpid(), my_start(), old(), true);
	r = run_gc(f, false, 0);
	assert_int_equal(r.kept, 1);
	assert_int_equal(r.released, 0);
	assert_false(tu_exists(f->log));
	assert_true(has_dir(f, "live1"));
	assert_out(f, "keep live1: owner pid");
}

static void test_young_record_untouched(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	int pid = dead_pid(&start);
	struct vp_gc_result r;

	save_record(f, "young1", pid, start, (long long)time(NULL) - 5, true);
	r = run_gc(f, false, VP_GC_DEFAULT_MIN_AGE);
	assert_int_equal(r.kept, 1);
	assert_true(has_dir(f, "young1"));
	assert_false(tu_exists(f->log));
	assert_out(f, "keep young1: younger than 60 s");
	r = run_gc(f, false, 0);
	assert_int_equal(r.released, 1);
	assert_false(has_dir(f, "young1"));
}

static void test_dry_run_changes_nothing(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	int pid = dead_pid(&start);
	struct vp_gc_result r;
	char rec[400], *before, *after;

	save_record(f, "dry1", pid, start, old(), false);
	snprintf(rec, sizeof(rec), "%s/run/sandboxes/dry1/record.json", f->dir);
	before = tu_read(rec);
	r = run_gc(f, true, 0);
	assert_int_equal(r.released, 1);
	assert_out(f, "would release dry1: owner pid");
	assert_out(f, "incomplete setup: port vpdry1n0");
	assert_false(tu_exists(f->log));
	after = tu_read(rec);
	assert_non_null(after);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_corrupt_record_removed(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	int pid = dead_pid(&start);
	struct vp_gc_result r;
	char p[400];

	/* valid JSON that fails validation, and a truncated document */
	snprintf(p, sizeof(p), "%s/run/sandboxes/bad1", f->dir);
	save_record(f, "bad1", pid, start, old(), true);
	snprintf(p, sizeof(p), "%s/run/sandboxes/bad1/record.json", f->dir);
	tu_write(p,
		 "{\"version\":1,\"sandbox\":\"bad1\",\"resources\":[{\"kind\":"
		 "\"ovs-port\",\"state\":\"created\",\"port\":\"vpbad1n0\","
		 "\"bridge\":\"br-vnf\"}]}",
		 0600);
	save_record(f, "bad2", pid, start, old(), true);
	snprintf(p, sizeof(p), "%s/run/sandboxes/bad2/record.json", f->dir);
	tu_write(p, "{\"version\":1,\"sand", 0600);
	/* and one healthy dead sandbox: never blocked by the others */
	save_record(f, "ok1", pid, start, old(), true);

	r = run_gc(f, false, VP_GC_DEFAULT_MIN_AGE);
	assert_int_equal(r.removed, 2);
	assert_int_equal(r.released, 1);
	assert_int_equal(r.failed, 0);
	assert_false(has_dir(f, "bad1"));
	assert_false(has_dir(f, "bad2"));
	assert_false(has_dir(f, "ok1"));
	assert_out(f, "corrupt record for sandbox bad1: ");
	assert_out(f,
		   "removed, resources may need manual cleanup: OVS ports vp");
	assert_out(f, "port vpbad1n0, bridge br-vnf");
	assert_out(f, "corrupt record for sandbox bad2: ");
	/* nothing in a corrupt record is undone */
	assert_false(logged(f, "vpbad1n0"));
}

static void test_vm_alive_keeps_sandbox(void **state)
{
	struct fx *f = *state;
	unsigned long long start, vstart;
	int pid = dead_pid(&start);
	struct vp_gc_result r;
	struct vp_err err;

	save_record(f, "vm1", pid, start, old(), true);
	/* this process stands in for QEMU */
	assert_int_equal(
	    vp_vm_write(f->cfg.run_dir, "vm1", getpid(), my_start(), &err), 0);
	r = run_gc(f, false, 0);
	assert_int_equal(r.kept, 1);
	assert_true(has_dir(f, "vm1"));
	assert_out(f, "keep vm1: VM pid");

	/* the VM exits too: released */
	pid = dead_pid(&vstart);
	assert_int_equal(vp_vm_write(f->cfg.run_dir, "vm1", pid, vstart, &err),
			 0);
	r = run_gc(f, false, 0);
	assert_int_equal(r.released, 1);
	assert_false(has_dir(f, "vm1"));
	assert_out(f, "VM pid");
	assert_out(f, "gone; port vpvm1n0");
}

static void test_pid_reused_released(void **state)
{
	struct fx *f = *state;
	struct vp_gc_result r;
	struct vp_err err;

	/* our pid is alive, but with another start time it is another
	 * process: both the owner and the VM are gone */
	save_record(f, "reuse1", getpid(), my_start() + 1, old(), true);
	assert_int_equal(vp_vm_write(f->cfg.run_dir, "reuse1", getpid(),
				     my_start() - 1, &err),
			 0);
	assert_int_equal(vp_proc_live("/proc", getpid(), my_start() + 1),
			 VP_LIVE_DEAD);
	r = run_gc(f, false, 0);
	assert_int_equal(r.released, 1);
	assert_false(has_dir(f, "reuse1"));
}

static void test_dir_without_record(void **state)
{
	struct fx *f = *state;
	struct vp_gc_result r;
	struct vp_err err;
	char p[400];

	snprintf(p, sizeof(p), "%s/run/sandboxes/empty1", f->dir);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	/* a record-less dir whose VM runs is kept (vm.json outlived the
	 * record: vp_vm_write itself needs the record or device list) */
	snprintf(p, sizeof(p), "%s/run/sandboxes/vmonly", f->dir);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	snprintf(p, sizeof(p), "%s/run/sandboxes/vmonly/vm.json", f->dir);
	{
		char vm[128];

		snprintf(vm, sizeof(vm),
			 "{\"version\":1,\"pid\":%d,\"start\":%llu}",
			 (int)getpid(), my_start());
		tu_write(p, vm, 0600);
	}
	r = run_gc(f, false, 0);
	assert_int_equal(r.removed, 1);
	assert_int_equal(r.kept, 1);
	assert_false(has_dir(f, "empty1"));
	assert_true(has_dir(f, "vmonly"));
	assert_out(f, "remove empty1: directory without a record");
}

static void test_failed_release_keeps_rest(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	int pid = dead_pid(&start);
	struct vp_gc_result r;
	struct vp_record rec;
	struct vp_err err;
	char p[300];

	save_record(f, "fail1", pid, start, old(), true);
	snprintf(p, sizeof(p), "%s/fail-del", f->dir);
	tu_write(p, "", 0600);
	r = run_gc(f, false, 0);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.released, 0);
	/* the device list went, the port stays journalled for next time */
	assert_int_equal(vp_record_load(f->cfg.run_dir, "fail1", &rec, &err),
			 1);
	assert_int_equal(rec.n_res, 1);
	assert_int_equal(rec.res[0].kind, VP_RES_OVS_PORT);
	vp_record_free(&rec);

	unlink(p);
	r = run_gc(f, false, 0);
	assert_int_equal(r.released, 1);
	assert_false(has_dir(f, "fail1"));
}

static void test_liveness_details(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	struct vp_liveness l;
	struct vp_err err;
	bool alive;
	char why[128], p[400];
	int pid;
	pid_t z;

	assert_int_equal(vp_proc_live("/proc", getpid(), my_start()),
			 VP_LIVE_ALIVE);
	assert_int_equal(vp_proc_live("/proc", 0, 5), VP_LIVE_UNKNOWN);
	assert_int_equal(vp_proc_live("/proc", getpid(), 0), VP_LIVE_UNKNOWN);
	pid = dead_pid(&start);
	assert_int_equal(vp_proc_live("/proc", pid, start), VP_LIVE_DEAD);

	/* a zombie holds nothing */
	z = fork();
	if (z == 0)
		_exit(0);
	usleep(100000);
	assert_int_equal(vp_proc_start_time("/proc", z, &start, &err), 0);
	assert_int_equal(vp_proc_live("/proc", z, start), VP_LIVE_DEAD);
	waitpid(z, NULL, 0);

	/* an unknown owner (no pid in the state) counts as alive */
	save_record(f, "unk", 0, 0, old(), true);
	{
		struct vp_record rec;
		struct vp_owner own;

		assert_int_equal(
		    vp_record_load(f->cfg.run_dir, "unk", &rec, &err), 1);
		own = vp_record_owner(&rec);
		assert_int_equal(vp_sandbox_alive(&f->cfg, "unk", &own, &alive,
						  why, sizeof(why), &err),
				 0);
		assert_true(alive);
		assert_non_null(strstr(why, "can not be checked"));

		/* a corrupt vm.json: can not tell, so alive, and an error */
		snprintf(p, sizeof(p), "%s/run/sandboxes/unk/vm.json", f->dir);
		tu_write(p, "{\"pid\":\"x\"}", 0600);
		assert_true(
		    vp_sandbox_liveness(&f->cfg, "unk", &own, &l, &err) < 0);
		assert_true(l.alive);
		assert_non_null(strstr(err.msg, "vm.json"));
		vp_record_free(&rec);
	}
	{
		struct vp_vm vm;

		assert_int_equal(
		    vp_vm_write(f->cfg.run_dir, "unk", 42, 4242, &err), 0);
		assert_int_equal(vp_vm_load(f->cfg.run_dir, "unk", &vm, &err),
				 1);
		assert_int_equal(vm.pid, 42);
		assert_int_equal(vm.start, 4242);
		assert_null(vm.pidfile);
		assert_int_equal(vp_vm_load(f->cfg.run_dir, "nope", &vm, &err),
				 0);
	}
}

static void test_gc_waits_for_lock(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	int pid = dead_pid(&start);
	struct vp_gc_result res;
	struct vp_err err;
	int lock;

	/* a prestart in progress holds the lock: gc does not barge in */
	save_record(f, "busy1", pid, start, old(), false);
	lock = vp_lock_acquire(f->cfg.run_dir, 1000, &err);
	assert_true(lock >= 0);
	/* flock locks belong to the open file: gc's own open of the lock
	 * file competes like another hook's */
	f->cfg.lock_timeout_ms = 200;
	{
		struct vp_gc_opts o = {false, 0, 0, NULL, false};

		assert_true(vp_gc(&f->cfg, &o, &res, &err) < 0);
		assert_non_null(strstr(err.msg, "busy"));
		assert_int_equal(res.failed, 1);
	}
	assert_true(has_dir(f, "busy1"));
	vp_lock_release(lock);
}

static void test_foreign_port_left_alone(void **state)
{
	struct fx *f = *state;
	unsigned long long start;
	int pid = dead_pid(&start);
	struct vp_gc_result r;
	struct vp_record rec;
	struct vp_err err;
	struct vp_resource p = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_PENDING,
	    .index = 1,
	    .network = "chain",
	    .ovsdb = "unix:/x/db.sock",
	    .bridge = "br-vnf",
	    .port = "vptaken1n1",
	    .socket = "/x/vptaken1n1.sock",
	};

	/* a journal whose second port's name belongs to another sandbox */
	save_record(f, "own1", pid, start, old(), true);
	assert_int_equal(vp_record_load(f->cfg.run_dir, "own1", &rec, &err), 1);
	assert_true(vp_record_add(&rec, &p, &err) >= 0);
	assert_int_equal(vp_record_save(f->cfg.run_dir, &rec, &err), 0);
	vp_record_free(&rec);
	tu_fake_port(f->dir, "vptaken1n1", "victim", 1);

	r = run_gc(f, false, 0);
	assert_int_equal(r.released, 1);
	assert_int_equal(r.failed, 0);
	assert_false(has_dir(f, "own1"));
	assert_false(tu_fake_has_port(f->dir, "vpown1n0"));
	assert_true(tu_fake_has_port(f->dir, "vptaken1n1"));
	assert_false(logged(f, "del-port br-vnf vptaken1n1"));
	assert_out(f, "left port vptaken1n1 alone in own1: not this sandbox's");
}

static void test_corrupt_record_names_the_tag(void **state)
{
	struct fx *f = *state;
	char p[400], first[16];

	snprintf(p, sizeof(p), "%s/run/sandboxes/bad3", f->dir);
	assert_int_equal(vp_mkdir_p(p, 0700, &(struct vp_err){0}), 0);
	snprintf(p, sizeof(p), "%s/run/sandboxes/bad3/record.json", f->dir);
	tu_write(p, "{", 0600);
	run_gc(f, false, 0);
	vp_ovs_port_name("bad3", 0, 0, first);
	first[14] = '\0';
	assert_out(f, first);
	assert_out(f, "<index> (or a later choice of name) with "
		      "external_ids:vnfplug-sandbox=bad3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dead_owner_released, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_live_owner_untouched, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_young_record_untouched, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dry_run_changes_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_record_removed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_vm_alive_keeps_sandbox, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_pid_reused_released, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dir_without_record, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_failed_release_keeps_rest,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_liveness_details, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_gc_waits_for_lock, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_foreign_port_left_alone, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_record_names_the_tag,
					    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

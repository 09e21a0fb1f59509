/* Unit tests: vm.json (liveness.c) and the VM of a daemonizing QEMU, and
 * what the shim records for it (vp_shim_record_vm).  The processes are a
 * fake procfs (proc_root) with stat and cmdline files, so every case -
 * a launcher still waiting, a stale or reused pid in the pidfile, a daemon
 * the pidfile does not name yet - is set up exactly.  A QEMU stand-in that
 * really daemonizes is in tests/integration/59-daemonize.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"
#include "liveness.h"
#include "proc.h"
#include "record.h"
#include "qemu_argv.h"
#include "tu.h"

#define SB "sb1"
#define LAUNCHER 100 /* QEMU's first process: the shim's pid */
#define LSTART 5000  /* its start time */

struct fx {
	char *dir;
	char cfgtext[2048];
	struct vp_config cfg;
	char sbdir[300];
	char pidfile[300];
};

static int setup_with(void **state, bool fake_procfs)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vp_err err;
	char proc[300];

	f->dir = tu_mkdtemp();
	snprintf(proc, sizeof(proc), "%s/proc", f->dir);
	if (fake_procfs)
		assert_int_equal(vp_mkdir_p(proc, 0700, &err), 0);
	snprintf(f->cfgtext, sizeof(f->cfgtext),
		 "{\"run_dir\":\"%s/run\",\"proc_root\":\"%s\","
		 "\"lock_timeout_ms\":2000,\"qemu\":\"/bin/true\","
		 "\"networks\":{}}",
		 f->dir, fake_procfs ? proc : "/proc");
	if (vp_config_parse(f->cfgtext, strlen(f->cfgtext), &f->cfg, &err) < 0)
		fail_msg("config: %s", err.msg);
	snprintf(f->sbdir, sizeof(f->sbdir), "%s/run/sandboxes/%s", f->dir, SB);
	snprintf(f->pidfile, sizeof(f->pidfile), "%s/qemu.pid", f->dir);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, true);
}

/* The real procfs: for the shim, which records its own pid. */
static int setup_real_proc(void **state)
{
	return setup_with(state, false);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vp_config_free(&f->cfg);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A sandbox directory as prestart leaves it (only the device list
 * matters here). */
static void make_sandbox(struct fx *f)
{
	struct vp_err err;
	char p[400];

	assert_int_equal(vp_mkdir_p(f->sbdir, 0700, &err), 0);
	snprintf(p, sizeof(p), "%s/devices.json", f->sbdir);
	tu_write(p, "{}", 0600);
}

/* A process in the fake procfs: /proc/<pid>/stat with `state` and start
 * time `start` (field 22), and its argv as cmdline ('|' separates). */
static void fake_proc(struct fx *f, int pid, char state,
		      unsigned long long start, const char *argv)
{
	struct vp_err err;
	char p[400], stat[512], cmd[512];
	size_t n = strlen(argv);
	FILE *fp;

	snprintf(p, sizeof(p), "%s/proc/%d", f->dir, pid);
	assert_int_equal(vp_mkdir_p(p, 0700, &err), 0);
	snprintf(stat, sizeof(stat),
		 "%d (qemu-system-x86) %c 1 %d %d 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
		 "1 0 %llu 0 0\n",
		 pid, state, pid, pid, start);
	snprintf(p, sizeof(p), "%s/proc/%d/stat", f->dir, pid);
	tu_write(p, stat, 0644);
	memcpy(cmd, argv, n + 1);
	for (size_t i = 0; i < n; i++)
		if (cmd[i] == '|')
			cmd[i] = '\0';
	snprintf(p, sizeof(p), "%s/proc/%d/cmdline", f->dir, pid);
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(cmd, 1, n + 1, fp), n + 1);
	fclose(fp);
}

/* vm.json of a QEMU launched with -daemonize as LAUNCHER. */
static void save_pending(struct fx *f)
{
	struct vp_vm vm = {
	    .pid = LAUNCHER, .start = LSTART, .pidfile = f->pidfile};
	struct vp_err err;

	if (vp_vm_save(f->cfg.run_dir, SB, &vm, &err) < 0)
		fail_msg("vm.json: %s", err.msg);
}

static void write_pidfile(struct fx *f, int pid)
{
	char s[32];

	snprintf(s, sizeof(s), "%d\n", pid);
	tu_write(f->pidfile, s, 0644);
}

static void live(struct fx *f, bool peek, struct vp_liveness *l)
{
	/* the owner (runtime process) has exited, as with cc-runtime */
	struct vp_owner rec = {.pid = 42, .start = 7};
	struct vp_err err;
	int rc = peek ? vp_sandbox_liveness_peek(&f->cfg, SB, &rec, l, &err)
		      : vp_sandbox_liveness(&f->cfg, SB, &rec, l, &err);

	if (rc < 0)
		fail_msg("liveness: %s", err.msg);
	assert_int_equal(l->owner, VP_LIVE_DEAD);
}

static void load(struct fx *f, struct vp_vm *vm)
{
	struct vp_err err;

	if (vp_vm_load(f->cfg.run_dir, SB, vm, &err) != 1)
		fail_msg("vm.json: %s", err.msg);
}

/* ---- vm.json ---- */

/* gc released the sandbox (removed its directory) just before the shim
 * got the lock: vm.json must not bring it back. */
static void test_write_into_released_sandbox(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char p[400];

	assert_true(vp_vm_write(f->cfg.run_dir, SB, 77, 88, &err) < 0);
	assert_int_equal(err.errnum, ENOENT);
	assert_non_null(strstr(err.msg, "devices are gone"));
	snprintf(p, sizeof(p), "%s/run", f->dir);
	assert_false(tu_exists(p));

	/* the directory is there but holds neither record nor device list */
	assert_int_equal(vp_mkdir_p(f->sbdir, 0700, &err), 0);
	assert_true(vp_vm_write(f->cfg.run_dir, SB, 77, 88, &err) < 0);
	assert_non_null(strstr(err.msg, "devices are gone"));
	snprintf(p, sizeof(p), "%s/vm.json", f->sbdir);
	assert_false(tu_exists(p));

	make_sandbox(f);
	assert_int_equal(vp_vm_write(f->cfg.run_dir, SB, 77, 88, &err), 0);
	assert_true(tu_exists(p));
}

static void test_load_strict(void **state)
{
	static const struct {
		const char *doc, *msg;
	} bad[] = {
	    {"{\"version\":1,\"pid\":1,\"start\":2,\"pidfile\":\"/x\"}",
	     "unknown key `pidfile`"},
	    {"{\"version\":2,\"pid\":1,\"start\":2}", "pidfile: missing"},
	    {"{\"version\":2,\"pid\":1,\"start\":2,\"pidfile\":\"x.pid\"}",
	     "absolute"},
	    {"{\"version\":2,\"pid\":1,\"start\":2,\"pidfile\":7}",
	     "pidfile: must be a string"},
	    {"{\"version\":3,\"pid\":1,\"start\":2}", "version"},
	    {"{\"pid\":1,\"start\":2}", "version: missing"},
	    {"{\"version\":2,\"pid\":1,\"start\":2,\"pidfile\":\"/x\","
	     "\"exe\":1}",
	     "unknown key `exe`"},
	};
	struct fx *f = *state;
	struct vp_vm vm;
	struct vp_err err;
	char p[400];

	make_sandbox(f);
	snprintf(p, sizeof(p), "%s/vm.json", f->sbdir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tu_write(p, bad[i].doc, 0600);
		assert_true(vp_vm_load(f->cfg.run_dir, SB, &vm, &err) < 0);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].doc,
				 err.msg, bad[i].msg);
		assert_null(vm.pidfile);
	}
	/* round trip of the daemonizing form */
	save_pending(f);
	load(f, &vm);
	assert_int_equal(vm.pid, LAUNCHER);
	assert_int_equal(vm.start, LSTART);
	assert_string_equal(vm.pidfile, f->pidfile);
	vp_vm_free(&vm);
	/* a corrupt vm.json: can not tell, so alive, and an error */
	tu_write(p, "{\"version\":2,\"pid\":1,\"start\":2}", 0600);
	{
		struct vp_liveness l;

		assert_true(vp_sandbox_liveness(&f->cfg, SB, NULL, &l, &err) <
			    0);
		assert_true(l.alive);
	}
}

/* ---- a daemonizing QEMU ---- */

/* QEMU's first process waits for its daemon: the VM's pid is not known
 * yet, and the sandbox counts as alive. */
static void test_launcher_waiting(void **state)
{
	struct fx *f = *state;
	struct vp_liveness l;

	make_sandbox(f);
	save_pending(f);
	fake_proc(f, LAUNCHER, 'S', LSTART, "qemu|-name|sandbox-" SB);
	live(f, false, &l);
	assert_true(l.alive);
	assert_int_equal(l.vm, VP_LIVE_STARTING);
	assert_int_equal(l.vm_pid, 0);
	assert_string_equal(vp_live_name(l.vm), "starting");
	assert_non_null(strstr(l.why, "VM pid not yet known"));

	/* the pidfile exists but is still empty (QEMU truncates, then
	 * writes) */
	tu_write(f->pidfile, "", 0644);
	live(f, false, &l);
	assert_int_equal(l.vm, VP_LIVE_STARTING);
}

/* The launcher exited, the pidfile names the daemon: alive, and the first
 * check under the lock pins the daemon into vm.json. */
static void test_daemon_pinned(void **state)
{
	struct fx *f = *state;
	struct vp_liveness l;
	struct vp_vm vm;

	make_sandbox(f);
	save_pending(f);
	write_pidfile(f, 205);
	fake_proc(f, 205, 'S', LSTART + 3,
		  "/usr/bin/qemu-system-x86_64|-name|sandbox-" SB
		  ",debug-threads=on|-daemonize");

	/* status (no lock) sees it but writes nothing */
	live(f, true, &l);
	assert_true(l.alive);
	assert_int_equal(l.vm, VP_LIVE_ALIVE);
	assert_int_equal(l.vm_pid, 205);
	assert_int_equal(l.vm_start, LSTART + 3);
	load(f, &vm);
	assert_non_null(vm.pidfile);
	vp_vm_free(&vm);

	live(f, false, &l);
	assert_int_equal(l.vm, VP_LIVE_ALIVE);
	assert_string_equal(l.why, "VM pid 205 alive");
	load(f, &vm);
	assert_null(vm.pidfile);
	assert_int_equal(vm.pid, 205);
	assert_int_equal(vm.start, LSTART + 3);

	/* pinned: the pidfile no longer matters; the VM's exit does */
	unlink(f->pidfile);
	live(f, false, &l);
	assert_true(l.alive);
	fake_proc(f, 205, 'Z', LSTART + 3, "");
	live(f, false, &l);
	assert_false(l.alive);
	assert_int_equal(l.vm, VP_LIVE_DEAD);
	assert_string_equal(l.why, "owner pid 42 gone, VM pid 205 gone");
}

/* A pidfile left by an earlier VM names a process older than the
 * launcher; one whose pid was reused names a process of another VM.
 * Neither is this sandbox's VM: with the launcher gone and no process of
 * the sandbox running, QEMU failed to start and the sandbox is free. */
static void test_stale_or_reused_pidfile(void **state)
{
	struct fx *f = *state;
	struct vp_liveness l;
	struct vp_vm vm;

	make_sandbox(f);
	save_pending(f);
	write_pidfile(f, 205);
	fake_proc(f, 205, 'S', LSTART - 1, "qemu|-name|sandbox-" SB);
	live(f, false, &l);
	assert_false(l.alive);
	assert_int_equal(l.vm, VP_LIVE_DEAD);
	assert_non_null(strstr(l.why, "VM gone (QEMU pid 100 exited"));

	fake_proc(f, 205, 'S', LSTART + 1, "qemu|-name|sandbox-other");
	live(f, false, &l);
	assert_false(l.alive);
	/* nothing pinned */
	load(f, &vm);
	assert_non_null(vm.pidfile);
	vp_vm_free(&vm);

	/* a zombie daemon holds nothing */
	fake_proc(f, 205, 'Z', LSTART + 1, "qemu|-name|sandbox-" SB);
	live(f, false, &l);
	assert_false(l.alive);
}

/* The launcher was killed before its daemon wrote the pidfile: the daemon
 * runs, found by its argv; alive, but not pinned (the process found may
 * be the intermediate child about to exit). */
static void test_launcher_killed_daemon_runs(void **state)
{
	struct fx *f = *state;
	struct vp_liveness l;
	struct vp_vm vm;

	make_sandbox(f);
	save_pending(f);
	fake_proc(f, 7, 'S', 10, "/sbin/init");
	fake_proc(f, 301, 'S', LSTART + 2,
		  "qemu|-name|guest=sandbox-" SB ",debug-threads=on");
	live(f, false, &l);
	assert_true(l.alive);
	assert_int_equal(l.vm, VP_LIVE_STARTING);
	assert_int_equal(l.vm_pid, 0);
	assert_non_null(strstr(l.why, "its pid 301 runs"));
	load(f, &vm);
	assert_non_null(vm.pidfile);
	vp_vm_free(&vm);

	/* then it writes the pidfile: pinned */
	write_pidfile(f, 301);
	live(f, false, &l);
	assert_int_equal(l.vm_pid, 301);
	load(f, &vm);
	assert_null(vm.pidfile);
	assert_int_equal(vm.pid, 301);
}

/* A pidfile path the runtime chose: a FIFO there must not block the
 * check, a symlink is not followed; procfs unreadable keeps the sandbox. */
static void test_hostile_pidfile(void **state)
{
	struct fx *f = *state;
	struct vp_liveness l;
	char target[400], proc[400];

	make_sandbox(f);
	save_pending(f);
	fake_proc(f, 205, 'S', LSTART + 1, "qemu|-name|sandbox-" SB);
	assert_int_equal(mkfifo(f->pidfile, 0600), 0);
	alarm(10);
	live(f, false, &l);
	alarm(0);
	/* the daemon is found by its argv anyway; not pinned */
	assert_int_equal(l.vm, VP_LIVE_STARTING);

	unlink(f->pidfile);
	snprintf(target, sizeof(target), "%s/real.pid", f->dir);
	tu_write(target, "205\n", 0644);
	assert_int_equal(symlink(target, f->pidfile), 0);
	live(f, false, &l);
	assert_int_equal(l.vm, VP_LIVE_STARTING);

	/* garbage in the pidfile */
	unlink(f->pidfile);
	tu_write(f->pidfile, "205 junk\n", 0644);
	live(f, false, &l);
	assert_int_equal(l.vm, VP_LIVE_STARTING);

	/* no procfs to scan: can not tell, so alive */
	snprintf(proc, sizeof(proc), "%s/proc", f->dir);
	snprintf(target, sizeof(target), "%s/proc.away", f->dir);
	assert_int_equal(rename(proc, target), 0);
	live(f, false, &l);
	assert_true(l.alive);
	assert_int_equal(l.vm, VP_LIVE_UNKNOWN);
}

/* ---- what the shim records ---- */

static void test_shim_records_plain_exec(void **state)
{
	struct fx *f = *state;
	char *argv[] = {"-name", "sandbox-" SB, "-m", "64", NULL};
	unsigned long long start;
	struct vp_err err;
	struct vp_vm vm;
	char *own;

	make_sandbox(f);
	assert_int_equal(vp_shim_record_vm(&f->cfg, SB, 4, argv, &own, &err),
			 0);
	assert_null(own);
	load(f, &vm);
	assert_int_equal(vm.pid, getpid());
	assert_int_equal(vp_proc_start_time("/proc", getpid(), &start, &err),
			 0);
	assert_int_equal(vm.start, start);
	assert_null(vm.pidfile);
}

static void test_shim_records_daemonize(void **state)
{
	struct fx *f = *state;
	char *argv[] = {"-name", "sandbox-" SB, "-daemonize", NULL};
	char *kata[] = {"-name",    "sandbox-" SB,	"--daemonize",
			"-pidfile", "/run/vc/vm/x/pid", NULL};
	char *rel[] = {"-daemonize", "-pidfile", "q.pid", NULL};
	char want[400], *cwd;
	struct vp_err err;
	struct vp_vm vm;
	char *own;

	make_sandbox(f);
	/* no -pidfile: one in the sandbox directory, stale one removed */
	snprintf(want, sizeof(want), "%s/qemu.pid", f->sbdir);
	tu_write(want, "1\n", 0600);
	assert_int_equal(vp_shim_record_vm(&f->cfg, SB, 3, argv, &own, &err),
			 0);
	assert_non_null(own);
	assert_string_equal(own, want);
	assert_false(tu_exists(want));
	free(own);
	load(f, &vm);
	assert_int_equal(vm.pid, getpid());
	assert_string_equal(vm.pidfile, want);
	vp_vm_free(&vm);

	/* the runtime's -pidfile (Kata) is used, not replaced */
	assert_int_equal(vp_shim_record_vm(&f->cfg, SB, 5, kata, &own, &err),
			 0);
	assert_null(own);
	load(f, &vm);
	assert_string_equal(vm.pidfile, "/run/vc/vm/x/pid");
	vp_vm_free(&vm);

	/* a relative one is where QEMU writes it: under its cwd */
	assert_int_equal(vp_shim_record_vm(&f->cfg, SB, 3, rel, &own, &err), 0);
	cwd = getcwd(NULL, 0);
	snprintf(want, sizeof(want), "%s/q.pid", cwd);
	free(cwd);
	load(f, &vm);
	assert_string_equal(vm.pidfile, want);
	vp_vm_free(&vm);
}

/* The sandbox was released between the device list read and vm.json: the
 * VM must not start, and nothing is recreated. */
static void test_shim_refuses_released_sandbox(void **state)
{
	struct fx *f = *state;
	char *argv[] = {"-name", "sandbox-" SB, "-daemonize", NULL};
	struct vp_err err;
	char *own = NULL;

	assert_true(vp_shim_record_vm(&f->cfg, SB, 3, argv, &own, &err) < 0);
	assert_null(own);
	assert_non_null(strstr(err.msg, "not starting the VM"));
	assert_non_null(strstr(err.msg, "devices are gone"));
	assert_false(tu_exists(f->sbdir));
}

/* /proc/<pid>/stat: the state and the start time, counted from the last
 * ')' since comm may hold anything. */
static void test_proc_stat_parse(void **state)
{
	static const char *const bad[] = {
	    "",
	    "12 (sh)",
	    "12 (sh) ",
	    "12 (sh)S 1",
	    "12 (sh) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
	    "12 (sh) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x 0",
	    "12 sh S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0",
	    NULL,
	};
	struct vp_proc_stat st;
	struct vp_err err;

	(void)state;
	assert_int_equal(vp_proc_stat_parse("12 (sh) S 1 1 1 0 -1 0 0 0 0 0 0 "
					    "0 0 0 20 0 1 0 77 0 0\n",
					    &st),
			 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.start, 77);
	/* a comm of ") Z 1 2 3": only the last ')' ends it */
	assert_int_equal(vp_proc_stat_parse("12 () Z 1 2 3) R 1 1 1 0 -1 0 0 0 "
					    "0 0 0 0 0 0 20 0 1 0 "
					    "18446744073709551615 0",
					    &st),
			 0);
	assert_int_equal(st.state, 'R');
	assert_true(st.start == 18446744073709551615ULL);
	for (size_t i = 0; bad[i] != NULL; i++)
		if (vp_proc_stat_parse(bad[i], &st) == 0)
			fail_msg("accepted `%s`", bad[i]);
	/* this process: running, started */
	assert_int_equal(vp_proc_stat("/proc", getpid(), &st, &err), 0);
	assert_true(st.state == 'R' || st.state == 'S');
	assert_true(st.start > 0);
	assert_int_equal(vp_proc_stat("/proc", 0x3fffffff, &st, &err), -1);
	assert_true(err.errnum == ENOENT || err.errnum == ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proc_stat_parse),
	    cmocka_unit_test_setup_teardown(test_write_into_released_sandbox,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_strict, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_launcher_waiting, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_daemon_pinned, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_stale_or_reused_pidfile, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_launcher_killed_daemon_runs,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_pidfile, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_shim_records_plain_exec,
					    setup_real_proc, teardown),
	    cmocka_unit_test_setup_teardown(test_shim_records_daemonize,
					    setup_real_proc, teardown),
	    cmocka_unit_test_setup_teardown(test_shim_refuses_released_sandbox,
					    setup_real_proc, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests: the prestart/poststop flows (stages.c, release.c) against a
 * scripted ovs-vsctl that logs its argv and fails on demand.  The real
 * OVS-DPDK is driven by the integration tests; this covers the paths a
 * real switch rarely takes: failures half-way, crashed earlier hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "devlist.h"
#include "stages.h"
#include "log.h"
#include "ovs.h"
#include "proc.h"
#include "record.h"
#include "state.h"
#include "tu.h"
#include "rundir.h"

struct fx {
	char *dir;
	char cfgtext[2048];
	struct vp_config cfg;
	struct vp_state st;
	char log[300];
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
		 "\"proc_root\":\"/proc\","
		 "\"networks\":{\"chain\":{\"type\":\"vhost-user\","
		 "\"switch\":\"ovs-dpdk\",\"bridge\":\"br-vnf\","
		 "\"ovsdb\":\"unix:%s/db.sock\",\"socket_dir\":\"%s/s\","
		 "\"queues\":1,\"max_queues\":4}}}",
		 f->dir, f->dir, f->dir, f->dir);
	if (vp_config_parse(f->cfgtext, strlen(f->cfgtext), &f->cfg, &err) < 0)
		fail_msg("config: %s", err.msg);
	f->st.id = strdup("ctr1");
	f->st.pid = getpid();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vp_config_free(&f->cfg);
	free(f->st.id);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int count_lines(const char *path, const char *prefix)
{
	char *s = tu_read(path);
	int n = 0;

	if (s == NULL)
		return 0;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			n++;
	free(s);
	return n;
}

/* Choice `attempt` of the name of entry `index` (static buffer). */
static const char *name_of(const char *sb, unsigned index, unsigned attempt)
{
	static char names[4][16];
	static unsigned k;
	char *n = names[k++ % 4];

	vp_ovs_port_name(sb, index, attempt, n);
	return n;
}

static const char *first_name(const char *sb, unsigned index)
{
	return name_of(sb, index, 0);
}

static int sandbox_dir_exists(struct fx *f, const char *sb)
{
	char p[400];

	snprintf(p, sizeof(p), "%s/run/sandboxes/%s", f->dir, sb);
	return tu_exists(p);
}

static const char req2[] =
    "[{\"network\":\"chain\",\"mac\":\"02:00:00:00:00:01\"},"
    "{\"network\":\"chain\",\"queues\":2}]";

static void test_prestart_poststop(void **state)
{
	struct fx *f = *state;
	struct vp_record rec;
	struct vp_devlist dl = {0};
	struct vp_err err;
	char *dlpath;

	if (vp_prestart(&f->cfg, &f->st, "sb1", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	assert_int_equal(count_lines(f->log, "add-port br-vnf vp"), 2);
	assert_int_equal(vp_record_load(f->cfg.run_dir, "sb1", &rec, &err), 1);
	assert_true(rec.complete);
	assert_int_equal(rec.n_res, 3);
	assert_string_equal(rec.container, "ctr1");
	assert_true(rec.owner_start > 0);
	vp_record_free(&rec);

	dlpath = vp_rundir_file(f->cfg.run_dir, "sb1", VP_RUNDIR_DEVLIST);
	assert_int_equal(vp_devlist_load(dlpath, &dl, &err), 1);
	assert_true(dl.shared_memory);
	assert_int_equal(dl.args.n, 12);
	assert_non_null(strstr(dl.args.v[5], "mac=02:00:00:00:00:01"));
	assert_non_null(strstr(dl.args.v[9], "queues=2"));
	vp_devlist_free(&dl);
	free(dlpath);

	/* a second prestart for the sandbox (Kata: next container) is a
	 * no-op */
	if (vp_prestart(&f->cfg, &f->st, "sb1", req2, &err) < 0)
		fail_msg("second prestart: %s", err.msg);
	assert_int_equal(count_lines(f->log, "add-port"), 2);

	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb1", &err), 0);
	assert_int_equal(count_lines(f->log, "--if-exists del-port br-vnf vp"),
			 2);
	assert_false(sandbox_dir_exists(f, "sb1"));
	/* idempotent, and fine for a sandbox never seen */
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb1", &err), 0);
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "never", &err), 0);
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 2);
}

static void test_failure_rolls_back(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char p[300];

	snprintf(p, sizeof(p), "%s/fail-2", f->dir);
	tu_write(p, "", 0600);
	assert_true(vp_prestart(&f->cfg, &f->st, "sb2", req2, &err) < 0);
	assert_non_null(strstr(err.msg, "boom 2"));
	assert_non_null(strstr(err.msg, "network `chain`"));
	/* the created port is deleted; the failed one was never there, and
	 * the lookup before the deletes says so */
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 1);
	assert_int_equal(count_lines(f->log, "--format=json"), 1);
	assert_false(tu_fake_has_port(f->dir, first_name("sb2", 0)));
	assert_false(sandbox_dir_exists(f, "sb2"));
}

static void test_missing_bridge(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char p[300];

	snprintf(p, sizeof(p), "%s/no-bridge", f->dir);
	tu_write(p, "", 0600);
	assert_true(vp_prestart(&f->cfg, &f->st, "sb3", req2, &err) < 0);
	assert_non_null(strstr(err.msg, "no bridge named br-vnf"));
	assert_non_null(strstr(err.msg, "network `chain`"));
	assert_false(sandbox_dir_exists(f, "sb3"));
}

static void test_bad_request_touches_nothing(void **state)
{
	struct fx *f = *state;
	struct vp_err err;

	assert_true(vp_prestart(&f->cfg, &f->st, "sb4",
				"[{\"network\":\"nope\"}]", &err) < 0);
	assert_non_null(strstr(err.msg, "nope"));
	assert_false(tu_exists(f->log));
	assert_false(sandbox_dir_exists(f, "sb4"));
}

static void test_crashed_prestart_is_undone(void **state)
{
	struct fx *f = *state;
	struct vp_record rec = {0};
	struct vp_err err;
	struct vp_resource r = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_PENDING,
	    .ovsdb = "unix:/x/db.sock",
	    .bridge = "br-vnf",
	    .port = "vpdeadbeef00n0",
	    .socket = "/x/s.sock",
	};

	/* what a hook killed after add-port, before marking the port
	 * created, leaves behind */
	tu_fake_port(f->dir, "vpdeadbeef00n0", "sb5", 0);
	rec.sandbox = strdup("sb5");
	rec.container = strdup("ctr1");
	vp_record_add(&rec, &r, &err);
	assert_int_equal(vp_record_save(f->cfg.run_dir, &rec, &err), 0);
	vp_record_free(&rec);

	if (vp_prestart(&f->cfg, &f->st, "sb5", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	assert_int_equal(
	    count_lines(f->log, "--if-exists del-port br-vnf vpdeadbeef00n0"),
	    1);
	assert_false(tu_fake_has_port(f->dir, "vpdeadbeef00n0"));
	assert_int_equal(vp_record_load(f->cfg.run_dir, "sb5", &rec, &err), 1);
	assert_true(rec.complete);
	assert_int_equal(rec.n_res, 3);
	vp_record_free(&rec);

	/* poststop also undoes such a journal when no prestart came again */
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb5", &err), 0);
	assert_false(sandbox_dir_exists(f, "sb5"));
}

static void test_dead_owner_record_is_replaced(void **state)
{
	struct fx *f = *state;
	struct vp_record rec = {0};
	struct vp_err err;
	struct vp_resource r = {
	    .kind = VP_RES_OVS_PORT,
	    .state = VP_RES_CREATED,
	    .ovsdb = "unix:/x/db.sock",
	    .bridge = "br-vnf",
	    .port = "vpold000000n0",
	    .socket = "/x/o.sock",
	};
	unsigned long long start;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	/* a zombie still has its /proc entry: read it, then reap */
	assert_int_equal(vp_proc_start_time("/proc", pid, &start, &err), 0);
	waitpid(pid, NULL, 0);

	tu_fake_port(f->dir, "vpold000000n0", "sb7", 0);
	rec.sandbox = strdup("sb7");
	rec.container = strdup("ctr-old");
	rec.owner_pid = pid;
	rec.owner_start = start;
	rec.complete = true;
	vp_record_add(&rec, &r, &err);
	assert_int_equal(vp_record_save(f->cfg.run_dir, &rec, &err), 0);
	vp_record_free(&rec);

	if (vp_prestart(&f->cfg, &f->st, "sb7", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	assert_int_equal(
	    count_lines(f->log, "--if-exists del-port br-vnf vpold000000n0"),
	    1);
	assert_int_equal(count_lines(f->log, "add-port"), 2);
	assert_int_equal(vp_record_load(f->cfg.run_dir, "sb7", &rec, &err), 1);
	assert_string_equal(rec.container, "ctr1");
	vp_record_free(&rec);

	/* a living owner keeps it: the next prestart is a no-op */
	if (vp_prestart(&f->cfg, &f->st, "sb7", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	assert_int_equal(count_lines(f->log, "add-port"), 2);
}

static void test_deadline_bounds_prestart(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	struct timespec a, b;
	char p[300];
	long ms;

	snprintf(p, sizeof(p), "%s/slow", f->dir);
	tu_write(p, "", 0600);
	f->cfg.deadline_ms = 400;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_true(vp_prestart(&f->cfg, &f->st, "sbd", req2, &err) < 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	/* the first add-port was cut at the deadline, not at timeout_ms */
	assert_non_null(strstr(err.msg, "timed out"));
	assert_true(ms < 2500);
	assert_false(sandbox_dir_exists(f, "sbd"));
	/* the cut add-port never got to create its port: the rollback
	 * looks, finds nothing of ours and deletes nothing */
	assert_int_equal(count_lines(f->log, "--format=json"), 1);
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 0);
}

static void test_other_pod_container_does_not_release(void **state)
{
	struct fx *f = *state;
	struct vp_state other = {0};
	struct vp_kv kv[] = {
	    {"io.kubernetes.cri.container-type", "container"},
	    {"io.kubernetes.cri.sandbox-id", "sb6"},
	};
	struct vp_err err;

	if (vp_prestart(&f->cfg, &f->st, "sb6", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	other.id = "app-container";
	other.annotations = kv;
	other.n_annotations = 2;
	other.has_annotations = true;
	assert_int_equal(vp_poststop(&f->cfg, &other, "sb6", &err), 0);
	assert_true(sandbox_dir_exists(f, "sb6"));
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb6", &err), 0);
	assert_false(sandbox_dir_exists(f, "sb6"));
}

static void test_stranger_naming_sandbox_does_not_release(void **state)
{
	struct fx *f = *state;
	struct vp_state other = {0};
	struct vp_kv kv[] = {
	    /* what a plain runc container may write about itself */
	    {"io.kubernetes.cri.sandbox-id", "sb8"},
	    {"io.kubernetes.cri.container-type", "sandbox"},
	};
	struct vp_err err;

	if (vp_prestart(&f->cfg, &f->st, "sb8", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	other.id = "stranger";
	other.pid = getpid();
	other.annotations = kv;
	other.n_annotations = 2;
	other.has_annotations = true;
	/* its prestart finds the sandbox set up and does nothing */
	if (vp_prestart(&f->cfg, &other, "sb8", req2, &err) < 0)
		fail_msg("stranger's prestart: %s", err.msg);
	assert_int_equal(count_lines(f->log, "add-port"), 2);
	/* its poststop releases nothing */
	assert_int_equal(vp_poststop(&f->cfg, &other, "sb8", &err), 0);
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 0);
	assert_true(sandbox_dir_exists(f, "sb8"));
	/* nor does one without a container id */
	other.id = NULL;
	assert_int_equal(vp_poststop(&f->cfg, &other, "sb8", &err), 0);
	assert_true(sandbox_dir_exists(f, "sb8"));
	/* the owner's does */
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb8", &err), 0);
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 2);
	assert_false(sandbox_dir_exists(f, "sb8"));
}

static void test_reused_owner_pid_does_not_release(void **state)
{
	struct fx *f = *state;
	struct vp_record rec;
	struct vp_err err;

	if (vp_prestart(&f->cfg, &f->st, "sb9", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	/* the recorded owner pid now names another process */
	assert_int_equal(vp_record_load(f->cfg.run_dir, "sb9", &rec, &err), 1);
	rec.owner_start += 1;
	assert_int_equal(vp_record_save(f->cfg.run_dir, &rec, &err), 0);
	vp_record_free(&rec);
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb9", &err), 0);
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 0);
	assert_true(sandbox_dir_exists(f, "sb9"));
	/* runc's poststop state has no pid: the container id decides */
	f->st.pid = 0;
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb9", &err), 0);
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 2);
	assert_false(sandbox_dir_exists(f, "sb9"));
}

/* The hook's stderr while running `fn`, malloc'ed. */
static char *capture_stderr(struct fx *f, void (*fn)(struct fx *))
{
	char p[400];
	int saved = dup(2), fd;

	snprintf(p, sizeof(p), "%s/stderr", f->dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	fn(f);
	dup2(saved, 2);
	close(saved);
	return tu_read(p);
}

static void prestart_twice(struct fx *f)
{
	struct vp_err err;

	if (vp_prestart(&f->cfg, &f->st, "sb10", req2, &err) < 0 ||
	    vp_prestart(&f->cfg, &f->st, "sb10", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
}

static void test_hostile_container_id_printed_safely(void **state)
{
	struct fx *f = *state;
	struct vp_err err;
	char *out;

	free(f->st.id);
	f->st.id = strdup("ctr\033[2J\033[31mFORGED\r");
	vp_log_init("test_hook", VP_LOG_DEBUG);
	out = capture_stderr(f, prestart_twice);
	vp_log_init("test_hook", VP_LOG_WARN);
	assert_non_null(out);
	if (strstr(out, "already set up by container ctr?[2J?[31mFORGED?;") ==
	    NULL)
		fail_msg("stderr: %s", out);
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\r'));
	free(out);
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sb10", &err), 0);
	assert_false(sandbox_dir_exists(f, "sb10"));
}

/* A unix socket file at `path`, as a QEMU serving a port leaves it. */
static void make_socket(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
}

static void socket_of(struct fx *f, const char *port, char *out, size_t size)
{
	snprintf(out, size, "%s/s/%s.sock", f->dir, port);
}

static void test_taken_name_moves_on(void **state)
{
	struct fx *f = *state;
	struct vp_record rec;
	struct vp_devlist dl = {0};
	struct vp_err err;
	char taken[16], taken2[16], next[16], next2[16], sock[300], s1[300];
	char *dlpath;

	/* entry 0's first choice is another sandbox's port; entry 1's first
	 * choice has no port but its socket exists (a port of that name on
	 * another switch sharing the socket directory) */
	snprintf(taken, sizeof(taken), "%s", name_of("sbt", 0, 0));
	snprintf(next, sizeof(next), "%s", name_of("sbt", 0, 1));
	snprintf(taken2, sizeof(taken2), "%s", name_of("sbt", 1, 0));
	snprintf(next2, sizeof(next2), "%s", name_of("sbt", 1, 1));
	tu_fake_port(f->dir, taken, "other", 0);
	socket_of(f, taken2, s1, sizeof(s1));
	mkdir(f->cfg.networks[0].vhost.socket_dir, 0755);
	make_socket(s1);

	if (vp_prestart(&f->cfg, &f->st, "sbt", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	assert_int_equal(vp_record_load(f->cfg.run_dir, "sbt", &rec, &err), 1);
	assert_string_equal(rec.res[0].port, next);
	assert_string_equal(rec.res[1].port, next2);
	socket_of(f, next, sock, sizeof(sock));
	assert_string_equal(rec.res[0].socket, sock);
	assert_int_equal(rec.res[0].state, VP_RES_CREATED);
	vp_record_free(&rec);
	/* the device list names the sockets of the names taken */
	dlpath = vp_rundir_file(f->cfg.run_dir, "sbt", VP_RUNDIR_DEVLIST);
	assert_int_equal(vp_devlist_load(dlpath, &dl, &err), 1);
	assert_non_null(strstr(dl.args.v[1], sock));
	socket_of(f, next2, sock, sizeof(sock));
	assert_non_null(strstr(dl.args.v[7], sock));
	vp_devlist_free(&dl);
	free(dlpath);
	assert_true(tu_fake_has_port(f->dir, next));
	assert_true(tu_fake_has_port(f->dir, next2));

	/* poststop deletes its own two, not the other sandbox's port, and
	 * leaves the socket it did not make */
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sbt", &err), 0);
	assert_false(tu_fake_has_port(f->dir, next));
	assert_false(tu_fake_has_port(f->dir, next2));
	assert_true(tu_fake_has_port(f->dir, taken));
	assert_true(tu_exists(s1));
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 2);
}

static void test_all_names_taken(void **state)
{
	struct fx *f = *state;
	struct vp_err err;

	for (unsigned a = 0; a < VP_OVS_NAME_TRIES; a++)
		tu_fake_port(f->dir, name_of("sbf", 0, a), "other", 0);
	assert_true(vp_prestart(&f->cfg, &f->st, "sbf", req2, &err) < 0);
	assert_non_null(strstr(err.msg, "no free port name after 8 tries"));
	assert_int_equal(count_lines(f->log, "add-port"), VP_OVS_NAME_TRIES);
	/* none of them was ours: nothing deleted */
	assert_int_equal(count_lines(f->log, "--if-exists del-port"), 0);
	for (unsigned a = 0; a < VP_OVS_NAME_TRIES; a++)
		assert_true(tu_fake_has_port(f->dir, name_of("sbf", 0, a)));
	assert_false(sandbox_dir_exists(f, "sbf"));
}

/* A journal naming ports that are not the sandbox's: another sandbox's
 * (a pending entry whose add-port found the name taken, or a created one
 * whose port was replaced), an untagged one, and one absent; plus, of the
 * scheme before tagging, an untagged port of an older record. */
static void save_foreign_journal(struct fx *f, const char *sb, bool complete)
{
	struct vp_record rec = {0};
	struct vp_err err;
	const char *names[] = {"vpforeign1", "vpforeign2", "vpnobody3",
			       "vpabsent4", "vp0123456789n4"};
	enum vp_res_state states[] = {VP_RES_PENDING, VP_RES_CREATED,
				      VP_RES_PENDING, VP_RES_CREATED,
				      VP_RES_CREATED};
	char sock[300];

	mkdir(f->cfg.networks[0].vhost.socket_dir, 0755);
	tu_fake_port(f->dir, "vpforeign1", "other", 0);
	tu_fake_port(f->dir, "vpforeign2", sb, 3); /* another entry's */
	tu_fake_port(f->dir, "vpnobody3", NULL, 0);
	tu_fake_port(f->dir, "vp0123456789n4", NULL, 0);
	rec.sandbox = strdup(sb);
	rec.container = strdup("ctr1");
	rec.complete = complete;
	for (unsigned i = 0; i < 5; i++) {
		struct vp_resource r = {
		    .kind = VP_RES_OVS_PORT,
		    .state = states[i],
		    .index = i,
		    .ovsdb = "unix:/x/db.sock",
		    .bridge = "br-vnf",
		    .port = (char *)names[i],
		    .socket = sock,
		};

		socket_of(f, names[i], sock, sizeof(sock));
		make_socket(sock);
		assert_true(vp_record_add(&rec, &r, &err) >= 0);
	}
	assert_int_equal(vp_record_save(f->cfg.run_dir, &rec, &err), 0);
	vp_record_free(&rec);
}

static void assert_foreign_left(struct fx *f)
{
	char sock[300];

	assert_true(tu_fake_has_port(f->dir, "vpforeign1"));
	assert_true(tu_fake_has_port(f->dir, "vpforeign2"));
	assert_true(tu_fake_has_port(f->dir, "vpnobody3"));
	socket_of(f, "vpforeign1", sock, sizeof(sock));
	assert_true(tu_exists(sock));
	socket_of(f, "vpforeign2", sock, sizeof(sock));
	assert_true(tu_exists(sock));
	socket_of(f, "vpnobody3", sock, sizeof(sock));
	assert_true(tu_exists(sock));
	assert_int_equal(
	    count_lines(f->log, "--if-exists del-port br-vnf vpforeign"), 0);
	assert_int_equal(
	    count_lines(f->log, "--if-exists del-port br-vnf vpnobody"), 0);
	/* created and gone: its socket was ours */
	socket_of(f, "vpabsent4", sock, sizeof(sock));
	assert_false(tu_exists(sock));
	/* the older record's untagged port is deleted */
	assert_false(tu_fake_has_port(f->dir, "vp0123456789n4"));
	socket_of(f, "vp0123456789n4", sock, sizeof(sock));
	assert_false(tu_exists(sock));
	/* one lookup for all five */
	assert_int_equal(count_lines(f->log, "--format=json"), 1);
}

static void test_poststop_leaves_foreign_ports(void **state)
{
	struct fx *f = *state;
	struct vp_err err;

	save_foreign_journal(f, "sbx", true);
	assert_int_equal(vp_poststop(&f->cfg, &f->st, "sbx", &err), 0);
	assert_foreign_left(f);
	assert_false(sandbox_dir_exists(f, "sbx"));
}

static void test_partial_setup_leaves_foreign_ports(void **state)
{
	struct fx *f = *state;
	struct vp_err err;

	/* an earlier prestart's journal: undone by the next prestart */
	save_foreign_journal(f, "sby", false);
	if (vp_prestart(&f->cfg, &f->st, "sby", req2, &err) < 0)
		fail_msg("prestart: %s", err.msg);
	assert_foreign_left(f);
}

/* The release of an earlier sandbox's record runs against the prestart's
 * deadline: with a del-port that hangs, prestart fails in about the
 * deadline and leaves the record for poststop or gc. */
static void test_deadline_covers_earlier_release(void **state)
{
	struct fx *f = *state;
	struct vp_record rec = {0};
	struct vp_err err;
	struct timespec a, b;
	unsigned long long start;
	char p[300];
	pid_t pid = fork();
	long ms;

	if (pid == 0)
		_exit(0);
	assert_int_equal(vp_proc_start_time("/proc", pid, &start, &err), 0);
	waitpid(pid, NULL, 0);
	rec.sandbox = strdup("sbe");
	rec.container = strdup("ctr-old");
	rec.owner_pid = pid;
	rec.owner_start = start;
	rec.complete = true;
	for (unsigned i = 0; i < 3; i++) {
		struct vp_resource r = {
		    .kind = VP_RES_OVS_PORT,
		    .state = VP_RES_CREATED,
		    .index = i,
		    .ovsdb = "unix:/x/db.sock",
		    .bridge = "br-vnf",
		    .port = (char *)name_of("sbe", i, 0),
		    .socket = "/x/o.sock",
		};

		tu_fake_port(f->dir, r.port, "sbe", i);
		assert_true(vp_record_add(&rec, &r, &err) >= 0);
	}
	assert_int_equal(vp_record_save(f->cfg.run_dir, &rec, &err), 0);
	vp_record_free(&rec);

	snprintf(p, sizeof(p), "%s/slow-del", f->dir);
	tu_write(p, "", 0600);
	f->cfg.deadline_ms = 1000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_true(vp_prestart(&f->cfg, &f->st, "sbe", req2, &err) < 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_non_null(strstr(err.msg, "earlier sandbox of this id"));
	/* one del-port cut at the deadline (plus ovs-vsctl's grace) */
	assert_true(ms < 2600);
	assert_int_equal(count_lines(f->log, "add-port"), 0);
	/* the record stays, with what is still to release */
	assert_int_equal(vp_record_load(f->cfg.run_dir, "sbe", &rec, &err), 1);
	assert_int_equal(rec.n_res, 3);
	assert_string_equal(rec.container, "ctr-old");
	vp_record_free(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_prestart_poststop, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_failure_rolls_back, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_missing_bridge, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_request_touches_nothing,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crashed_prestart_is_undone,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dead_owner_record_is_replaced,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadline_bounds_prestart,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_other_pod_container_does_not_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_stranger_naming_sandbox_does_not_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_reused_owner_pid_does_not_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_hostile_container_id_printed_safely, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_taken_name_moves_on, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_all_names_taken, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_poststop_leaves_foreign_ports,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_partial_setup_leaves_foreign_ports, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_deadline_covers_earlier_release, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_sandbox.c - the hook's seccomp filters (seccomp_policy.h): forbidden
 * syscalls fail with EPERM, what the hook does still works, and the
 * tightening takes away exactly the groups a run does not need.
 *
 * A filter can not be removed, so every case runs in a forked child that
 * installs it; the child exits 0, or with the line of the first check that
 * failed.  Needs root for the namespace and netlink cases (the hook's own
 * situation); they are skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "seccomp_policy.h"
#include "stages.h"
#include "tu.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static char *tmp;

/* In the child: fail the case with the line of the check. */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "check failed: %s (errno %d)\n",       \
				#cond, errno);                                 \
			_exit(__LINE__ & 0xff ? __LINE__ & 0xff : 1);          \
		}                                                              \
	} while (0)

/* The syscall fails with EPERM (the filter's answer). */
#define DENIED(call) CHECK((errno = 0, (call)) < 0 && errno == EPERM)

/* Run fn in a child; its exit status must be 0. */
static void in_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		print_error("child: status 0x%x (exit code = line & 0xff)\n",
			    status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void install(void)
{
	struct vp_err err = {0};

	if (vp_filter_install(&err) < 0) {
		fprintf(stderr, "install: %s\n", err.msg);
		_exit(99);
	}
	CHECK(vp_filter_active());
}

static void restrict_to(unsigned needs)
{
	struct vp_err err = {0};

	if (vp_filter_restrict(needs, &err) < 0) {
		fprintf(stderr, "restrict: %s\n", err.msg);
		_exit(98);
	}
}

/* "Seccomp:" and "Seccomp_filters:" of /proc/self/status. */
static void seccomp_status(int *mode, int *filters)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	*mode = *filters = -1;
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "Seccomp: %d", mode);
		sscanf(line, "Seccomp_filters: %d", filters);
	}
	fclose(f);
}

/* fork + execve /bin/true, as exec.c runs a backend: 0 ran and exited 0,
 * else -1 with errno from fork (or 126 from the child's execve). */
static int run_true(void)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *const argv[] = {(char *)"/bin/true", NULL};

		execve(argv[0], argv, (char *[]){NULL});
		_exit(errno == EPERM ? 126 : 127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 126) {
		errno = EPERM;
		return -1;
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* What the hook does with files: stays allowed in every profile. */
static void files_work(void)
{
	char a[512], b[512], d[512];
	int fd, dfd;

	snprintf(a, sizeof(a), "%s/f.tmp", tmp);
	snprintf(b, sizeof(b), "%s/f", tmp);
	snprintf(d, sizeof(d), "%s/dir", tmp);
	fd = open(a, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "x", 1) == 1);
	CHECK(fsync(fd) == 0);
	CHECK(fchmod(fd, 0644) == 0);
	CHECK(flock(fd, LOCK_EX | LOCK_NB) == 0);
	CHECK(close(fd) == 0);
	CHECK(rename(a, b) == 0);
	CHECK(mkdir(d, 0700) == 0);
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0 && fsync(dfd) == 0);
	close(dfd);
	CHECK(rmdir(d) == 0);
	CHECK(unlink(b) == 0);
	CHECK(readlink("/proc/self/exe", a, sizeof(a)) > 0);
	CHECK(isatty(0) >= 0); /* TCGETS answers, EPERM would be a denial */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0); /* syslog */
	CHECK(fd >= 0);
	close(fd);
}

/* What no profile allows. */
static void dangerous_denied(void)
{
	char buf[64];
	struct rlimit rl = {1, 1};

	DENIED(mount("none", tmp, "tmpfs", 0, NULL));
	DENIED(umount2("/", MNT_DETACH));
	DENIED(syscall(SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc, NULL));
	DENIED(syscall(SYS_kexec_load, 0, 0, NULL, 0));
	DENIED(syscall(SYS_init_module, buf, sizeof(buf), ""));
	DENIED(syscall(SYS_finit_module, -1, "", 0));
	DENIED(syscall(SYS_bpf, 0, NULL, 0));
	DENIED(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	DENIED(chroot("/"));
	DENIED(setuid(0));
	DENIED(socket(AF_PACKET, SOCK_RAW, 0));
	DENIED(socket(AF_INET, SOCK_STREAM, 0));
	DENIED(socket(AF_INET6, SOCK_DGRAM, 0));
	DENIED(socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT));
	DENIED(symlink("/etc/shadow", buf));
	DENIED(ioctl(0, TIOCSTI, "x")); /* typing into a terminal */
	DENIED(setrlimit(RLIMIT_NOFILE, &rl));
	DENIED(unshare(CLONE_NEWNS)); /* only CLONE_NEWNET is allowed */
	DENIED(unshare(CLONE_NEWUSER));
	DENIED(unshare(CLONE_NEWNET | CLONE_NEWNS));
	DENIED(setns(0, CLONE_NEWNS));
	DENIED(
	    syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0));
	DENIED(syscall(SYS_process_vm_readv, 1, NULL, 0, NULL, 0, 0));
	if (!SANITIZED) /* LeakSanitizer needs ptrace */
		DENIED(syscall(SYS_ptrace, 16 /* PTRACE_ATTACH */, 1, 0, 0));
	/* clone3's flags are out of the filter's reach: ENOSYS makes glibc
	 * use clone */
	CHECK(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS);
}

static void child_base(void)
{
	int mode, filters;

	install();
	seccomp_status(&mode, &filters);
	CHECK(mode == 2);
	CHECK(filters == 1);
	files_work();
	dangerous_denied();
	/* every group is there until the request is known */
	CHECK(run_true() == 0);
}

static void test_base(void **state)
{
	(void)state;
	in_child(child_base);
}

static void child_netns(void)
{
	int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd;

	CHECK(host >= 0);
	install();
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	CHECK(fd >= 0);
	close(fd);
	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(setns(host, CLONE_NEWNET) == 0);
	/* SR-IOV only: netlink and namespaces stay, exec goes */
	restrict_to(VP_FILTER_NETLINK | VP_FILTER_NETNS);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	CHECK(fd >= 0);
	close(fd);
	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(setns(host, CLONE_NEWNET) == 0);
	if (!SANITIZED)
		DENIED(run_true());
	DENIED(execve("/bin/true", (char *[]){NULL}, (char *[]){NULL}));
	DENIED(socket(AF_UNIX, SOCK_STREAM, 0));
	files_work();
}

static void test_netns_profile(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	in_child(child_netns);
}

static void child_exec_only(void)
{
	int mode, filters, fd;

	install();
	/* vhost-user only: the backend command runs, under the filter */
	restrict_to(VP_FILTER_EXEC);
	seccomp_status(&mode, &filters);
	CHECK(mode == 2);
	CHECK(filters == 2);
	CHECK(run_true() == 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0); /* ovsdb */
	CHECK(fd >= 0);
	close(fd);
	DENIED(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
	DENIED(unshare(CLONE_NEWNET));
	files_work();
	dangerous_denied();
}

static void test_exec_profile(void **state)
{
	(void)state;
	in_child(child_exec_only);
}

static void child_nothing(void)
{
	install();
	restrict_to(0);
	if (!SANITIZED) {
		DENIED(run_true());
		DENIED(kill(getppid(), 0));
	}
	DENIED(execve("/bin/true", (char *[]){NULL}, (char *[]){NULL}));
	DENIED(pipe2((int[2]){0, 0}, O_CLOEXEC));
	DENIED(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
	DENIED(unshare(CLONE_NEWNET));
	/* a later, wider "restrict" can not give anything back */
	restrict_to(VP_FILTER_ALL);
	DENIED(execve("/bin/true", (char *[]){NULL}, (char *[]){NULL}));
	files_work();
	dangerous_denied();
}

static void test_restrict_nothing(void **state)
{
	(void)state;
	in_child(child_nothing);
}

static void child_no_install(void)
{
	int mode, filters;

	/* --no-seccomp: restrict has nothing to tighten */
	CHECK(!vp_filter_active());
	restrict_to(0);
	seccomp_status(&mode, &filters);
	CHECK(mode == 0);
	CHECK(run_true() == 0);
}

static void test_no_install(void **state)
{
	(void)state;
	in_child(child_no_install);
}

static void test_needs(void **state)
{
	struct vp_network vh = {.type = VP_NET_VHOST_USER};
	struct vp_network sr = {.type = VP_NET_SRIOV};
	struct vp_request_item items[2] = {{.net = &vh}, {.net = &sr}};
	struct vp_request req = {items, 1};
	struct vp_resource res[3] = {{.kind = VP_RES_DEVLIST},
				     {.kind = VP_RES_OVS_PORT},
				     {.kind = VP_RES_NETNS_MOVE}};
	struct vp_record rec = {.res = res, .n_res = 1};

	(void)state;
	assert_int_equal(vp_stage_needs_request(NULL), 0);
	assert_int_equal(vp_stage_needs_request(&req), VP_FILTER_EXEC);
	req.n = 2;
	assert_int_equal(vp_stage_needs_request(&req), VP_FILTER_ALL);
	req.items = &items[1];
	req.n = 1;
	assert_int_equal(vp_stage_needs_request(&req),
			 VP_FILTER_NETLINK | VP_FILTER_NETNS);

	assert_int_equal(vp_stage_needs_record(&rec), 0);
	rec.n_res = 2;
	assert_int_equal(vp_stage_needs_record(&rec), VP_FILTER_EXEC);
	rec.n_res = 3;
	assert_int_equal(vp_stage_needs_record(&rec), VP_FILTER_ALL);
	res[1].kind = VP_RES_VFIO_BIND; /* sysfs writes only */
	assert_int_equal(vp_stage_needs_record(&rec),
			 VP_FILTER_NETLINK | VP_FILTER_NETNS);
}

static int setup(void **state)
{
	(void)state;
	tmp = tu_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(tmp);
	free(tmp);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base),
	    cmocka_unit_test(test_netns_profile),
	    cmocka_unit_test(test_exec_profile),
	    cmocka_unit_test(test_restrict_nothing),
	    cmocka_unit_test(test_no_install),
	    cmocka_unit_test(test_needs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

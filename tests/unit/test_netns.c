/* test_netns.c - netns.h on the real kernel (root only): a veth end stands
 * in for a VF netdev and a forked child in its own network namespace for
 * the container.  Each test gets a fresh veth pair and container, named
 * with the pid so parallel runs do not clash, and the teardown removes
 * both even when the test failed.  What veth cannot show (a physical
 * device handed back to the host by a dying namespace) is covered by
 * pointing a fixture sysfs tree at a veth in the host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "netns.h"
#include "tu.h"

struct fx {
	bool ok;	   /* false: skip (not root, no veth) */
	char a[16], b[16]; /* veth ends: a is moved, b stays */
	pid_t pid;	   /* the "container" */
	struct vp_netns_target t;
	struct vp_link orig; /* a before the move */
	ino_t host_ino;
	char *dir;
};

static const uint8_t MAC_IN[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* stdout of a command, "" when it printed nothing */
static char out_buf[8192];
static const char *capture(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static const char *capture(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out_buf[0] = '\0';
	p = popen(cmd, "r");
	if (p == NULL)
		return out_buf;
	n = fread(out_buf, 1, sizeof(out_buf) - 1, p);
	out_buf[n] = '\0';
	pclose(p);
	return out_buf;
}

static const char *in_host(const char *ifname)
{
	return capture("ip -j link show dev %s 2>/dev/null", ifname);
}

static const char *in_container(const struct fx *f, const char *ifname)
{
	return capture("nsenter --net=/proc/%d/ns/net ip -j link show dev %s "
		       "2>/dev/null",
		       (int)f->pid, ifname);
}

#define assert_contains(hay, needle)                                           \
	do {                                                                   \
		const char *h_ = (hay);                                        \
		if (strstr(h_, (needle)) == NULL)                              \
			fail_msg("\"%s\" does not contain \"%s\"", h_,         \
				 (needle));                                    \
	} while (0)

static ino_t self_ns_ino(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return 0;
	return st.st_ino;
}

/* A child in a network namespace of its own, dying with us. */
static pid_t spawn_container(void)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	close(p[0]);
	return pid;
}

static void kill_container(struct fx *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
		f->pid = -1;
	}
}

static int setup(void **state)
{
	static int seq;
	struct fx *f = calloc(1, sizeof(*f));
	struct vp_err err;
	int id = (int)getpid() % 100000;

	if (f == NULL)
		return -1;
	*state = f;
	f->pid = -1;
	f->host_ino = self_ns_ino();
	seq++;
	snprintf(f->a, sizeof(f->a), "vpna%d%c", id, 'a' + seq % 26);
	snprintf(f->b, sizeof(f->b), "vpnb%d%c", id, 'a' + seq % 26);
	if (geteuid() != 0)
		return 0;
	if (run("ip link add %s type veth peer name %s 2>/dev/null", f->a,
		f->b) != 0)
		return 0;
	if (run("ip link set %s address 02:aa:bb:cc:dd:%02x mtu 1500 up", f->a,
		seq % 256) != 0 ||
	    vp_link_get(f->a, &f->orig, &err) < 0)
		return 0;
	f->pid = spawn_container();
	f->t.proc_root = "/proc";
	f->t.pid = f->pid;
	f->t.fd = -1;
	f->dir = tu_mkdtemp();
	f->ok = f->pid > 0;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	kill_container(f);
	/* deleting either end removes the pair, wherever it was renamed */
	if (f->a[0] != '\0')
		run("ip link del %s 2>/dev/null", f->a);
	if (f->b[0] != '\0')
		run("ip link del %s 2>/dev/null", f->b);
	if (f->dir != NULL) {
		tu_rmtree(f->dir);
		free(f->dir);
	}
	/* every call must have brought the process back to the host */
	bool home = self_ns_ino() == f->host_ino;
	free(f);
	return home ? 0 : -1;
}

static struct fx *begin(void **state)
{
	struct fx *f = *state;

	if (!f->ok)
		skip();
	return f;
}

static void assert_back_in_host(const struct fx *f, const char *name)
{
	struct vp_link l;
	struct vp_err err;

	assert_int_equal(self_ns_ino(), f->host_ino);
	if (vp_link_get(name, &l, &err) < 0)
		fail_msg("%s", err.msg);
	assert_memory_equal(l.mac, f->orig.mac, 6);
	assert_int_equal(l.mtu, f->orig.mtu);
	assert_int_equal(l.up, f->orig.up);
}

static void test_move_in_and_out(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;
	char alt[16];

	/* altnames travel with the link through both renames */
	snprintf(alt, sizeof(alt), "vpal%d", (int)getpid() % 100000);
	assert_int_equal(
	    run("ip link property add dev %s altname %s", f->a, alt), 0);

	if (vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 1400, &moved, &err) <
	    0)
		fail_msg("%s", err.msg);
	assert_int_equal(self_ns_ino(), f->host_ino);
	assert_string_equal(moved.ifname, "net1");
	assert_true(moved.ifindex > 0);
	assert_memory_equal(moved.mac, MAC_IN, 6);
	assert_int_equal(moved.mtu, 1400);
	assert_true(moved.up);
	assert_int_equal(if_nametoindex(f->a), 0);

	const char *j = in_container(f, "net1");
	assert_contains(j, "\"ifname\":\"net1\"");
	assert_contains(j, "\"mtu\":1400");
	assert_contains(j, "\"address\":\"02:00:00:00:00:01\"");
	assert_contains(j, "\"UP\"");
	assert_contains(j, alt);

	if (vp_netns_move_out(&f->t, "net1", 0, NULL, NULL, &f->orig, &err) < 0)
		fail_msg("%s", err.msg);
	assert_back_in_host(f, f->a);
	assert_contains(in_host(f->a), alt);
	assert_string_equal(in_container(f, "net1"), "");

	/* poststop twice: the second finds nothing, says so, harms nothing */
	assert_int_equal(
	    vp_netns_move_out(&f->t, "net1", 0, NULL, NULL, &f->orig, &err), 0);
	assert_back_in_host(f, f->a);
}

static void test_move_keeps_name_mac_mtu_when_not_asked(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;

	/* same name, no MAC, no MTU; the link was down in the host */
	assert_int_equal(run("ip link set %s down", f->a), 0);
	f->orig.up = false;
	if (vp_netns_move_in(&f->t, f->a, f->a, NULL, 0, &moved, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(moved.ifname, f->a);
	assert_memory_equal(moved.mac, f->orig.mac, 6);
	assert_int_equal(moved.mtu, 1500);
	assert_true(moved.up);
	if (vp_netns_move_out(&f->t, f->a, 0, NULL, NULL, &f->orig, &err) < 0)
		fail_msg("%s", err.msg);
	/* down again, as it was */
	assert_back_in_host(f, f->a);
}

static void test_name_clash_in_container(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;
	char want[160];

	assert_int_equal(run("nsenter --net=/proc/%d/ns/net ip link add net1 "
			     "type veth peer name net1p",
			     (int)f->pid),
			 0);
	assert_int_equal(
	    vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 1400, &moved, &err),
	    -1);
	snprintf(want, sizeof(want),
		 "move `%s` into the container (pid %d) as `net1`: name exists "
		 "in the container",
		 f->a, (int)f->pid);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, EEXIST);
	/* back under its name with its MAC, MTU and up state: had it stayed
	 * in the temporary namespace, the veth would be gone with it */
	assert_back_in_host(f, f->a);
}

static void test_altname_clash_in_container(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;
	char want[160];

	assert_int_equal(run("nsenter --net=/proc/%d/ns/net ip link property "
			     "add dev lo altname net1",
			     (int)f->pid),
			 0);
	assert_int_equal(
	    vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 0, &moved, &err), -1);
	snprintf(
	    want, sizeof(want),
	    "move `%s` into the container (pid %d) as `net1`: `net1` is an "
	    "altname of `lo` in the container",
	    f->a, (int)f->pid);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, EEXIST);
	assert_back_in_host(f, f->a);
}

static void test_own_altname_clashes_in_container(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;
	char alt[16];

	snprintf(alt, sizeof(alt), "vpal%d", (int)getpid() % 100000);
	assert_int_equal(
	    run("ip link property add dev %s altname %s", f->a, alt), 0);
	assert_int_equal(run("nsenter --net=/proc/%d/ns/net ip link property "
			     "add dev lo altname %s",
			     (int)f->pid, alt),
			 0);
	assert_int_equal(
	    vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 0, &moved, &err), -1);
	assert_contains(err.msg, "one of its altnames exists in the container");
	assert_int_equal(err.errnum, EEXIST);
	assert_back_in_host(f, f->a);
	assert_contains(in_host(f->a), alt);
}

static void test_bad_mtu_rolls_back(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;

	/* veth's maximum MTU is 65535 */
	assert_int_equal(
	    vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 70000, &moved, &err),
	    -1);
	assert_contains(err.msg, "as `net1`: set MTU 70000: ");
	assert_int_equal(err.errnum, EINVAL);
	assert_back_in_host(f, f->a);
	assert_string_equal(in_container(f, "net1"), "");
}

static void test_original_name_taken_in_host(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved, lost;
	struct vp_err err;
	char want[200], lostname[16];

	if (vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 1400, &moved, &err) <
	    0)
		fail_msg("%s", err.msg);
	/* meanwhile someone took the name in the host */
	assert_int_equal(run("ip link set %s name %s", f->b, f->a), 0);
	snprintf(f->b, sizeof(f->b), "%s", f->a);

	assert_int_equal(
	    vp_netns_move_out(&f->t, "net1", 0, NULL, NULL, &f->orig, &err),
	    -1);
	assert_int_equal(err.errnum, EEXIST);
	/* left findable in the host under a name derived from its ifindex,
	 * with its MAC and MTU restored */
	const char *p = strstr(err.msg, "as `vpr");
	assert_non_null(p);
	assert_int_equal(sscanf(p, "as `%15[^`]`", lostname), 1);
	snprintf(want, sizeof(want),
		 "move `net1` out of the container (pid %d) back to `%s`: name "
		 "`%s` is taken in the host; the link is left in the host as "
		 "`%s` (ifindex %d)",
		 (int)f->pid, f->a, f->a, lostname,
		 (int)if_nametoindex(lostname));
	assert_string_equal(err.msg, want);
	assert_int_equal(vp_link_get(lostname, &lost, &err), 0);
	assert_memory_equal(lost.mac, f->orig.mac, 6);
	assert_int_equal(lost.mtu, f->orig.mtu);
	assert_string_equal(in_container(f, "net1"), "");
	assert_int_equal(self_ns_ino(), f->host_ino);
}

static void test_container_gone_before_move_out(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;
	char want[200];
	int pid = (int)f->pid;

	if (vp_netns_move_in(&f->t, f->a, "net1", NULL, 0, &moved, &err) < 0)
		fail_msg("%s", err.msg);
	kill_container(f);
	/* a veth dies with its namespace (and takes its peer along) */
	assert_int_equal(
	    vp_netns_move_out(&f->t, "net1", 0, NULL, NULL, &f->orig, &err),
	    -1);
	snprintf(want, sizeof(want),
		 "move `net1` out of the container (pid %d) back to `%s`: the "
		 "container's network namespace is gone and the link with it",
		 pid, f->a);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, ENODEV);
	assert_int_equal(self_ns_ino(), f->host_ino);
}

/* The physical-device case: the namespace died and the kernel handed the
 * device back under another name.  A fixture sysfs tree maps a PCI address
 * to the veth end `b`, standing in for the returned device. */
static void test_returned_device_found_by_pci(void **state)
{
	struct fx *f = begin(state);
	struct vp_link orig, now;
	struct vp_err err;
	char path[512], oname[16];

	snprintf(path, sizeof(path),
		 "mkdir -p %s/bus/pci/devices/0000:3b:02.1/net/%s", f->dir,
		 f->b);
	assert_int_equal(run("%s", path), 0);
	kill_container(f); /* its pid now names no process */

	memset(&orig, 0, sizeof(orig));
	snprintf(oname, sizeof(oname), "vpno%d", (int)getpid() % 100000);
	snprintf(orig.ifname, sizeof(orig.ifname), "%s", oname);
	memcpy(orig.mac, (uint8_t[6]){0x02, 0x11, 0x22, 0x33, 0x44, 0x55}, 6);
	orig.mtu = 1280;
	orig.up = true;
	orig.ifindex = 0; /* the ifindex alone would not find it */
	if (vp_netns_move_out(&f->t, "net1", 0, f->dir, "0000:3b:02.1", &orig,
			      &err) < 0)
		fail_msg("%s", err.msg);
	snprintf(f->b, sizeof(f->b), "%s", oname);
	assert_int_equal(vp_link_get(oname, &now, &err), 0);
	assert_memory_equal(now.mac, orig.mac, 6);
	assert_int_equal(now.mtu, 1280);
	assert_true(now.up);
}

static void test_returned_device_found_by_ifindex(void **state)
{
	struct fx *f = begin(state);
	struct vp_link orig, now;
	struct vp_err err;
	char devname[16];

	kill_container(f);
	/* the kernel's name for a device whose own name was taken */
	snprintf(devname, sizeof(devname), "dev%d", (int)getpid() % 100000);
	assert_int_equal(run("ip link set %s name %s", f->b, devname), 0);
	snprintf(f->b, sizeof(f->b), "%s", devname);

	orig = f->orig;
	snprintf(orig.ifname, sizeof(orig.ifname), "vpnc%d",
		 (int)getpid() % 100000);
	orig.ifindex = (int)if_nametoindex(devname);
	assert_true(orig.ifindex > 0);
	if (vp_netns_move_out(&f->t, "net1", 0, NULL, NULL, &orig, &err) < 0)
		fail_msg("%s", err.msg);
	snprintf(f->b, sizeof(f->b), "%s", orig.ifname);
	assert_int_equal(vp_link_get(orig.ifname, &now, &err), 0);
	assert_int_equal(now.ifindex, orig.ifindex);
	assert_memory_equal(now.mac, f->orig.mac, 6);
	assert_true(now.up);

	/* an ifindex under an unrelated name may have been reused: not ours */
	orig.ifindex = (int)if_nametoindex(f->a);
	snprintf(orig.ifname, sizeof(orig.ifname), "vpnz%d",
		 (int)getpid() % 100000);
	assert_int_equal(
	    vp_netns_move_out(&f->t, "net1", 0, NULL, NULL, &orig, &err), -1);
	assert_int_equal(err.errnum, ENODEV);
	assert_true(if_nametoindex(f->a) > 0);
}

static void test_refusals(void **state)
{
	struct fx *f = begin(state);
	struct vp_netns_target self = {
	    .proc_root = "/proc", .pid = getpid(), .fd = -1};
	struct vp_link moved;
	struct vp_err err;
	char want[200];

	/* a pid in the host namespace would silently "move" nothing */
	assert_int_equal(
	    vp_netns_move_in(&self, f->a, "net1", NULL, 0, &moved, &err), -1);
	snprintf(want, sizeof(want),
		 "move `%s` into the container (pid %d) as `net1`: pid %d is "
		 "in the host's network namespace",
		 f->a, (int)getpid(), (int)getpid());
	assert_string_equal(err.msg, want);
	assert_back_in_host(f, f->a);

	assert_int_equal(vp_netns_move_in(&f->t, "vpnothere0", "net1", NULL, 0,
					  &moved, &err),
			 -1);
	snprintf(want, sizeof(want),
		 "move `vpnothere0` into the container (pid %d) as `net1`: in "
		 "the host: find `vpnothere0`: No such device",
		 (int)f->pid);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, ENODEV);

	assert_int_equal(
	    vp_netns_move_in(&f->t, f->a, "net/1", NULL, 0, &moved, &err), -1);
	assert_int_equal(err.errnum, EINVAL);
	assert_int_equal(vp_netns_move_in(&f->t, f->a, "net1",
					  (const uint8_t[6]){1, 0, 0, 0, 0, 1},
					  0, &moved, &err),
			 -1);
	assert_contains(err.msg, "multicast");

	struct vp_netns_target bad = {.proc_root = "/proc", .pid = 0, .fd = -1};
	assert_int_equal(
	    vp_netns_move_in(&bad, f->a, "net1", NULL, 0, &moved, &err), -1);
	assert_contains(err.msg, "pid 0 invalid");

	kill_container(f);
	assert_int_equal(
	    vp_netns_move_in(&f->t, f->a, "net1", NULL, 0, &moved, &err), -1);
	snprintf(want, sizeof(want),
		 "move `%s` into the container (pid %d) as `net1`: open "
		 "`/proc/%d/ns/net`: No such file or directory",
		 f->a, f->t.pid, f->t.pid);
	assert_string_equal(err.msg, want);
	assert_back_in_host(f, f->a);
}

/* ---- namespace files a container can influence ------------------------ */

/* inotify on `path`: a real open(2) of it shows as IN_OPEN, an O_PATH open
 * does not. */
static int watch_opens(const char *path)
{
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	assert_true(in >= 0);
	assert_true(inotify_add_watch(in, path, IN_OPEN | IN_ACCESS) >= 0);
	return in;
}

static void assert_never_opened(int in, const char *what)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(in, buf, sizeof(buf));

	/* IN_IGNORED comes when the file is removed: not an open */
	for (ssize_t off = 0; off < n;) {
		const struct inotify_event *e = (void *)(buf + off);

		if (e->mask & (IN_OPEN | IN_ACCESS))
			fail_msg("%s was opened", what);
		off += (ssize_t)(sizeof(*e) + e->len);
	}
	close(in);
}

/* Everything that is not a namespace is refused without being opened: a
 * FIFO would block the hook (under the global lock), a device's open
 * would run as root. */
static void test_open_refuses_non_namespaces(void **state)
{
	struct fx *f = begin(state);
	const char *kinds[] = {"fifo", "chr", "reg", "dir", "lnk"};
	const char *said[] = {"a FIFO", "a character device", "a regular file",
			      "a directory", "a symbolic link"};
	char path[512], target[512], want[600];
	unsigned long long ino;
	struct vp_err err;
	int fd, in;

	snprintf(target, sizeof(target), "%s/ns-target", f->dir);
	assert_int_equal(mkfifo(target, 0600), 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(path, sizeof(path), "%s/ns-%s", f->dir, kinds[i]);
		switch (i) {
		case 0:
			assert_int_equal(mkfifo(path, 0600), 0);
			break;
		case 1: /* /dev/null's numbers: harmless if it were opened */
			assert_int_equal(
			    mknod(path, S_IFCHR | 0600, makedev(1, 3)), 0);
			break;
		case 2:
			tu_write(path, "", 0600);
			break;
		case 3:
			assert_int_equal(mkdir(path, 0700), 0);
			break;
		default: /* to a FIFO: not followed, so not opened either */
			assert_int_equal(symlink(target, path), 0);
			break;
		}
		in = watch_opens(i == 4 ? target : path);
		alarm(
		    5); /* a blocking open fails the test instead of hanging */
		assert_int_equal(vp_netns_open(path, false, &fd, &ino, &err),
				 -1);
		alarm(0);
		assert_int_equal(fd, -1);
		assert_int_equal(err.errnum, EINVAL);
		snprintf(want, sizeof(want), "`%s` is %s, not a namespace",
			 path, said[i]);
		assert_string_equal(err.msg, want);
		assert_never_opened(in, path);
	}
	/* followed, the symlink still leads to a FIFO only */
	snprintf(path, sizeof(path), "%s/ns-lnk", f->dir);
	in = watch_opens(target);
	alarm(5);
	assert_int_equal(vp_netns_open(path, true, &fd, &ino, &err), -1);
	alarm(0);
	assert_contains(err.msg, "is a FIFO, not a namespace");
	assert_never_opened(in, target);
}

static void test_open_namespaces(void **state)
{
	struct fx *f = begin(state);
	char path[512];
	unsigned long long ino, ino2;
	struct vp_err err;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)f->pid);
	assert_int_equal(stat(path, &st), 0);
	if (vp_netns_open_pid("/proc", f->pid, &fd, &ino, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(ino, (unsigned long long)st.st_ino);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	/* /proc/<pid>/ns/net is a (magic) symlink: not without follow */
	assert_int_equal(vp_netns_open(path, false, &fd, &ino2, &err), -1);

	/* an `ip netns`-style bind mount is a namespace file itself */
	snprintf(path, sizeof(path), "%s/pin", f->dir);
	tu_write(path, "", 0600);
	assert_int_equal(
	    run("mount --bind /proc/%d/ns/net %s", (int)f->pid, path), 0);
	if (vp_netns_open(path, false, &fd, &ino2, &err) < 0) {
		umount2(path, MNT_DETACH);
		fail_msg("%s", err.msg);
	}
	close(fd);
	umount2(path, MNT_DETACH);
	assert_int_equal(ino2, ino);
}

/* A process that joins the network namespace of `pid` (a sidecar): it
 * keeps the namespace alive after the container's process is gone. */
static pid_t spawn_joined(pid_t pid)
{
	char path[64];
	int p[2];
	char c;
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (pipe(p) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0 ||
		    write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (child < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
		return -1;
	}
	close(p[0]);
	return child;
}

/* By poststop the recorded OCI path has become a FIFO, and a device sits
 * in /run/netns: both are skipped, neither waited on nor opened, and the
 * namespace is found through the process still in it. */
static void test_move_out_skips_hostile_path(void **state)
{
	struct fx *f = begin(state);
	char path[512], dev[64];
	struct vp_link moved;
	struct vp_err err;
	pid_t sidecar;
	int fd, in, in2, rc;

	if (vp_netns_open_pid("/proc", f->pid, &fd, &f->t.ino, &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	if (vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 1400, &moved, &err) <
	    0)
		fail_msg("%s", err.msg);
	sidecar = spawn_joined(f->pid);
	assert_true(sidecar > 0);
	kill_container(f);

	snprintf(path, sizeof(path), "%s/ns-fifo", f->dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(dev, sizeof(dev), "/run/netns/vpnc%d", (int)getpid() % 100000);
	assert_int_equal(run("mkdir -p /run/netns"), 0);
	assert_int_equal(mknod(dev, S_IFCHR | 0600, makedev(1, 3)), 0);
	in = watch_opens(path);
	in2 = watch_opens(dev);
	f->t.path = path;
	alarm(5);
	rc = vp_netns_move_out(&f->t, "net1", moved.ifindex, NULL, NULL,
			       &f->orig, &err);
	alarm(0);
	unlink(dev);
	kill(sidecar, SIGKILL);
	waitpid(sidecar, NULL, 0);
	if (rc < 0)
		fail_msg("%s", err.msg);
	assert_back_in_host(f, f->a);
	assert_never_opened(in, path);
	assert_never_opened(in2, dev);
}

/* The path in a record must be the namespace with the recorded inode: a
 * namespace file of another namespace is not taken for it. */
static void test_move_out_path_of_other_namespace(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;
	char path[512];
	pid_t other = spawn_container();
	int fd;

	assert_true(other > 0);
	if (vp_netns_open_pid("/proc", f->pid, &fd, &f->t.ino, &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	if (vp_netns_move_in(&f->t, f->a, "net1", NULL, 0, &moved, &err) < 0)
		fail_msg("%s", err.msg);
	snprintf(path, sizeof(path), "%s/pin", f->dir);
	tu_write(path, "", 0600);
	assert_int_equal(
	    run("mount --bind /proc/%d/ns/net %s", (int)other, path), 0);
	kill_container(f);
	/* the other namespace has a link of that name: it stays there */
	assert_int_equal(run("nsenter --net=/proc/%d/ns/net ip link add net1 "
			     "type veth peer name net1p",
			     (int)other),
			 0);
	f->t.path = path;
	assert_int_equal(vp_netns_move_out(&f->t, "net1", moved.ifindex, NULL,
					   NULL, &f->orig, &err),
			 -1);
	assert_int_equal(err.errnum, ENODEV);
	assert_contains(err.msg, "namespace is gone");
	assert_contains(capture("nsenter --net=/proc/%d/ns/net ip -j link "
				"show dev net1",
				(int)other),
			"\"ifname\":\"net1\"");
	umount2(path, MNT_DETACH);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
}

/* ---- the link moved in, renamed or moved on by the container ------------ */

static void test_move_out_finds_renamed_link(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;

	if (vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 1400, &moved, &err) <
	    0)
		fail_msg("%s", err.msg);
	/* a container with NET_ADMIN renames it, and takes the old name */
	assert_int_equal(run("nsenter --net=/proc/%d/ns/net sh -c 'ip link set "
			     "net1 down && ip link set net1 name evil1 && ip "
			     "link add net1 type veth peer name net1p'",
			     (int)f->pid),
			 0);
	if (vp_netns_move_out(&f->t, "net1", moved.ifindex, NULL, NULL,
			      &f->orig, &err) < 0)
		fail_msg("%s", err.msg);
	assert_back_in_host(f, f->a);
	assert_string_equal(in_container(f, "evil1"), "");
	/* the container's own net1 stays */
	assert_contains(in_container(f, "net1"), "\"ifname\":\"net1\"");
}

/* Moved on by the container (into a namespace of its own): neither in the
 * container nor in the host while the container's namespace lives.  Not
 * "gone": EBUSY, so the VF stays claimed. */
static void test_move_out_link_moved_on(void **state)
{
	struct fx *f = begin(state);
	struct vp_link moved;
	struct vp_err err;
	pid_t inner = spawn_container();

	assert_true(inner > 0);
	if (vp_netns_move_in(&f->t, f->a, "net1", MAC_IN, 1400, &moved, &err) <
	    0)
		fail_msg("%s", err.msg);
	assert_int_equal(run("nsenter --net=/proc/%d/ns/net ip link set net1 "
			     "netns %d",
			     (int)f->pid, (int)inner),
			 0);
	assert_int_equal(vp_netns_move_out(&f->t, "net1", moved.ifindex, NULL,
					   NULL, &f->orig, &err),
			 -1);
	assert_int_equal(err.errnum, EBUSY);
	assert_contains(err.msg, "the link is neither in the container's "
				 "namespace (as ifindex");
	assert_contains(capture("nsenter --net=/proc/%d/ns/net ip -j link "
				"show dev net1",
				(int)inner),
			"\"ifname\":\"net1\"");
	assert_int_equal(self_ns_ino(), f->host_ino);
	kill(inner, SIGKILL);
	waitpid(inner, NULL, 0);
}

/* Prestart opens the namespace once and moves the link through that fd:
 * a pid that names another namespace by then does not redirect it. */
static void test_move_in_through_opened_namespace(void **state)
{
	struct fx *f = begin(state);
	pid_t other = spawn_container();
	struct vp_netns_target t = f->t;
	struct vp_link moved;
	struct vp_err err;
	char want[200];
	int fd;

	assert_true(other > 0);
	if (vp_netns_open_pid("/proc", f->pid, &fd, &t.ino, &err) < 0)
		fail_msg("%s", err.msg);
	/* the pid now leads elsewhere (reused) */
	t.pid = other;
	/* without the fd the inode check refuses it */
	assert_int_equal(
	    vp_netns_move_in(&t, f->a, "net1", NULL, 0, &moved, &err), -1);
	snprintf(want, sizeof(want),
		 "move `%s` into the container (pid %d) as `net1`: pid %d is "
		 "no longer in the container's namespace",
		 f->a, (int)other, (int)other);
	assert_string_equal(err.msg, want);
	assert_back_in_host(f, f->a);
	/* with it, the link goes where the fd is */
	t.fd = fd;
	if (vp_netns_move_in(&t, f->a, "net1", NULL, 0, &moved, &err) < 0)
		fail_msg("%s", err.msg);
	close(fd);
	assert_contains(in_container(f, "net1"), "\"ifname\":\"net1\"");
	assert_string_equal(capture("nsenter --net=/proc/%d/ns/net ip -j link "
				    "show dev net1 2>/dev/null",
				    (int)other),
			    "");
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	/* an fd that is not a namespace is refused */
	t.fd = 0;
	assert_int_equal(
	    vp_netns_move_in(&t, f->a, "net2", NULL, 0, &moved, &err), -1);
	assert_contains(err.msg, "not a namespace");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(test_move_in_and_out),
	    T(test_move_keeps_name_mac_mtu_when_not_asked),
	    T(test_name_clash_in_container),
	    T(test_altname_clash_in_container),
	    T(test_own_altname_clashes_in_container),
	    T(test_bad_mtu_rolls_back),
	    T(test_original_name_taken_in_host),
	    T(test_container_gone_before_move_out),
	    T(test_returned_device_found_by_pci),
	    T(test_returned_device_found_by_ifindex),
	    T(test_refusals),
	    T(test_open_refuses_non_namespaces),
	    T(test_open_namespaces),
	    T(test_move_out_skips_hostile_path),
	    T(test_move_out_path_of_other_namespace),
	    T(test_move_out_finds_renamed_link),
	    T(test_move_out_link_moved_on),
	    T(test_move_in_through_opened_namespace),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

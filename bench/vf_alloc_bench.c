/* vf_alloc_bench.c - time one `vnfplug-hook prestart` from outside, with
 * the moment its VF allocation is done.
 *
 *   vf_alloc_bench WATCH STATE HOOK ARGS...
 *
 * Runs HOOK ARGS... with STATE (a file) on stdin and prints one line:
 *   "<claim_ns> <total_ns> <exit status> <cpu_ns>"
 * claim_ns: from just before fork() to the first write to the file WATCH,
 * the driver_override of the VF the hook is expected to pick.  The hook
 * writes it first thing in vp_vfio_bind, right after the claim was saved
 * in the sandbox's record: so claim_ns is exec + config + lock + reading
 * every record + scanning the PFs' VFs + the journal write, the whole
 * allocation, and not the rebind that follows (which on a fixture tree
 * waits for the simulated kernel).  -1 when the hook never wrote WATCH.
 * total_ns: until the hook exited.  cpu_ns: the hook's user + system CPU
 * time for the whole prestart (wait4 rusage): unlike the wall times, it
 * does not grow when other load on the machine delays the hook.
 *
 * Built by bench/vf-alloc.sh (gcc -O2 bench/vf_alloc_bench.c); Linux only
 * (inotify).  The timer is CLOCK_MONOTONIC; inotify delivers the event
 * within microseconds of the write, well below what is measured here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long t0, claim = -1, end;
	int in, wd, st = 0, fd;
	struct rusage ru = {0};
	pid_t pid;
	char buf[4096];

	if (argc < 4) {
		fprintf(stderr,
			"usage: vf_alloc_bench WATCH STATE HOOK ARGS...\n");
		return 2;
	}
	in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (in < 0) {
		perror("inotify_init1");
		return 1;
	}
	wd = inotify_add_watch(in, argv[1], IN_MODIFY | IN_CLOSE_WRITE);
	if (wd < 0) {
		perror(argv[1]);
		return 1;
	}
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		dup2(fd, 0);
		execv(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}
	for (;;) {
		struct pollfd p = {.fd = in, .events = POLLIN};
		int r =
		    poll(&p, 1, 1); /* 1 ms: notice a hook that never writes */

		if (r > 0) {
			claim = now_ns() - t0;
			while (read(in, buf, sizeof(buf)) > 0)
				;
			break;
		}
		if (r < 0 && errno != EINTR) {
			perror("poll");
			break;
		}
		if (wait4(pid, &st, WNOHANG, &ru) == pid) {
			end = now_ns() - t0;
			goto done;
		}
	}
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	end = now_ns() - t0;
done:
	printf("%lld %lld %d %lld\n", claim, end,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL);
	return 0;
}

/* fake-qemu-daemonize.c - a QEMU stand-in that daemonizes as QEMU does
 * (os_daemonize() and qemu_write_pidfile() in QEMU 7.2), for
 * 59-daemonize.sh.
 *
 * With -daemonize the first process makes a pipe and forks; it waits on
 * the pipe and exits 0 only when the daemon reports it is up.  The child
 * calls setsid() and forks again; the grandchild - the daemon, the VM -
 * writes its pid to the -pidfile, reports ready, points stdio at
 * /dev/null and runs until killed.  Without -daemonize the process itself
 * writes the pidfile and runs.  Its argv is left untouched, as QEMU's is.
 *
 * Environment (the shim passes it on):
 *   FAKE_QEMU_FAIL=1     exit 1 before daemonizing (QEMU rejecting its
 *                        arguments)
 *   FAKE_QEMU_DELAY=MS   the daemon waits MS ms before writing the pidfile
 *                        (a slow start: the first process still waits)
 *   FAKE_QEMU_ARGS=FILE  write the argv there, one per line
 *   FAKE_QEMU_PIDLOG=FILE  the VM process appends its pid there (for the
 *                        test's cleanup, whatever the pidfile holds)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int write_pidfile(const char *path)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || lockf(fd, F_TLOCK, 0) < 0 || ftruncate(fd, 0) < 0) {
		perror(path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		perror(path);
		return -1;
	}
	return 0; /* fd kept open, as QEMU keeps its lock */
}

static void delay(void)
{
	const char *ms = getenv("FAKE_QEMU_DELAY");
	struct timespec ts;
	long v;

	if (ms == NULL)
		return;
	v = strtol(ms, NULL, 10);
	ts.tv_sec = v / 1000;
	ts.tv_nsec = (v % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	const char *pidfile = NULL, *args = getenv("FAKE_QEMU_ARGS");
	int daemonize = 0, fds[2], null;
	char status = 0;
	pid_t pid;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-daemonize") == 0 ||
		    strcmp(argv[i], "--daemonize") == 0)
			daemonize = 1;
		else if (strcmp(argv[i], "-pidfile") == 0 && i + 1 < argc)
			pidfile = argv[++i];
	}
	if (args != NULL) {
		FILE *f = fopen(args, "w");

		for (int i = 0; f != NULL && i < argc; i++)
			fprintf(f, "%s\n", argv[i]);
		if (f != NULL)
			fclose(f);
	}
	/* as QEMU: a write to a closed pipe or socket is an error, not death */
	signal(SIGPIPE, SIG_IGN);
	if (getenv("FAKE_QEMU_FAIL") != NULL) {
		fprintf(stderr, "fake-qemu: failing on purpose\n");
		return 1;
	}
	if (daemonize) {
		if (pipe(fds) < 0)
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid > 0) {
			ssize_t n;

			close(fds[1]);
			do {
				n = read(fds[0], &status, 1);
			} while (n < 0);
			_exit(n == 1 && status == 0 ? 0 : 1);
		}
		close(fds[0]);
		setsid();
		pid = fork();
		if (pid < 0)
			_exit(1);
		if (pid > 0)
			_exit(0);
		delay();
	}
	if (pidfile != NULL && write_pidfile(pidfile) < 0) {
		status = 1;
		if (daemonize && write(fds[1], &status, 1) < 0)
			return 1;
		return 1;
	}
	if (daemonize) {
		/* the first process may be gone (killed): no reader */
		if (write(fds[1], &status, 1) < 0)
			perror("fake-qemu: daemon pipe");
		close(fds[1]);
		null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (getenv("FAKE_QEMU_PIDLOG") != NULL) {
		FILE *f = fopen(getenv("FAKE_QEMU_PIDLOG"), "a");

		if (f != NULL) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	signal(SIGHUP, SIG_IGN);
	for (;;)
		pause();
}

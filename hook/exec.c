/* exec.c - run a backend command with an argv, a fixed environment and a
 * deadline (see exec.h).  The hook runs as root with an environment that
 * may be the container's, so nothing of it reaches the child. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"

static char *const fixed_env[] = {
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL=C",
    NULL,
};

struct sink {
	int fd;
	char *buf;
	size_t len;
};

/* Read what is available; 0 when the pipe is still open, 1 at EOF. */
static int drain(struct sink *s)
{
	char tmp[4096];
	ssize_t n = read(s->fd, tmp, sizeof(tmp));

	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : 1;
	if (n == 0)
		return 1;
	if (s->len + (size_t)n <= VP_EXEC_OUTPUT_MAX) {
		char *nb = realloc(s->buf, s->len + (size_t)n + 1);

		if (nb != NULL) {
			memcpy(nb + s->len, tmp, (size_t)n);
			s->len += (size_t)n;
			nb[s->len] = '\0';
			s->buf = nb;
		}
	}
	return 0;
}

static void child(char *const argv[], int out_w, int err_w)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 ||
	    dup2(err_w, 2) < 0)
		_exit(127);
	/* nothing the hook holds (lock, records) leaks into the backend */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], argv, fixed_env);
	_exit(127);
}

int vp_exec(char *const argv[], unsigned timeout_ms, struct vp_exec_result *res,
	    struct vp_err *err)
{
	int out_p[2], err_p[2];
	struct sink sinks[2] = {{-1, NULL, 0}, {-1, NULL, 0}};
	long long deadline = vp_now_ms() + timeout_ms;
	int open_pipes = 2, status = 0, timed_out = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (argv[0] == NULL || argv[0][0] != '/')
		return vp_err_set(err, EINVAL,
				  "exec: command must be an absolute path");
	if (pipe2(out_p, O_CLOEXEC) < 0)
		return vp_err_set(err, errno, "exec `%s`: pipe", argv[0]);
	if (pipe2(err_p, O_CLOEXEC) < 0) {
		close(out_p[0]);
		close(out_p[1]);
		return vp_err_set(err, errno, "exec `%s`: pipe", argv[0]);
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(out_p[0]), close(out_p[1]), close(err_p[0]),
		    close(err_p[1]);
		return vp_err_set(err, e, "exec `%s`: fork", argv[0]);
	}
	if (pid == 0)
		child(argv, out_p[1], err_p[1]);
	close(out_p[1]);
	close(err_p[1]);
	sinks[0].fd = out_p[0];
	sinks[1].fd = err_p[0];

	while (open_pipes > 0) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		long long left = deadline - vp_now_ms();
		int r;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		for (int i = 0; i < 2; i++)
			if (sinks[i].fd >= 0)
				pfd[n++] =
				    (struct pollfd){sinks[i].fd, POLLIN, 0};
		r = poll(pfd, n, (int)left);
		if (r < 0 && errno != EINTR)
			break;
		for (nfds_t k = 0; r > 0 && k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			for (int i = 0; i < 2; i++) {
				if (sinks[i].fd != pfd[k].fd)
					continue;
				if (drain(&sinks[i])) {
					close(sinks[i].fd);
					sinks[i].fd = -1;
					open_pipes--;
				}
			}
		}
	}
	if (timed_out)
		kill(pid, SIGKILL);
	for (int i = 0; i < 2; i++)
		if (sinks[i].fd >= 0)
			close(sinks[i].fd);
	/* the pipes are closed: wait for the exit on a pidfd, so the
	 * deadline still holds for a child that closed its output early */
	if (!timed_out) {
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		long long left = deadline - vp_now_ms();

		if (pfd >= 0) {
			struct pollfd p = {pfd, POLLIN, 0};

			while (left > 0 && poll(&p, 1, (int)left) < 0 &&
			       errno == EINTR)
				left = deadline - vp_now_ms();
			close(pfd);
		} else {
			/* no pidfd (kernel < 5.3): poll the exit status */
			while (waitpid(pid, &status, WNOHANG) == 0 &&
			       vp_now_ms() < deadline)
				usleep(500);
			if (kill(pid, 0) < 0)
				goto reaped;
		}
		if (waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			timed_out = 1;
		}
	}
	if (timed_out)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
reaped:
	res->out = sinks[0].buf ? sinks[0].buf : strdup("");
	res->errout = sinks[1].buf ? sinks[1].buf : strdup("");
	if (timed_out)
		return vp_err_set(err, ETIMEDOUT, "`%s` timed out after %u ms",
				  argv[0], timeout_ms);
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);
	if (res->status == 127 && res->errout[0] == '\0')
		return vp_err_set(err, ENOENT, "cannot execute `%s`", argv[0]);
	return 0;
}

void vp_exec_result_free(struct vp_exec_result *res)
{
	free(res->out);
	free(res->errout);
	res->out = res->errout = NULL;
}

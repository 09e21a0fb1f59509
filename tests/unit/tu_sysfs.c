/* tu_sysfs.c - fake sysfs trees and the simulated kernel for unit tests
 * (see tu_sysfs.h); the layout itself lives in tests/fixtures/mksysfs.sh. */
#include "tu_sysfs.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRIPT_REL "tests/fixtures/mksysfs.sh"

const char *tu_sysfs_script(void)
{
	static char path[PATH_MAX + sizeof(SCRIPT_REL) + 1];
	char exe[PATH_MAX];
	const char *env = getenv("VP_MKSYSFS");
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return env;
	if (path[0] != '\0')
		return path;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		/* <repo>/<build>/tests/test_x -> <repo> */
		for (int up = 0; up < 3; up++) {
			slash = strrchr(exe, '/');
			if (slash == NULL)
				break;
			*slash = '\0';
		}
		snprintf(path, sizeof(path), "%s/%s", exe, SCRIPT_REL);
		if (access(path, R_OK) == 0)
			return path;
	}
	snprintf(path, sizeof(path), "%s", SCRIPT_REL);
	return path;
}

void tu_sysfs_build(const char *root, const char *fmt, ...)
{
	char args[2048], cmd[4096];
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(args))
		abort();
	n = snprintf(cmd, sizeof(cmd), "/bin/bash '%s' '%s' %s",
		     tu_sysfs_script(), root, args);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		abort();
	rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "fixture failed (%d): %s\n", rc, cmd);
		abort();
	}
}

void tu_sysfs_pf(const char *root, const char *name, const char *pci,
		 const char *driver, unsigned nvfs, const char *vf_driver,
		 int first_group)
{
	const char *layout = strcmp(driver, "i40e") == 0 ? "i40e" : "ixgbe";

	tu_sysfs_build(root,
		       "pf '%s' %s --layout %s --driver %s --vfs %u "
		       "--vf-driver %s --group %d",
		       name, pci, layout, driver, nvfs,
		       vf_driver != NULL ? vf_driver : "-", first_group);
}

char *tu_sysfs_path(const char *root, const char *pci, const char *rel)
{
	char *p = NULL;

	if (asprintf(&p, "%s/bus/pci/devices/%s%s%s", root, pci,
		     rel[0] != '\0' ? "/" : "", rel) < 0)
		abort();
	return p;
}

const char *tu_sysfs_driver(const char *root, const char *pci)
{
	static char name[PATH_MAX];
	char target[PATH_MAX];
	char *link = tu_sysfs_path(root, pci, "driver");
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	const char *base;

	free(link);
	if (n < 0)
		return "";
	target[n] = '\0';
	base = strrchr(target, '/');
	snprintf(name, sizeof(name), "%s", base != NULL ? base + 1 : target);
	return name;
}

pid_t tu_sysfs_kernel_start(const char *root)
{
	const char *script = tu_sysfs_script();
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0) {
		execl("/bin/bash", "bash", script, root, "kernel",
		      "--interval-ms", "2", (char *)NULL);
		_exit(127);
	}
	return pid;
}

void tu_sysfs_kernel_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* tu.c - helpers shared by the unit tests. */
#include "tu.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

char *tu_mkdtemp(void)
{
	char *d = strdup("/tmp/vp-unit-XXXXXX");

	if (d == NULL || mkdtemp(d) == NULL) {
		perror("mkdtemp");
		abort();
	}
	return d;
}

void tu_rmtree(const char *dir)
{
	struct vp_err err;

	if (dir != NULL && strncmp(dir, "/tmp/vp-unit-", 13) == 0)
		vp_rm_rf(dir, &err);
}

void tu_write(const char *path, const char *content, int mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
	chmod(path, (mode_t)mode);
}

char *tu_read(const char *path)
{
	struct vp_err err;
	char *buf = NULL;
	size_t len;

	if (vp_read_file(path, 1 << 24, &buf, &len, &err) < 0)
		return NULL;
	return buf;
}

int tu_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

void tu_fake_vsctl(const char *dir)
{
	static const char script[] =
		"#!/bin/sh\n"
		"d=$(dirname \"$0\")\n"
		"shift 2\n"
		"echo \"$*\" >> \"$d/vsctl.log\"\n"
		"case \"$*\" in\n"
		"*del-port*) [ -e \"$d/fail-del\" ] &&\n"
		"  { echo 'ovs-vsctl: db down' >&2; exit 1; };;\n"
		"add-port*) [ -e \"$d/no-bridge\" ] &&\n"
		"  { echo \"ovs-vsctl: no bridge named $2\" >&2; exit 1; }\n"
		"  [ -e \"$d/slow\" ] && sleep 3\n"
		"  n=$(grep -c '^add-port' \"$d/vsctl.log\")\n"
		"  if [ -e \"$d/fail-$n\" ]; then\n"
		"    echo \"ovs-vsctl: boom $n\" >&2; exit 1; fi;;\n"
		"esac\n"
		"exit 0\n";
	char path[4096];

	snprintf(path, sizeof(path), "%s/ovs-vsctl", dir);
	tu_write(path, script, 0755);
}

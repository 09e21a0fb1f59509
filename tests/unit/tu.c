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

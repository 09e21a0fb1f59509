/* proc.c - process facts from procfs (see proc.h). */
#include "proc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"

int vp_proc_stat_parse(const char *line, struct vp_proc_stat *out)
{
	const char *p;
	char *end;

	/* comm (field 2) may hold spaces and parentheses: fields are
	 * counted from the last ')' */
	p = strrchr(line, ')');
	if (p == NULL || p[1] != ' ' || p[2] == '\0' || p[2] == ' ')
		return -1;
	out->state = p[2];
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return -1;
	}
	errno = 0;
	out->start = strtoull(p + 1, &end, 10);
	if (errno != 0 || end == p + 1)
		return -1;
	return 0;
}

int vp_proc_stat(const char *proc_root, int pid, struct vp_proc_stat *out,
		 struct vp_err *err)
{
	_cleanup_free_ char *path = vp_asprintf("%s/%d/stat", proc_root, pid);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "proc");
	if (vp_read_file(path, 64 * 1024, &buf, &len, err) < 0)
		return -1;
	if (vp_proc_stat_parse(buf, out) < 0)
		return vp_err_set(err, 0, "`%s`: unexpected format", path);
	return 0;
}

int vp_proc_start_time(const char *proc_root, int pid,
		       unsigned long long *start, struct vp_err *err)
{
	struct vp_proc_stat st;

	if (vp_proc_stat(proc_root, pid, &st, err) < 0)
		return -1;
	*start = st.start;
	return 0;
}

int vp_proc_cmdline(const char *proc_root, int pid, size_t max, char **buf,
		    char ***argv, size_t *argc, struct vp_err *err)
{
	_cleanup_free_ char *path =
	    vp_asprintf("%s/%d/cmdline", proc_root, pid);
	_cleanup_free_ char *b = NULL;
	char **v;
	size_t len, n = 0;

	if (path == NULL)
		return vp_err_set(err, ENOMEM, "cmdline of pid %d", pid);
	if (vp_read_file(path, max, &b, &len, err) < 0)
		return -1;
	/* vp_read_file puts a NUL one past len: at most len + 1 arguments */
	v = calloc(len + 2, sizeof(*v));
	if (v == NULL)
		return vp_err_set(err, ENOMEM, "%s", path);
	for (size_t i = 0; i < len; i += strlen(b + i) + 1)
		v[n++] = b + i;
	*buf = vp_steal_ptr(&b);
	*argv = v;
	*argc = n;
	return 0;
}

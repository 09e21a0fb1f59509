/* proc.h - facts about processes read from procfs (under a root prefix). */
#ifndef VP_PROC_H
#define VP_PROC_H

#include <stddef.h>

#include "err.h"

/* The fields of /proc/<pid>/stat that vnfplug uses. */
struct vp_proc_stat {
	char state; /* field 3: 'R', 'S', ..., 'Z' zombie, 'X' dead */
	unsigned long long
	    start; /* field 22: start time, clock ticks since boot */
};

/* One read of /proc/<pid>/stat.  ENOENT (or ESRCH) in err->errnum when
 * the process is gone. */
int vp_proc_stat(const char *proc_root, int pid, struct vp_proc_stat *out,
		 struct vp_err *err);
/* The fields from the text of a stat file; -1 when it is not one. */
int vp_proc_stat_parse(const char *line, struct vp_proc_stat *out);

/* Start time of `pid` (vp_proc_stat's `start`): with the pid it names a
 * process uniquely, since pids are reused. */
int vp_proc_start_time(const char *proc_root, int pid,
		       unsigned long long *start, struct vp_err *err);

/* The arguments of `pid` (/proc/<pid>/cmdline, at most `max` bytes):
 * *argv (NULL-terminated, *argc entries) points into *buf; free both.
 * The last argument is terminated even when the process rewrote its
 * argv without a final NUL. */
int vp_proc_cmdline(const char *proc_root, int pid, size_t max, char **buf,
		    char ***argv, size_t *argc, struct vp_err *err);

#endif
